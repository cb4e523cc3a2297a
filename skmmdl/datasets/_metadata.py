"""Describe a built dataset in ``metadata.json``."""

import json

import numpy as np

from .. import __version__
from ._spectrogram import spectrogram_settings

__all__ = ["FSDD_TAKES", "build_metadata", "write_metadata"]

# FSDD's official split: takes 0-4 of every speaker and digit are for testing.
FSDD_TAKES = {"train": range(5, 50), "test": range(0, 5)}


def build_metadata(plans, recordings, noise_paths, reducer, parameters, inputs):
    """Return the metadata of a build as a JSON-serializable dict."""
    with_noise = bool(noise_paths)
    return {
        "dataset": "AV-MNIST",
        "created_by": "skmmdl.datasets.make_avmnist",
        "skmmdl_version": __version__,
        "parameters": parameters,
        "inputs": {
            **inputs,
            "n_fsdd_recordings": len(recordings),
            "noise_clips": [path.name for path in noise_paths],
        },
        "image": {
            "storage": "uint8 0-255, each row a 28 x 28 image in row-major order",
            "pca_fitted_on": "all MNIST training images in mnist_dir",
            "pca_n_components": reducer.n_components_,
            "pca_explained_variance_ratio": reducer.explained_variance_ratio_,
        },
        "audio": {
            **spectrogram_settings(),
            "noise": (
                "noise segment as long as the recording, scaled to snr_db relative "
                "to the recording's mean power, added before the window is fitted"
                if with_noise
                else "none"
            ),
        },
        "splits": {
            split: {
                "n_pairs": plan.n_pairs,
                "fsdd_takes": [FSDD_TAKES[split].start, FSDD_TAKES[split].stop - 1],
                "class_counts": np.bincount(plan.labels, minlength=10).tolist(),
            }
            for split, plan in plans.items()
        },
        "pairs": {
            split: _provenance(plan, recordings, noise_paths)
            for split, plan in plans.items()
        },
    }


def _provenance(plan, recordings, noise_paths):
    if plan.clip_indices is None:
        clips = offsets = [None] * plan.n_pairs
    else:
        clips = [noise_paths[index].name for index in plan.clip_indices]
        offsets = plan.offsets.tolist()
    return {
        "mnist_index": plan.mnist_indices.tolist(),
        "fsdd_file": [recordings[index].path.name for index in plan.recording_indices],
        "noise_clip": clips,
        "noise_offset": offsets,
    }


def format_metadata(metadata):
    """Return ``metadata`` as JSON text: indented, but one line per pair column.

    With plain ``json.dumps(indent=2)`` the provenance of 70,000 pairs would
    take 280,000 lines.
    """
    described = {key: value for key, value in metadata.items() if key != "pairs"}
    text = json.dumps(described, indent=2)
    columns = []
    for split, table in metadata["pairs"].items():
        lines = [f'      "{name}": {json.dumps(values)}' for name, values in table.items()]
        columns.append(f'    "{split}": {{\n' + ",\n".join(lines) + "\n    }")
    # Reopen the closing brace of the top-level object to append "pairs".
    body = text[: text.rindex("}")].rstrip()
    return body + ',\n  "pairs": {\n' + ",\n".join(columns) + "\n  }\n}\n"


def write_metadata(directory, metadata):
    """Write ``metadata`` to ``directory / "metadata.json"``."""
    (directory / "metadata.json").write_text(format_metadata(metadata), encoding="utf-8")
