"""Check, scale and split loaded AV-MNIST arrays into a Bunch."""

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from .._modalities import Modalities
from ._validation import check_real, check_seed

__all__ = ["assemble_bunch", "check_load_options"]

MODALITY_NAMES = ("image", "audio")
# Accepted stored shapes per sample, and the shape returned.
SAMPLE_SHAPES = {
    "image": ({(784,), (28, 28), (1, 28, 28)}, (1, 28, 28)),
    "audio": ({(12544,), (112, 112), (1, 112, 112)}, (1, 112, 112)),
}
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float16))
MMAP_MODES = (None, "r", "c")
CHUNK_SIZE = 4096  # samples scaled at once


def check_load_options(validation_fraction, random_state, mmap_mode, dtype):
    """Return the loader options checked, with ``dtype`` as a numpy dtype or None."""
    validation_fraction = check_real(
        "validation_fraction", validation_fraction, (0.0, 1.0, "left")
    )
    random_state = check_seed("random_state", random_state)
    if mmap_mode not in MMAP_MODES:
        raise ValueError(
            f"mmap_mode must be one of {MMAP_MODES}, got {mmap_mode!r}. Modes "
            "that write to the files are not accepted."
        )
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError as exc:
            raise TypeError(f"dtype must be 'float32', 'float16' or None, got {dtype!r}.") from exc
        if dtype not in FLOAT_DTYPES:
            raise ValueError(
                f"dtype must be 'float32', 'float16' or None, got {dtype}. float64 "
                "would double the memory without helping training; pass None "
                "for the stored values."
            )
    return {
        "validation_fraction": validation_fraction,
        "random_state": random_state,
        "dtype": dtype,
    }


def _check_samples(array, modality, source):
    accepted, returned = SAMPLE_SHAPES[modality]
    if array.ndim < 2 or array.shape[1:] not in accepted:
        expected = " or ".join(str(("n",) + shape) for shape in sorted(accepted, key=len))
        raise ValueError(
            f"{source} has shape {array.shape}; {modality} arrays must have shape "
            f"{expected}. The file is not an AV-MNIST {modality} array."
        )
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{source} has dtype {array.dtype}; expected integers or floats.")
    # reshape returns a view for the C-ordered arrays np.save writes.
    return array.reshape((array.shape[0],) + returned)


def _check_labels(labels, n_samples, source, sources):
    if labels.ndim != 1:
        raise ValueError(f"{source} has shape {labels.shape}; labels must be 1-D.")
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"{source} contains {labels.shape[0]} labels but {sources} contain "
            f"{n_samples} samples; the files come from different builds."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.issubdtype(labels.dtype, np.floating) or np.any(labels != np.round(labels)):
            raise ValueError(f"{source} has non-integer labels (dtype {labels.dtype}).")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(
            f"{source} contains labels from {labels.min()} to {labels.max()}; AV-MNIST "
            "labels are the digits 0-9."
        )
    return np.array(labels, dtype=np.int64)


def _divisor(array):
    # Integers are 0-255 pixel or spectrogram values; floats above 1 are too.
    if np.issubdtype(array.dtype, np.integer):
        return 255.0
    return 255.0 if array.size and float(array.max()) > 1.0 else 1.0


def _scaled(array, indices, divisor, dtype):
    """Return ``array[indices] / divisor`` as ``dtype``, converted chunk by chunk."""
    n_samples = array.shape[0] if indices is None else indices.shape[0]
    if dtype is None:
        return array if indices is None else array[indices]

    out = np.empty((n_samples,) + array.shape[1:], dtype=dtype)
    for start in range(0, n_samples, CHUNK_SIZE):
        stop = min(start + CHUNK_SIZE, n_samples)
        rows = slice(start, stop) if indices is None else indices[start:stop]
        np.divide(array[rows], np.float32(divisor), out=out[start:stop], casting="same_kind")
    return out


def _split_indices(labels, validation_fraction, random_state):
    try:
        train, valid = train_test_split(
            np.arange(labels.shape[0]),
            test_size=validation_fraction,
            stratify=labels,
            random_state=random_state,
        )
    except ValueError as exc:
        raise ValueError(
            f"validation_fraction={validation_fraction} cannot make a stratified "
            f"split of {labels.shape[0]} training pairs ({exc}). Use a larger "
            "fraction or more training pairs."
        ) from exc
    return np.sort(train), np.sort(valid)


def assemble_bunch(arrays, sources, metadata, *, validation_fraction, random_state, dtype):
    """Check the arrays of both splits, split off validation pairs and scale.

    Parameters
    ----------
    arrays : dict of str to ndarray
        ``image_train``, ``audio_train``, ``y_train``, ``image_test``,
        ``audio_test`` and ``y_test`` as stored.
    sources : dict of str to str
        Where each array came from, for error messages.
    metadata : dict or None
    """
    data = Bunch(modality_names=MODALITY_NAMES, metadata=metadata)
    for part in ("train", "test"):
        modalities = [
            _check_samples(arrays[f"{name}_{part}"], name, sources[f"{name}_{part}"])
            for name in MODALITY_NAMES
        ]
        image_source, audio_source = (sources[f"{name}_{part}"] for name in MODALITY_NAMES)
        if modalities[0].shape[0] != modalities[1].shape[0]:
            raise ValueError(
                f"{image_source} contains {modalities[0].shape[0]} images but "
                f"{audio_source} contains {modalities[1].shape[0]} spectrograms; "
                "the files come from different builds."
            )
        labels = _check_labels(
            arrays[f"y_{part}"],
            modalities[0].shape[0],
            sources[f"y_{part}"],
            f"{image_source} and {audio_source}",
        )
        divisors = [_divisor(array) if dtype is not None else None for array in modalities]

        selections = {part: None}
        if part == "train" and validation_fraction > 0:
            selections = dict(
                zip(("train", "valid"), _split_indices(labels, validation_fraction, random_state))
            )
        for name, indices in selections.items():
            data[f"X_{name}"] = Modalities(
                _scaled(array, indices, divisor, dtype)
                for array, divisor in zip(modalities, divisors)
            )
            data[f"y_{name}"] = labels if indices is None else labels[indices]

    data.setdefault("X_valid", None)
    data.setdefault("y_valid", None)
    return data
