"""Training and prediction throughput: MMDLClassifier vs a plain PyTorch loop vs PyKale.

Every contender trains the same reference network (skmmdl.nn.MultimodalNetwork,
or PyKale's own modules for PyKale) on the same uint8 AV-MNIST pairs with the
same batch size, SGD settings and thread count, each in a fresh process. The
processes run interleaved (repeat, fusion, contender), so that load from other
programs spreads over all contenders, and the table reports medians.

Contenders:

- ``plain``: a PyTorch loop written here, float32 tensors scaled to [0, 1]
  and loaded in memory before timing, ``torch.inference_mode`` for prediction.
- ``skmmdl``: ``MMDLClassifier`` with its defaults, on the same float32 arrays.
- ``skmmdl-fast``: ``MMDLClassifier`` on the uint8 arrays with
  ``input_scale=1/255``, plus ``mixed_precision="bfloat16",
  channels_last=True`` and 500-sample prediction batches where the CPU
  computes in bfloat16 (AVX-512 BF16 or AMX). Without those instructions
  bfloat16 is several times slower than float32, so there it keeps float32.
- ``skmmdl-compile``: ``MMDLClassifier(compile=True)`` (skorch's
  ``torch.compile``); not in the default list because compiling takes minutes
  on 2 cores.
- ``pykale``: PyKale 0.2.1's AVMNISTDataset, MultimodalNNTrainer and Lightning
  Trainer (see ``_pykale_worker.py``), run with the Python of a separate venv.

Each worker trains a few warm-up batches first, then times ``--epochs``
epochs over ``--n-train`` pairs (the whole fit call, setup included) and one
prediction over ``--n-test`` pairs. Run from the repository root::

    python benchmarks/bench_fit.py --data /tmp/avmnist_full --repeats 3
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import (  # noqa: E402
    REFERENCE,
    load_avmnist_arrays,
    machine_summary,
    median,
    network_kwargs,
    print_json,
    run_worker,
    selected_modalities,
    write_multibench_layout,
)

DEFAULT_FUSIONS = ["image_only", "audio_only", "concat", "lrtf", "bimodal_matrix", "tensor"]
DEFAULT_CONTENDERS = ["plain", "skmmdl", "skmmdl-fast", "pykale"]
BATCH_SIZE = 40
WARMUP_BATCHES = 5
FAST_PREDICT_BATCH = 500


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="synthetic",
                        help="AV-MNIST build directory, or 'synthetic' for random pairs "
                             "of the same shapes (default: synthetic)")
    parser.add_argument("--n-train", type=int, default=1200,
                        help="training pairs per epoch; a multiple of 40 (default: 1200)")
    parser.add_argument("--n-test", type=int, default=2000,
                        help="pairs to predict (default: 2000)")
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs (default: 1)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="processes per fusion and contender (default: 3)")
    parser.add_argument("--fusions", nargs="+", default=DEFAULT_FUSIONS,
                        choices=sorted(REFERENCE))
    parser.add_argument("--contenders", nargs="+", default=DEFAULT_CONTENDERS,
                        choices=DEFAULT_CONTENDERS + ["skmmdl-compile"])
    parser.add_argument("--pykale-python", default="/tmp/pykale-venv/bin/python",
                        help="Python of the venv with PyKale 0.2.1 installed "
                             "(default: /tmp/pykale-venv/bin/python)")
    parser.add_argument("--timeout", type=int, default=900,
                        help="seconds before one worker process is stopped (default: 900)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads of every process (default: torch's, one per core)")
    parser.add_argument("--json", help="also write every worker result to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# -- workers (one process each) ------------------------------------------------


def _load_float32(data_dir):
    from skmmdl.datasets import load_avmnist

    data = load_avmnist(data_dir, dtype="float32")
    return data.X_train, data.y_train, data.X_test


def _load_uint8(data_dir):
    from skmmdl.datasets import load_avmnist

    data = load_avmnist(data_dir, dtype=None)
    return data.X_train, data.y_train, data.X_test


def worker_plain(spec):
    import torch

    from _floor import build_network

    X_train, y_train, X_test = _load_float32(spec["data_dir"])
    modalities = selected_modalities(spec["fusion"])
    train_inputs = [torch.from_numpy(X_train[m]) for m in modalities]
    test_inputs = [torch.from_numpy(X_test[m]) for m in modalities]
    targets = torch.from_numpy(y_train)
    settings = REFERENCE[spec["fusion"]]

    network = build_network(spec["fusion"])
    optimizer = torch.optim.SGD(
        network.parameters(), lr=settings["lr"], weight_decay=settings["weight_decay"]
    )
    generator = torch.Generator().manual_seed(0)

    def train(n_samples):
        network.train()
        order = torch.randperm(n_samples, generator=generator)
        for start in range(0, n_samples, BATCH_SIZE):
            rows = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            logits = network(*[x[rows] for x in train_inputs])
            torch.nn.functional.cross_entropy(logits, targets[rows]).backward()
            optimizer.step()

    def predict():
        network.eval()
        with torch.inference_mode():
            return torch.cat([
                network(*[x[start:start + BATCH_SIZE] for x in test_inputs]).argmax(1)
                for start in range(0, len(test_inputs[0]), BATCH_SIZE)
            ])

    train(WARMUP_BATCHES * BATCH_SIZE)
    start = time.perf_counter()
    for _ in range(spec["epochs"]):
        train(len(targets))
    train_seconds = time.perf_counter() - start

    start = time.perf_counter()
    predict()
    predict_seconds = time.perf_counter() - start
    return dict(train_seconds=train_seconds, predict_seconds=predict_seconds,
                n_train=len(targets) * spec["epochs"], n_test=len(test_inputs[0]))


def worker_skmmdl(spec):
    import torch

    from skmmdl import MMDLClassifier, Modalities

    contender = spec["contender"]
    fast = contender == "skmmdl-fast"
    X_train, y_train, X_test = (_load_uint8 if fast else _load_float32)(spec["data_dir"])
    settings = REFERENCE[spec["fusion"]]
    options = dict(
        network_kwargs(spec["fusion"]),
        modality=settings.get("modality"),
        batch_size=BATCH_SIZE,
        lr=settings["lr"],
        optimizer=torch.optim.SGD,
        optimizer__weight_decay=settings["weight_decay"],
        random_state=0,
        verbose=0,
    )
    if fast:
        options.update(input_scale=1 / 255)
        if torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported():
            options.update(mixed_precision="bfloat16", channels_last=True,
                           iterator_valid__batch_size=FAST_PREDICT_BATCH)
    if contender == "skmmdl-compile":
        options.update(compile=True)

    # Warm-up: build the network (and compile it) on a few batches, then train on.
    warmup = Modalities([x[:WARMUP_BATCHES * BATCH_SIZE] for x in X_train])
    clf = MMDLClassifier(max_epochs=1, **options)
    start = time.perf_counter()
    clf.fit(warmup, y_train[:WARMUP_BATCHES * BATCH_SIZE])
    warmup_seconds = time.perf_counter() - start

    clf.set_params(warm_start=True, max_epochs=spec["epochs"])
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    train_seconds = time.perf_counter() - start

    start = time.perf_counter()
    clf.predict(X_test)
    predict_seconds = time.perf_counter() - start
    return dict(train_seconds=train_seconds, predict_seconds=predict_seconds,
                warmup_seconds=warmup_seconds, mixed_precision=options.get("mixed_precision"),
                n_train=len(y_train) * spec["epochs"], n_test=len(X_test[0]))


# -- orchestration -------------------------------------------------------------


def worker_command(args, contender, fusion, data_dir):
    spec = dict(contender=contender, fusion=fusion, data_dir=str(data_dir), threads=args.threads,
                epochs=args.epochs, batch_size=BATCH_SIZE,
                warmup_batches=WARMUP_BATCHES, settings=REFERENCE[fusion])
    if contender == "pykale":
        return [args.pykale_python, str(HERE / "_pykale_worker.py"), json.dumps(spec)]
    return [sys.executable, str(Path(__file__).resolve()), "--worker", contender,
            "--spec", json.dumps(spec)]


def summarize(results, floors, fusions, contenders):
    """Print one table with medians, ratios to the plain loop and the FLOP floor."""
    header = ("| network | contender | train samples/s | train ms/sample | train time vs plain "
              "| predict samples/s | predict time vs plain | train / predict time "
              "| fp32 floor ms/sample (train) | train time vs floor |")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for fusion in fusions:
        plain = results.get((fusion, "plain"), {})
        for contender in contenders:
            runs = results.get((fusion, contender), {})
            if runs.get("errors") and not runs.get("train"):
                print(f"| {fusion} | {contender} | failed: {runs['errors'][0][:120]} |"
                      + " |" * 7)
                continue
            train_ms = median(runs.get("train", []))
            predict_ms = median(runs.get("predict", []))
            plain_train = median(plain.get("train", []))
            plain_predict = median(plain.get("predict", []))
            floor_ms = floors[fusion]["train_floor_ms"]
            print(
                f"| {fusion} | {contender} | {1e3 / train_ms:,.0f} | {train_ms:.2f} "
                f"| {train_ms / plain_train:.2f} | {1e3 / predict_ms:,.0f} "
                f"| {predict_ms / plain_predict:.2f} | {train_ms / predict_ms:.1f} "
                f"| {floor_ms:.2f} | {train_ms / floor_ms:.1f} |"
            )


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        spec = json.loads(args.spec)
        if spec["threads"]:
            import torch

            torch.set_num_threads(spec["threads"])
        worker = worker_plain if args.worker == "plain" else worker_skmmdl
        print_json(worker(spec))
        return 0

    import torch

    from _floor import flops_per_sample, matmul_gflops

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"machine: {machine_summary()}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    fp32_rate = matmul_gflops(torch.float32)
    bf16_rate = matmul_gflops(torch.bfloat16)
    print(f"matmul 1024 x 1024: fp32 {fp32_rate:.0f} GFLOP/s, bf16 {bf16_rate:.0f} GFLOP/s")
    floors = {}
    for fusion in args.fusions:
        train_flops, predict_flops = flops_per_sample(fusion, BATCH_SIZE)
        floors[fusion] = dict(train_mflop=train_flops / 1e6, predict_mflop=predict_flops / 1e6,
                              train_floor_ms=train_flops / fp32_rate / 1e6)
        print(f"{fusion}: {train_flops / 1e6:.1f} MFLOP per training sample, "
              f"{predict_flops / 1e6:.1f} per prediction; fp32 floor "
              f"{floors[fusion]['train_floor_ms']:.2f} ms/sample")

    with tempfile.TemporaryDirectory(prefix="skmmdl-bench-") as tmp:
        parts = load_avmnist_arrays(args.data, args.n_train, args.n_test)
        write_multibench_layout(parts, tmp)
        del parts
        results, records = {}, []
        for repeat in range(args.repeats):
            for fusion in args.fusions:
                for contender in args.contenders:
                    command = worker_command(args, contender, fusion, tmp)
                    try:
                        result = run_worker(command, args.timeout)
                    except Exception as exc:  # a timeout or a missing interpreter
                        result = {"error": f"{type(exc).__name__}: {exc}"}
                    result.update(repeat=repeat, fusion=fusion, contender=contender)
                    records.append(result)
                    entry = results.setdefault((fusion, contender),
                                               {"train": [], "predict": [], "errors": []})
                    if "error" in result:
                        entry["errors"].append(result["error"])
                        print(f"  {fusion} {contender}: {result['error']}", flush=True)
                        continue
                    entry["train"].append(1e3 * result["train_seconds"] / result["n_train"])
                    entry["predict"].append(1e3 * result["predict_seconds"] / result["n_test"])
                    print(f"  repeat {repeat} {fusion} {contender}: train "
                          f"{entry['train'][-1]:.2f} ms/sample, predict "
                          f"{entry['predict'][-1]:.3f} ms/sample", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(dict(floors=floors, runs=records), indent=1))
    print()
    summarize(results, floors, args.fusions, args.contenders)
    return 0


if __name__ == "__main__":
    sys.exit(main())
