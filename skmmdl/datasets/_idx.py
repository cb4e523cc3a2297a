"""Read the idx files that MNIST is distributed in, gzip-compressed or not."""

import gzip
import zlib
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "read_idx_images", "read_idx_labels"]

IMAGES_MAGIC = 2051  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # unsigned bytes, 1 dimension
_GZIP_SIGNATURE = b"\x1f\x8b"


def _read_bytes(path):
    raw = path.read_bytes()
    if not raw.startswith(_GZIP_SIGNATURE):
        return raw

    # The gzip signature, not the file name, decides whether to decompress.
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(
            f"{path} is a damaged or truncated gzip file ({exc}). Download "
            "the MNIST file again."
        ) from exc


def read_idx(path, expected_magic):
    """Read an idx file of unsigned bytes into a NumPy array.

    Parameters
    ----------
    path : str or path-like
        The idx file, raw or gzip-compressed (detected from its first bytes).
    expected_magic : int
        The magic number the header must carry: 2051 for MNIST images,
        2049 for MNIST labels.

    Returns
    -------
    array : ndarray of uint8
        Shaped as the dimensions in the header.

    Raises
    ------
    ValueError
        If the file is not gzip-valid, its magic number differs from
        ``expected_magic``, or it is shorter or longer than its header states.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(
            f"{path} is too short to be an idx file ({len(raw)} bytes); "
            "download the MNIST file again."
        )

    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        raise ValueError(
            f"{path} has idx magic number {magic}, expected {expected_magic} "
            "(2051 for images, 2049 for labels). Check that the file is the "
            "right MNIST file and not swapped with another."
        )

    n_dims = raw[3]
    header_size = 4 + 4 * n_dims
    if len(raw) < header_size:
        raise ValueError(
            f"{path} is truncated inside its idx header ({len(raw)} bytes, "
            f"the header needs {header_size}); download the file again."
        )
    shape = tuple(
        int.from_bytes(raw[4 + 4 * axis : 8 + 4 * axis], "big") for axis in range(n_dims)
    )

    expected_size = header_size + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected_size:
        problem = "truncated" if len(raw) < expected_size else "longer than its header states"
        raise ValueError(
            f"{path} is {problem}: the header gives shape {shape}, which needs "
            f"{expected_size} bytes, but the data has {len(raw)}. Download the "
            "file again."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def read_idx_images(path):
    """Read an MNIST image file into an array of shape (n_images, 28, 28).

    Raises
    ------
    ValueError
        If the file is not a valid idx image file or the images are not
        28 x 28 pixels.
    """
    images = read_idx(path, IMAGES_MAGIC)
    if images.shape[1:] != (28, 28):
        raise ValueError(
            f"{path} contains images of {images.shape[1]} x {images.shape[2]} "
            "pixels, expected 28 x 28 as in MNIST."
        )
    return images


def read_idx_labels(path):
    """Read an MNIST label file into an array of shape (n_labels,).

    Raises
    ------
    ValueError
        If the file is not a valid idx label file or contains a label outside 0-9.
    """
    labels = read_idx(path, LABELS_MAGIC)
    if labels.size and labels.max() > 9:
        raise ValueError(
            f"{path} contains label {int(labels.max())}; MNIST labels are the "
            "digits 0-9."
        )
    return labels
