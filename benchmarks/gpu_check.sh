#!/usr/bin/env bash
# Train the reference AV-MNIST networks on one CUDA GPU, in float32 and with
# bfloat16 autocast, and print samples/s, peak GPU memory and test accuracy.
#
# Usage, from the repository root, with skmmdl and a CUDA build of torch installed:
#   bash benchmarks/gpu_check.sh [AVMNIST_BUILD_DIR]
# Without a build directory it trains on 60,000 synthetic pairs of the same
# shapes whose class is drawn into the pixels, so the accuracy only shows that
# training works. It installs nothing and stops adding runs after about
# 4 minutes. PYTHON selects the interpreter (default: python).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu_check.sh: nvidia-smi not found, so this machine has no NVIDIA driver; nothing" \
    "to check. Run it on a machine with a CUDA GPU." >&2
  exit 2
fi
if ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "gpu_check.sh: no CUDA device is available to $PYTHON (torch.cuda.is_available() is False" \
    "or torch is not installed); nothing to check. Run it on a machine with a CUDA GPU." >&2
  exit 2
fi

exec timeout 290 "$PYTHON" - "${1:-synthetic}" <<'EOF'
import sys
import time

import numpy as np
import torch

sys.path.insert(0, "benchmarks")
from _common import REFERENCE, network_kwargs  # noqa: E402
from skmmdl import MMDLClassifier, Modalities  # noqa: E402

source = sys.argv[1]
BUDGET_SECONDS = 240
NETWORKS = ["lrtf", "concat", "bimodal_matrix", "image_only", "audio_only"]

if source == "synthetic":
    rng = np.random.default_rng(0)

    def make(n):
        labels = rng.integers(0, 10, n)
        images = rng.integers(0, 128, (n, 1, 28, 28), dtype=np.uint8)
        audio = rng.integers(0, 128, (n, 1, 112, 112), dtype=np.uint8)
        for digit in range(10):
            images[labels == digit, :, 2 * digit + 4, :] = 255
            audio[labels == digit, :, 10 * digit + 5, :] = 255
        return Modalities((images, audio)), labels

    X_train, y_train = make(60000)
    X_test, y_test = make(10000)
else:
    from skmmdl.datasets import load_avmnist

    data = load_avmnist(source, mmap_mode="r", dtype=None)
    X_train, y_train, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test

print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, data: {source}, "
      f"{len(y_train)} training and {len(y_test)} test pairs, 1 epoch, batch 40")
print("| network | precision | train samples/s | predict samples/s | peak GPU memory MiB | test accuracy |")
print("|---|---|---|---|---|---|")
started = time.perf_counter()
for name in NETWORKS:
    for precision in (None, "bfloat16"):
        if time.perf_counter() - started > BUDGET_SECONDS:
            print(f"| {name} | {precision or 'float32'} | skipped: time budget spent | | | |")
            continue
        reference = REFERENCE[name]
        clf = MMDLClassifier(
            **network_kwargs(name), modality=reference.get("modality"), batch_size=40,
            lr=reference["lr"], optimizer__weight_decay=reference["weight_decay"],
            max_epochs=1, input_scale=1 / 255, mixed_precision=precision, device="cuda",
            iterator_valid__batch_size=1000, random_state=0, verbose=0,
        )
        torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        clf.fit(X_train, y_train)
        torch.cuda.synchronize()
        train_rate = len(y_train) / (time.perf_counter() - start)
        start = time.perf_counter()
        predicted = clf.predict(X_test)
        predict_rate = len(y_test) / (time.perf_counter() - start)
        peak_mib = torch.cuda.max_memory_allocated() / 2**20
        accuracy = float(np.mean(predicted == y_test))
        print(f"| {name} | {precision or 'float32'} | {train_rate:,.0f} | {predict_rate:,.0f} "
              f"| {peak_mib:.0f} | {100 * accuracy:.2f} % |", flush=True)
print(f"total {time.perf_counter() - started:.0f} s")
EOF
