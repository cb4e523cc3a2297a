"""Load AV-MNIST from a directory or from the sample shipped with skmmdl."""

import json
from importlib import resources
from pathlib import Path

import numpy as np

from ._arrays import assemble_bunch, check_load_options

__all__ = ["load_avmnist", "load_avmnist_sample"]

SAMPLE_FILE = "avmnist_sample.npz"
LAYOUT = {
    "image_train": "image/train_data.npy",
    "audio_train": "audio/train_data.npy",
    "y_train": "train_labels.npy",
    "image_test": "image/test_data.npy",
    "audio_test": "audio/test_data.npy",
    "y_test": "test_labels.npy",
}


def _build_hint(data_dir):
    return (
        f"Build the dataset with `skmmdl-make-avmnist --mnist-dir MNIST_DIR "
        f"--fsdd-dir FSDD_DIR --output-dir {data_dir}` (see its --help), or pass "
        "the directory of an existing AV-MNIST copy."
    )


def _load_npy(path, mmap_mode, data_dir):
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found. {_build_hint(data_dir)}")
    try:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(
            f"{path} is not a valid .npy file ({exc}). Delete it and "
            f"rebuild: {_build_hint(data_dir)}"
        ) from exc


def _load_metadata(path):
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{path} is not valid JSON ({exc}); delete it or rebuild the dataset."
        ) from exc


def load_avmnist(
    data_dir, *, validation_fraction=0.0, random_state=0, mmap_mode=None, dtype="float32"
):
    """Load AV-MNIST image-audio pairs as per-modality arrays.

    Reads the layout written by :func:`make_avmnist`, which is also the
    layout of the MultiBench copy of AV-MNIST: ``image/train_data.npy``,
    ``image/test_data.npy`` (n, 784), ``audio/train_data.npy``,
    ``audio/test_data.npy`` (n, 112, 112), ``train_labels.npy`` and
    ``test_labels.npy``, and ``metadata.json`` if present.

    Values are scaled to [0, 1] per stored file: integer arrays are divided
    by 255; float arrays whose maximum exceeds 1 (the MultiBench copy
    stores floats in 0-255) are divided by 255; other float arrays are kept.

    Parameters
    ----------
    data_dir : str or path-like
        The dataset directory.
    validation_fraction : float in [0, 1), default=0.0
        Fraction of the training pairs held out as a validation set, split
        with the class proportions kept (stratified) and seeded by
        ``random_state``. Each part keeps the stored order. 0 keeps all
        training pairs and sets ``X_valid`` and ``y_valid`` to None.
    random_state : int or None, default=0
        Seed of the validation split.
    mmap_mode : {None, "r", "c"}, default=None
        Memory-map the arrays instead of reading them: "r" read-only, "c"
        copy-on-write. With ``dtype=None`` and no validation split the
        returned arrays are memory maps; otherwise the scaled or selected
        arrays are computed in memory from the maps.
    dtype : {"float32", "float16"} or None, default="float32"
        Floating type of the scaled arrays. None returns the arrays in their
        stored type, unscaled (uint8 in 0-255 for a :func:`make_avmnist`
        build): reshaped views without a copy when there is no validation
        split. The caller must then divide by 255 before training.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``X_train``, ``X_valid``, ``X_test``: :class:`skmmdl.Modalities` of
        images (n, 1, 28, 28) and spectrograms (n, 1, 112, 112).
        ``y_train``, ``y_valid``, ``y_test``: int64 digit labels (n,).
        ``modality_names``: ``("image", "audio")``. ``metadata``: the
        contents of ``metadata.json``, or None without one.

    Raises
    ------
    FileNotFoundError
        If ``data_dir`` or one of the array files is missing.
    ValueError
        If a file is not a valid .npy file, an array has the wrong shape, the
        labels and arrays differ in length, a label is outside 0-9, or an
        option is out of range.
    TypeError
        If an option has the wrong type.

    See Also
    --------
    make_avmnist : Build the directory from the raw MNIST and FSDD files.
    load_avmnist_sample : Load the small sample shipped with skmmdl.

    Examples
    --------
    A directory in the MultiBench style, with float arrays in 0-255:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skmmdl.datasets import load_avmnist
    >>> rng = np.random.default_rng(0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     root = Path(tmp)
    ...     for name in ("image", "audio"):
    ...         (root / name).mkdir()
    ...     for part, n in (("train", 20), ("test", 10)):
    ...         np.save(root / "image" / f"{part}_data.npy", rng.uniform(0, 255, (n, 784)))
    ...         np.save(root / "audio" / f"{part}_data.npy", rng.uniform(0, 255, (n, 112, 112)))
    ...         np.save(root / f"{part}_labels.npy", np.arange(n) % 10)
    ...     data = load_avmnist(root, validation_fraction=0.5)
    >>> data.X_train.shape, data.X_valid.shape, data.X_test[1].shape
    ((10,), (10,), (10, 1, 112, 112))
    >>> images, audio = data.X_test
    >>> images.dtype, bool(images.max() <= 1.0)
    (dtype('float32'), True)
    """
    options = check_load_options(validation_fraction, random_state, mmap_mode, dtype)
    if not isinstance(data_dir, (str, Path)):
        raise TypeError(
            f"data_dir must be a str or pathlib.Path, got {type(data_dir).__name__}."
        )
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(
            f"data_dir={str(data_dir)!r} is not an existing directory. "
            f"{_build_hint(data_dir)}"
        )

    arrays = {
        key: _load_npy(data_dir / relative, mmap_mode, data_dir)
        for key, relative in LAYOUT.items()
    }
    sources = {key: str(data_dir / relative) for key, relative in LAYOUT.items()}
    metadata = _load_metadata(data_dir / "metadata.json")
    return assemble_bunch(arrays, sources, metadata, **options)


def load_avmnist_sample(*, validation_fraction=0.0, random_state=0, dtype="float32"):
    """Load the small AV-MNIST sample shipped with skmmdl.

    The sample was built with :func:`make_avmnist` from MNIST, the Free
    Spoken Digit Dataset and background-noise clips at 0 dB SNR; its
    ``metadata`` records the parameters and the source of every pair, and
    ``skmmdl/datasets/data/ATTRIBUTION.md`` the authors and licences. The
    training pairs are a stratified subset of the MNIST training images
    paired with FSDD takes 5-49, the test pairs likewise with takes 0-4.

    Parameters
    ----------
    validation_fraction : float in [0, 1), default=0.0
        Fraction of the training pairs held out, stratified and seeded.
    random_state : int or None, default=0
        Seed of the validation split.
    dtype : {"float32", "float16"} or None, default="float32"
        As in :func:`load_avmnist`; None returns the stored uint8 arrays.

    Returns
    -------
    data : sklearn.utils.Bunch
        The same fields as :func:`load_avmnist`.

    Examples
    --------
    >>> from skmmdl.datasets import load_avmnist_sample
    >>> data = load_avmnist_sample()
    >>> images, audio = data.X_train
    >>> images.shape[1:], audio.shape[1:], audio.dtype
    ((1, 28, 28), (1, 112, 112), dtype('float32'))
    >>> sorted(set(data.y_test.tolist()))
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    options = check_load_options(validation_fraction, random_state, None, dtype)
    resource = resources.files("skmmdl.datasets") / "data" / SAMPLE_FILE
    with resources.as_file(resource) as path:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in LAYOUT}
            metadata = json.loads(str(archive["metadata"]))
    sources = {key: f"{SAMPLE_FILE}[{key}]" for key in LAYOUT}
    return assemble_bunch(arrays, sources, metadata, **options)
