"""Locate and check the raw MNIST, FSDD and noise files."""

import logging
import re
from pathlib import Path
from typing import NamedTuple

from ._idx import read_idx_images, read_idx_labels

__all__ = [
    "Recording",
    "check_directory",
    "find_fsdd_recordings",
    "find_noise_clips",
    "read_mnist",
]

logger = logging.getLogger(__name__)

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_FSDD_NAME = re.compile(r"(?P<digit>[0-9])_(?P<speaker>.+)_(?P<take>[0-9]+)\.wav")


class Recording(NamedTuple):
    """One FSDD recording and the fields parsed from its file name."""

    path: Path
    digit: int
    speaker: str
    take: int


def check_directory(directory, parameter):
    """Return ``directory`` as a Path, raising if it is not an existing directory."""
    if not isinstance(directory, (str, Path)):
        raise TypeError(
            f"{parameter} must be a str or pathlib.Path, got "
            f"{type(directory).__name__}."
        )
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"{parameter}={str(directory)!r} is not an existing directory; pass "
            "the folder that contains the files."
        )
    return directory


def read_mnist(mnist_dir):
    """Read the four MNIST idx files from a directory.

    Each file may be gzip-compressed (``train-images-idx3-ubyte.gz``) or raw
    (``train-images-idx3-ubyte``); the compressed one is used when both exist.

    Returns
    -------
    mnist : dict of str to ndarray
        ``train_images`` (60000, 28, 28), ``train_labels`` (60000,),
        ``test_images`` and ``test_labels``, all uint8.
    """
    mnist_dir = check_directory(mnist_dir, "mnist_dir")
    paths = {}
    for key, stem in MNIST_FILES.items():
        candidates = [mnist_dir / f"{stem}.gz", mnist_dir / stem]
        found = [path for path in candidates if path.is_file()]
        if not found:
            raise FileNotFoundError(
                f"MNIST file {stem}.gz (or {stem}) not found in {mnist_dir}; "
                "mnist_dir must contain the four original MNIST idx files."
            )
        paths[key] = found[0]

    mnist = {
        key: read_idx_labels(path) if key.endswith("labels") else read_idx_images(path)
        for key, path in paths.items()
    }
    for split in ("train", "test"):
        n_images = mnist[f"{split}_images"].shape[0]
        n_labels = mnist[f"{split}_labels"].shape[0]
        if n_images != n_labels:
            raise ValueError(
                f"{paths[f'{split}_images']} contains {n_images} images but "
                f"{paths[f'{split}_labels']} contains {n_labels} labels; use "
                "matching MNIST files."
            )
    return mnist


def find_fsdd_recordings(fsdd_dir):
    """List the FSDD recordings named ``{digit}_{speaker}_{take}.wav``.

    ``fsdd_dir`` may be the folder of WAV files or a checkout of the FSDD
    repository, whose WAV files are in ``recordings/``. WAV files whose
    names do not follow the pattern are skipped with a logged warning.

    Returns
    -------
    recordings : list of Recording
        Sorted by file name.
    """
    fsdd_dir = check_directory(fsdd_dir, "fsdd_dir")
    wav_paths = sorted(fsdd_dir.glob("*.wav"))
    if not wav_paths and (fsdd_dir / "recordings").is_dir():
        wav_paths = sorted((fsdd_dir / "recordings").glob("*.wav"))

    recordings = []
    skipped = []
    for path in wav_paths:
        match = _FSDD_NAME.fullmatch(path.name)
        if match is None:
            skipped.append(path.name)
            continue
        recordings.append(
            Recording(path, int(match["digit"]), match["speaker"], int(match["take"]))
        )

    if skipped:
        logger.warning(
            "Skipped %d WAV files in %s whose names do not follow "
            "{digit}_{speaker}_{take}.wav, for example %s.",
            len(skipped),
            fsdd_dir,
            skipped[0],
        )
    if not recordings:
        raise FileNotFoundError(
            f"No FSDD recordings named {{digit}}_{{speaker}}_{{take}}.wav found in "
            f"{fsdd_dir} or {fsdd_dir / 'recordings'}; pass the folder of FSDD "
            "WAV files as fsdd_dir."
        )
    return recordings


def find_noise_clips(noise_dir):
    """List the WAV files in ``noise_dir``, sorted by name."""
    noise_dir = check_directory(noise_dir, "noise_dir")
    clips = sorted(noise_dir.glob("*.wav"))
    if not clips:
        raise FileNotFoundError(
            f"No WAV files found in noise_dir={str(noise_dir)!r}; add 16-bit PCM "
            "mono 8000 Hz noise clips or pass noise_dir=None for clean audio."
        )
    return clips
