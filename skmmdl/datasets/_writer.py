"""Compute the image and audio arrays of a split and write them to disk."""

import logging
import time

import numpy as np

from ._noise import mix_at_snr
from ._spectrogram import N_FRAMES, N_FFT, WINDOW_LENGTH, fit_to_window, log_power_spectrogram

__all__ = ["CHUNK_SIZE", "SplitPlan", "compute_spectrograms", "write_split"]

logger = logging.getLogger(__name__)

# Pairs computed at once. The STFT of 1024 windows needs an estimated
# 300 MB (the complex spectra alone take 103 MB).
CHUNK_SIZE = 1024
N_BINS = N_FFT // 2 + 1


class SplitPlan:
    """The random choices of one split, fixed before anything is written.

    Parameters
    ----------
    name : {"train", "test"}
    mnist_indices : ndarray of int64, shape (n_pairs,)
        Rows of the MNIST file of that split.
    labels : ndarray of uint8, shape (n_pairs,)
    recording_indices : ndarray of int64, shape (n_pairs,)
        Positions in the list of FSDD recordings.
    clip_indices, offsets : ndarray of int64, shape (n_pairs,) or None
        Noise clip and first noise sample of each pair; None without noise.
    """

    def __init__(self, name, mnist_indices, labels, recording_indices, clip_indices, offsets):
        self.name = name
        self.mnist_indices = mnist_indices
        self.labels = labels
        self.recording_indices = recording_indices
        self.clip_indices = clip_indices
        self.offsets = offsets

    @property
    def n_pairs(self):
        return self.mnist_indices.shape[0]


def compute_spectrograms(waveforms, noise_segments=None, snr_db=0.0):
    """Return uint8 spectrograms of recordings, each mixed with its noise first.

    Parameters
    ----------
    waveforms : sequence of ndarray
        Recordings of any length.
    noise_segments : sequence of ndarray or None
        One segment per recording, of the same length; None for clean audio.
    snr_db : float
        Signal-to-noise ratio used with ``noise_segments``.

    Returns
    -------
    spectrograms : ndarray of shape (n_recordings, 112, 112), dtype uint8
    """
    windows = np.empty((len(waveforms), WINDOW_LENGTH), dtype=np.float32)
    for row, speech in enumerate(waveforms):
        if noise_segments is not None:
            speech = mix_at_snr(speech, noise_segments[row], snr_db)
        windows[row] = fit_to_window(speech)
    return log_power_spectrogram(windows)


def _clean_spectrograms(plan, waveforms):
    # Without noise a recording always gives the same spectrogram, so each
    # recording used is transformed once.
    used, inverse = np.unique(plan.recording_indices, return_inverse=True)
    spectrograms = np.empty((used.shape[0], N_BINS, N_FRAMES), dtype=np.uint8)
    for start in range(0, used.shape[0], CHUNK_SIZE):
        stop = start + CHUNK_SIZE
        spectrograms[start:stop] = compute_spectrograms(
            [waveforms[index] for index in used[start:stop]]
        )
    return spectrograms, inverse


def write_split(directory, plan, images, reducer, waveforms, noise, snr_db, verbose):
    """Write the image, audio and label arrays of one split.

    Writes ``image/{name}_data.npy`` (n_pairs, 784), ``audio/{name}_data.npy``
    (n_pairs, 112, 112), both uint8 and filled chunk by chunk through memory
    maps, and ``{name}_labels.npy`` (int64).
    """
    started = time.perf_counter()
    n_pairs = plan.n_pairs
    image_out = np.lib.format.open_memmap(
        directory / "image" / f"{plan.name}_data.npy",
        mode="w+",
        dtype=np.uint8,
        shape=(n_pairs, 28 * 28),
    )
    audio_out = np.lib.format.open_memmap(
        directory / "audio" / f"{plan.name}_data.npy",
        mode="w+",
        dtype=np.uint8,
        shape=(n_pairs, N_BINS, N_FRAMES),
    )

    clean = None
    if noise is None:
        clean = _clean_spectrograms(plan, waveforms)

    for start in range(0, n_pairs, CHUNK_SIZE):
        stop = min(start + CHUNK_SIZE, n_pairs)
        image_out[start:stop] = reducer.reconstruct(images[plan.mnist_indices[start:stop]])

        if clean is not None:
            spectrograms, inverse = clean
            audio_out[start:stop] = spectrograms[inverse[start:stop]]
        else:
            speech = [waveforms[index] for index in plan.recording_indices[start:stop]]
            segments = [
                noise[clip][offset : offset + len(recording)]
                for recording, clip, offset in zip(
                    speech, plan.clip_indices[start:stop], plan.offsets[start:stop]
                )
            ]
            audio_out[start:stop] = compute_spectrograms(speech, segments, snr_db)

        logger.debug("%s: %d of %d pairs written.", plan.name, stop, n_pairs)
        if verbose >= 2:
            print(f"[make_avmnist] {plan.name}: {stop}/{n_pairs} pairs", flush=True)

    # Unmapping hands the pages to the page cache, so other readers see them.
    # No flush: msync would wait for the disk without making the data safer
    # than the rename at the end of the build.
    del image_out, audio_out
    np.save(directory / f"{plan.name}_labels.npy", plan.labels.astype(np.int64))

    if verbose >= 1:
        elapsed = time.perf_counter() - started
        print(
            f"[make_avmnist] {plan.name}: wrote {n_pairs} pairs in {elapsed:.1f} s",
            flush=True,
        )

