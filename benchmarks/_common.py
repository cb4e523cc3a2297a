"""Shared pieces of the benchmarks: the reference settings, the data and process helpers.

This module imports only NumPy and the standard library at the top, so that
the PyKale worker, which runs in a venv without skmmdl, can share the settings.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

N_CLASSES = 10
IMAGE_SHAPE = (1, 28, 28)
AUDIO_SHAPE = (1, 112, 112)

# The reference AV-MNIST networks with MultiBench's SGD settings: LeNet encoders of
# 6 channels (4 blocks for images, 6 for spectrograms), an MLP head of width 100.
# MultiBench gives no setting for tensor fusion on AV-MNIST; it uses late fusion's.
REFERENCE = {
    "image_only": dict(modality=0, lr=0.1, weight_decay=1e-4),
    "audio_only": dict(modality=1, lr=0.1, weight_decay=1e-4),
    "concat": dict(fusion="concat", lr=0.1, weight_decay=1e-4),
    "lrtf": dict(fusion="lrtf", rank=40, fusion_dim=120, lr=0.05, weight_decay=2e-4),
    "bimodal_matrix": dict(fusion="bimodal_matrix", lr=0.05, weight_decay=1e-4),
    "tensor": dict(fusion="tensor", lr=0.1, weight_decay=1e-4),
}
NETWORK_KEYS = ("fusion", "rank", "fusion_dim")


def network_kwargs(name):
    """Return the MultimodalNetwork / MMDLClassifier network settings of a reference entry."""
    settings = REFERENCE[name]
    return {key: settings[key] for key in NETWORK_KEYS if key in settings}


def selected_modalities(name):
    """Return the indices of the modalities (0 image, 1 audio) the network takes."""
    modality = REFERENCE[name].get("modality")
    return [0, 1] if modality is None else [modality]


def machine_summary():
    """Describe the CPU, the core count and the software versions, for the results."""
    model = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return f"{model}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}"


def load_avmnist_arrays(source, n_train, n_test, seed=0):
    """Return uint8 ``(images, audio, labels)`` for the train and test parts.

    ``source`` is an AV-MNIST build directory (the first ``n_train`` and
    ``n_test`` pairs are read through a memory map) or ``"synthetic"``: random
    pixels and labels of the same shapes, enough for throughput but not for
    accuracy.
    """
    if source == "synthetic":
        rng = np.random.default_rng(seed)
        parts = {}
        for part, n in (("train", n_train), ("test", n_test)):
            parts[part] = (
                rng.integers(0, 256, (n,) + IMAGE_SHAPE, dtype=np.uint8),
                rng.integers(0, 256, (n,) + AUDIO_SHAPE, dtype=np.uint8),
                rng.integers(0, N_CLASSES, n).astype(np.int64),
            )
        return parts

    root = Path(source)
    if not (root / "metadata.json").is_file():
        raise SystemExit(
            f"{root} has no metadata.json, so it is not a finished AV-MNIST build. "
            "Pass --data synthetic or the directory of a finished build."
        )
    parts = {}
    for part, n in (("train", n_train), ("test", n_test)):
        images = np.load(root / "image" / f"{part}_data.npy", mmap_mode="r")
        audio = np.load(root / "audio" / f"{part}_data.npy", mmap_mode="r")
        labels = np.load(root / f"{part}_labels.npy")
        n = len(labels) if n is None else n
        parts[part] = (
            np.asarray(images[:n]).reshape((n,) + IMAGE_SHAPE),
            np.asarray(audio[:n]).reshape((n,) + AUDIO_SHAPE),
            labels[:n].astype(np.int64),
        )
    return parts


def write_multibench_layout(parts, directory):
    """Write uint8 arrays in the directory layout that make_avmnist and MultiBench use."""
    directory = Path(directory)
    for name in ("image", "audio"):
        (directory / name).mkdir(parents=True, exist_ok=True)
    for part, (images, audio, labels) in parts.items():
        np.save(directory / "image" / f"{part}_data.npy", images.reshape(len(images), 784))
        np.save(directory / "audio" / f"{part}_data.npy", audio.reshape(len(audio), 112, 112))
        np.save(directory / f"{part}_labels.npy", labels)


def median(values):
    return statistics.median(values) if values else float("nan")


def run_worker(command, timeout):
    """Run one benchmark worker process and return the JSON object on its last output line."""
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode == 0 and lines and "error" in json.loads(lines[-1]):
        return json.loads(lines[-1])
    if completed.returncode != 0 or not lines:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
        return {"error": f"exit code {completed.returncode}: " + " | ".join(tail)}
    return json.loads(lines[-1])


def print_json(result):
    """Write a worker's result as the last line of its output."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
