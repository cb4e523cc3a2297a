"""One PyKale 0.2.1 run for bench_fit.py, in the venv where PyKale is installed.

Usage: ``python _pykale_worker.py SPEC_JSON``; prints one JSON line with the
timings, or exits non-zero with the reason.

The pipeline is PyKale's own: ``kale.loaddata.avmnist_datasets.AVMNISTDataset``
reads the arrays (float64, one Python list per sample), ``kale.embed.image_cnn.LeNet``
encodes, ``kale.embed.multimodal_fusion`` fuses,
``kale.pipeline.base_nn_trainer.MultimodalNNTrainer`` is the LightningModule and
a ``pytorch_lightning.Trainer`` trains it. The head is the same two-layer MLP
as skmmdl's. PyKale 0.2.1 breaks in the ways below; each is worked around here
only, without changing the installed package:

- ``kale.embed.image_cnn`` imports torchvision, and PyPI's torchvision does not
  import beside the torch 2.13.0 CPU build; a stub module replaces it, because
  LeNet does not use it.
- ``LowRankTensorFusion`` keeps its factors in a plain Python list, so the
  optimizer never sees them; they are moved into an ``nn.ParameterList``.
  Its device is hard-coded to ``cuda:0`` when CUDA exists; this machine has none.
- PyKale has no tensor fusion, so that row is reported as not available.
- The unimodal baselines need one modality per batch; a collate function drops
  the other one, because MultimodalNNTrainer feeds every input but the labels.
"""

import json
import os
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import network_kwargs, selected_modalities  # noqa: E402


class _Anything:
    """Stand-in for every torchvision name that kale.embed.image_cnn reads at import."""

    def __getattr__(self, name):
        return _Anything()

    def __call__(self, *args, **kwargs):
        return _Anything()


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        return _Anything()


def _stub_torchvision():
    stub = _StubModule("torchvision")
    stub.models = _StubModule("torchvision.models")
    sys.modules.setdefault("torchvision", stub)
    sys.modules.setdefault("torchvision.models", stub.models)


def build_model(fusion_name, settings):
    import torch
    from torch import nn

    _stub_torchvision()
    from kale.embed.image_cnn import LeNet
    from kale.embed.multimodal_fusion import BimodalInteractionFusion, Concat, LowRankTensorFusion
    from kale.pipeline.base_nn_trainer import MultimodalNNTrainer

    channels = 6
    widths = {0: channels * 8, 1: channels * 32}
    modalities = selected_modalities(fusion_name)
    encoders = [LeNet(1, channels, 3) if m == 0 else LeNet(1, channels, 5) for m in modalities]
    kwargs = network_kwargs(fusion_name)
    dims = [widths[m] for m in modalities]

    fusion = kwargs.get("fusion", "concat")
    if fusion == "concat":
        fusion_module, fused_dim = Concat(), sum(dims)
    elif fusion == "lrtf":
        fusion_module = LowRankTensorFusion(dims, kwargs["fusion_dim"], kwargs["rank"])
        fusion_module.factors = nn.ParameterList(
            nn.Parameter(factor.detach().clone()) for factor in fusion_module.factors
        )
        fused_dim = kwargs["fusion_dim"]
    elif fusion == "bimodal_matrix":
        fused_dim = sum(dims)
        fusion_module = BimodalInteractionFusion(dims, fused_dim, "matrix")
    else:
        raise NotImplementedError(f"PyKale 0.2.1 has no {fusion!r} fusion.")

    head = nn.Sequential(nn.Linear(fused_dim, 100), nn.ReLU(), nn.Linear(100, 10))
    return MultimodalNNTrainer(
        encoders, fusion_module, head, optim=torch.optim.SGD,
        lr=settings["lr"], weight_decay=settings["weight_decay"],
    )


def main():
    spec = json.loads(sys.argv[1])
    import pytorch_lightning as pl
    import torch
    from torch.utils.data import DataLoader, default_collate

    from kale.loaddata.avmnist_datasets import AVMNISTDataset

    if spec["threads"]:
        torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    batch_size = spec["batch_size"]
    modalities = selected_modalities(spec["fusion"])

    def collate(samples):
        batch = default_collate(samples)
        return [batch[m] for m in modalities] + [batch[-1]]

    dataset = AVMNISTDataset(data_dir=spec["data_dir"] + os.sep, batch_size=batch_size)
    train_data = dataset.train_valid_data
    train_loader = DataLoader(train_data, batch_size=batch_size, shuffle=True, collate_fn=collate)
    warmup_loader = DataLoader(train_data[: spec["warmup_batches"] * batch_size],
                               batch_size=batch_size, collate_fn=collate)
    test_loader = DataLoader(dataset.test_data, batch_size=batch_size, collate_fn=collate)

    try:
        model = build_model(spec["fusion"], spec["settings"])
    except NotImplementedError as exc:
        sys.stdout.write(json.dumps({"error": str(exc)}) + "\n")
        return
    trainer_options = dict(
        accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
    )
    pl.Trainer(max_epochs=1, **trainer_options).fit(model, warmup_loader)

    trainer = pl.Trainer(max_epochs=spec["epochs"], **trainer_options)
    start = time.perf_counter()
    trainer.fit(model, train_loader)
    train_seconds = time.perf_counter() - start

    start = time.perf_counter()
    trainer.predict(model, test_loader)
    predict_seconds = time.perf_counter() - start

    result = dict(train_seconds=train_seconds, predict_seconds=predict_seconds,
                  n_train=len(train_data) * spec["epochs"], n_test=len(dataset.test_data))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
