"""Test accuracy on AV-MNIST with MultiBench's settings, and at skmmdl's fastest settings.

For each reference network (image-only, audio-only, concat, lrtf,
bimodal_matrix) it trains ``MMDLClassifier`` with MultiBench's SGD settings
(learning rate and weight decay from ``_common.REFERENCE``, batch 40) in
float32, then again with ``mixed_precision="bfloat16"``, and reports the test
accuracy on the whole test set and the training time. ``--plain`` adds the
plain PyTorch loop of bench_fit.py on the LRTF network, the baseline for the
accuracy target. The data stays uint8 and memory-mapped
(``load_avmnist(mmap_mode="r", dtype=None)``) and ``input_scale=1/255``
scales each batch.

MultiBench trains 20 to 30 epochs; on 2 CPU cores that takes hours per
network, so ``--epochs`` and ``--n-train`` shorten the runs, and the results
say so. Run from the repository root::

    python benchmarks/bench_accuracy.py --data /tmp/avmnist_full --n-train 20000 --epochs 2 --plain
"""

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from _common import REFERENCE, machine_summary, network_kwargs, selected_modalities  # noqa: E402
from skmmdl import MMDLClassifier, Modalities  # noqa: E402
from skmmdl.datasets import load_avmnist  # noqa: E402

NETWORKS = ["image_only", "audio_only", "concat", "lrtf", "bimodal_matrix"]
BATCH_SIZE = 40
SETTINGS = {
    "float32": {},
    "bfloat16": {"mixed_precision": "bfloat16", "iterator_valid__batch_size": 500},
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="AV-MNIST build directory")
    parser.add_argument("--n-train", type=int, default=None,
                        help="train on the first N training pairs (default: all)")
    parser.add_argument("--epochs", type=int, default=2, help="training epochs (default: 2)")
    parser.add_argument("--networks", nargs="+", default=NETWORKS, choices=sorted(REFERENCE))
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--plain", action="store_true",
                        help="also train the LRTF network in a plain PyTorch loop")
    parser.add_argument("--seed", type=int, default=0, help="random_state of every run")
    parser.add_argument("--json", help="append one JSON line per run to this file")
    return parser.parse_args(argv)


def train_plain_lrtf(X_train, y_train, X_test, y_test, epochs, seed):
    """Train the LRTF network in a plain loop on float32 tensors; return (seconds, accuracy)."""
    from _floor import build_network

    settings = REFERENCE["lrtf"]
    scale = np.float32(1 / 255)
    train_inputs = [torch.from_numpy(np.asarray(x, dtype=np.float32) * scale) for x in X_train]
    targets = torch.from_numpy(y_train)
    network = build_network("lrtf", seed=seed)
    optimizer = torch.optim.SGD(
        network.parameters(), lr=settings["lr"], weight_decay=settings["weight_decay"]
    )
    generator = torch.Generator().manual_seed(seed)

    start = time.perf_counter()
    for _ in range(epochs):
        network.train()
        order = torch.randperm(len(targets), generator=generator)
        for first in range(0, len(targets), BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            if len(rows) < 2:  # BatchNorm needs two samples in training mode
                continue
            optimizer.zero_grad()
            logits = network(*[x[rows] for x in train_inputs])
            torch.nn.functional.cross_entropy(logits, targets[rows]).backward()
            optimizer.step()
    seconds = time.perf_counter() - start

    network.eval()
    correct = 0
    with torch.inference_mode():
        for first in range(0, len(y_test), 500):
            batch = [torch.from_numpy(np.asarray(x[first:first + 500], dtype=np.float32) * scale)
                     for x in X_test]
            predicted = network(*batch).argmax(1).numpy()
            correct += int((predicted == y_test[first:first + 500]).sum())
    return seconds, correct / len(y_test)


def train_mmdl(name, setting, X_train, y_train, X_test, y_test, epochs, seed):
    """Fit MMDLClassifier on the reference network ``name``; return (seconds, accuracy)."""
    reference = REFERENCE[name]
    clf = MMDLClassifier(
        **network_kwargs(name),
        modality=reference.get("modality"),
        batch_size=BATCH_SIZE,
        lr=reference["lr"],
        optimizer=torch.optim.SGD,
        optimizer__weight_decay=reference["weight_decay"],
        max_epochs=epochs,
        input_scale=1 / 255,
        random_state=seed,
        verbose=0,
        **SETTINGS[setting],
    )
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return seconds, float(clf.score(X_test, y_test))


def main(argv=None):
    args = parse_args(argv)
    print(f"machine: {machine_summary()}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    data = load_avmnist(args.data, mmap_mode="r", dtype=None)
    n_train = len(data.y_train) if args.n_train is None else args.n_train
    X_train = Modalities([x[:n_train] for x in data.X_train])
    y_train = data.y_train[:n_train]
    X_test, y_test = data.X_test, data.y_test
    print(f"{n_train} training pairs, {len(y_test)} test pairs, {args.epochs} epochs, "
          f"batch {BATCH_SIZE}, seed {args.seed}")

    runs = [(name, setting) for setting in args.settings for name in args.networks]
    if args.plain:
        runs.insert(0, ("lrtf", "plain float32"))
    print("| network | settings | lr | weight decay | train ms/sample | test accuracy |")
    print("|---|---|---|---|---|---|")
    for name, setting in runs:
        if setting == "plain float32":
            seconds, accuracy = train_plain_lrtf(
                [X_train[m] for m in selected_modalities(name)], y_train,
                [X_test[m] for m in selected_modalities(name)], y_test, args.epochs, args.seed,
            )
        else:
            seconds, accuracy = train_mmdl(
                name, setting, X_train, y_train, X_test, y_test, args.epochs, args.seed
            )
        ms_per_sample = 1e3 * seconds / (n_train * args.epochs)
        reference = REFERENCE[name]
        print(f"| {name} | {setting} | {reference['lr']} | {reference['weight_decay']} "
              f"| {ms_per_sample:.2f} | {100 * accuracy:.2f} % |", flush=True)
        if args.json:
            record = dict(network=name, settings=setting, n_train=n_train, epochs=args.epochs,
                          seed=args.seed, train_seconds=seconds, test_accuracy=accuracy)
            with open(args.json, "a", encoding="utf-8") as stream:
                stream.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
