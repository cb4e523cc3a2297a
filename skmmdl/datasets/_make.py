"""Build the AV-MNIST dataset from the raw MNIST, FSDD and noise files."""

import logging
import time

import numpy as np

from ._images import ImageReducer
from ._noise import draw_noise_segments
from ._output import check_output_dir, write_atomically
from ._pairing import pair_recordings, select_stratified
from ._sources import check_directory, find_fsdd_recordings, find_noise_clips, read_mnist
from ._validation import check_integer, check_real, check_seed
from ._wav import read_wav
from ._metadata import FSDD_TAKES, build_metadata, write_metadata
from ._writer import SplitPlan, write_split

__all__ = ["make_avmnist"]

logger = logging.getLogger(__name__)


def make_avmnist(
    mnist_dir,
    fsdd_dir,
    output_dir,
    noise_dir=None,
    *,
    n_train=60000,
    n_test=10000,
    pca_variance=0.25,
    snr_db=0.0,
    random_state=0,
    overwrite=False,
    verbose=0,
):
    """Build AV-MNIST: MNIST images paired with spoken digits from FSDD.

    Each pair joins an MNIST image, reduced to its leading principal
    components, with a 112 x 112 log-power spectrogram of a recording of
    the same digit from the Free Spoken Digit Dataset (FSDD), optionally
    mixed with background noise. The result is written in the directory
    layout of the MultiBench copy of AV-MNIST and read by
    :func:`load_avmnist`.

    - **Images**: a PCA is fitted on all training images of ``mnist_dir``
      (independent of ``n_train``) with ``svd_solver="covariance_eigh"``,
      keeping the fewest components whose explained variance ratio exceeds
      ``pca_variance`` (4 components at 0.25 on MNIST). Each image is
      rebuilt from those components, rounded and clipped to 0-255.
    - **Selection**: all MNIST images of a split in file order when ``n_*``
      equals its size, else a seeded stratified subset (class proportions
      kept, file order kept).
    - **Audio**: each image gets a recording of its digit, training pairs
      from FSDD takes 5-49 and test pairs from takes 0-4. Each digit's
      recordings are shuffled and dealt out in turn, so they are used
      equally often. With ``noise_dir``, a segment of a random noise clip at
      a random offset, as long as the recording, is scaled to ``snr_db``
      relative to the recording's mean power and added before the
      spectrogram. The spectrogram settings and the uint8 scale are
      described in ``metadata.json`` under ``"audio"``: a centred 1.138 s
      window, 10 ms hop, and ``dB = -100 + value * 90 / 255``.

    The files written to ``output_dir`` are the uint8 arrays
    ``image/train_data.npy`` (n_train, 784), ``image/test_data.npy``,
    ``audio/train_data.npy`` (n_train, 112, 112) and ``audio/test_data.npy``,
    the int64 labels ``train_labels.npy`` and ``test_labels.npy``, and
    ``metadata.json``. The metadata records the parameters, the package
    version, the PCA and the source of every pair (MNIST index, FSDD file,
    noise clip and offset). The arrays are written through memory
    maps in chunks, into a temporary directory beside ``output_dir`` that is
    renamed when complete, so a failed build leaves no files.

    Parameters
    ----------
    mnist_dir : str or path-like
        Directory with the four MNIST idx files, gzip-compressed or not.
    fsdd_dir : str or path-like
        Directory of FSDD WAV files named ``{digit}_{speaker}_{take}.wav``
        (16-bit PCM, mono, 8000 Hz), or an FSDD checkout with them in
        ``recordings/``.
    output_dir : str or path-like
        Directory to create. Parent directories are created as needed.
    noise_dir : str or path-like, default=None
        Directory of noise WAV files (16-bit PCM, mono, 8000 Hz, each at
        least as long as the longest recording). None gives clean audio.
    n_train : int, default=60000
        Number of training pairs, at most the number of MNIST training images.
    n_test : int, default=10000
        Number of test pairs, at most the number of MNIST test images.
    pca_variance : float in (0, 1], default=0.25
        Fraction of the image variance to keep. 1.0 stores the original images.
    snr_db : float, default=0.0
        Signal-to-noise ratio in dB of the mixed audio; lower is noisier.
        Ignored (and recorded as null) when ``noise_dir`` is None.
    random_state : int or None, default=0
        Seed of every random choice. The train and test splits and the
        selection, pairing and noise draws use separate streams derived from
        it, so for instance changing ``snr_db`` keeps the same pairs. None
        draws a fresh seed. Either way ``metadata.json`` records the seed as
        ``seed_entropy``, and passing it as ``random_state`` repeats the build.
    overwrite : bool, default=False
        Replace an existing non-empty ``output_dir``. Only a directory with a
        ``metadata.json`` from an earlier build is replaced.
    verbose : int, default=0
        0 prints nothing, 1 prints each stage, 2 also prints every chunk.

    Returns
    -------
    output_dir : pathlib.Path
        The absolute path of the directory written.

    Raises
    ------
    FileNotFoundError
        If an input directory or file is missing.
    FileExistsError
        If ``output_dir`` exists and may not be replaced.
    ValueError
        If an argument is out of range, an input file is invalid, or a
        digit has no recording in a split.
    TypeError
        If an argument has the wrong type.

    See Also
    --------
    load_avmnist : Load the directory written.

    Examples
    --------
    Build a small dataset (the paths are those of your downloads)::

        from skmmdl.datasets import make_avmnist, load_avmnist
        make_avmnist("mnist", "free-spoken-digit-dataset/recordings",
                     "avmnist", noise_dir="noise", n_train=6000, n_test=1000)
        data = load_avmnist("avmnist")
    """
    started = time.perf_counter()
    sizes = {
        "train": check_integer("n_train", n_train, 1),
        "test": check_integer("n_test", n_test, 1),
    }
    pca_variance = check_real(
        "pca_variance", pca_variance, (0.0, 1.0, "right"), " Use 1.0 to keep the images."
    )
    snr_db = check_real("snr_db", snr_db, (None, None, "neither"))
    random_state = check_seed("random_state", random_state)
    verbose = check_integer("verbose", verbose, 0)
    check_directory(mnist_dir, "mnist_dir")
    check_directory(fsdd_dir, "fsdd_dir")
    if noise_dir is not None:
        check_directory(noise_dir, "noise_dir")
    output_dir = check_output_dir(output_dir, overwrite)

    def report(message):
        logger.info(message)
        if verbose >= 1:
            print(f"[make_avmnist] {message}", flush=True)

    report(f"Reading MNIST from {mnist_dir}")
    mnist = read_mnist(mnist_dir)
    for split, size in sizes.items():
        available = mnist[f"{split}_labels"].shape[0]
        if size > available:
            raise ValueError(
                f"n_{split}={size} exceeds the {available} MNIST {split} images in "
                f"{mnist_dir}; pass n_{split}={available} or less."
            )

    report(f"Reading FSDD recordings from {fsdd_dir}")
    recordings = find_fsdd_recordings(fsdd_dir)
    waveforms = [read_wav(recording.path) for recording in recordings]
    noise_paths, noise = _read_noise(noise_dir, waveforms)

    seed_sequence = np.random.SeedSequence(random_state)
    plans = {
        split: _plan_split(
            split, size, mnist[f"{split}_labels"], recordings, waveforms, noise, stream, fsdd_dir
        )
        for (split, size), stream in zip(sizes.items(), seed_sequence.spawn(2))
    }

    report("Fitting the PCA on the MNIST training images")
    reducer = ImageReducer(pca_variance).fit(mnist["train_images"])
    report(
        f"Keeping {reducer.n_components_} components, "
        f"{reducer.explained_variance_ratio_:.3f} of the variance"
    )

    with write_atomically(output_dir) as directory:
        (directory / "image").mkdir()
        (directory / "audio").mkdir()
        for split, plan in plans.items():
            report(f"Writing {plan.n_pairs} {split} pairs")
            write_split(
                directory, plan, mnist[f"{split}_images"], reducer, waveforms,
                noise, snr_db, verbose,
            )
        metadata = build_metadata(
            plans, recordings, noise_paths, reducer,
            parameters={
                "n_train": sizes["train"],
                "n_test": sizes["test"],
                "pca_variance": pca_variance,
                "snr_db": snr_db if noise is not None else None,
                "random_state": random_state,
                "seed_entropy": seed_sequence.entropy,
            },
            inputs={
                "mnist_dir": str(mnist_dir),
                "fsdd_dir": str(fsdd_dir),
                "noise_dir": None if noise_dir is None else str(noise_dir),
            },
        )
        write_metadata(directory, metadata)

    report(f"Wrote {output_dir} in {time.perf_counter() - started:.1f} s")
    return output_dir


def _read_noise(noise_dir, waveforms):
    if noise_dir is None:
        return [], None
    noise_paths = find_noise_clips(noise_dir)
    noise = [read_wav(path) for path in noise_paths]
    longest = max(waveform.shape[0] for waveform in waveforms)
    for path, clip in zip(noise_paths, noise):
        if clip.shape[0] < longest:
            raise ValueError(
                f"Noise clip {path} has {clip.shape[0]} samples, fewer than the "
                f"longest recording ({longest} samples); use a longer clip or "
                "remove it from noise_dir."
            )
    return noise_paths, noise


def _plan_split(split, size, labels, recordings, waveforms, noise, stream, fsdd_dir):
    select_rng, pair_rng, noise_rng = (np.random.default_rng(s) for s in stream.spawn(3))
    mnist_indices = select_stratified(labels, size, select_rng)
    split_labels = labels[mnist_indices]

    takes = FSDD_TAKES[split]
    pools = {}
    for digit in np.unique(split_labels).tolist():
        pool = [
            index
            for index, recording in enumerate(recordings)
            if recording.digit == digit and recording.take in takes
        ]
        if not pool:
            raise ValueError(
                f"No FSDD recording of digit {digit} with a take in "
                f"{takes.start}-{takes.stop - 1} (the {split} takes) found in "
                f"{fsdd_dir}; every digit needs recordings in both splits."
            )
        pools[digit] = pool
    recording_indices = pair_recordings(split_labels, pools, pair_rng)

    clip_indices = offsets = None
    if noise is not None:
        lengths = [waveforms[index].shape[0] for index in recording_indices]
        clip_lengths = [clip.shape[0] for clip in noise]
        clip_indices, offsets = draw_noise_segments(noise_rng, lengths, clip_lengths)
    return SplitPlan(split, mnist_indices, split_labels, recording_indices, clip_indices, offsets)

