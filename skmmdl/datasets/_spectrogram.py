"""Turn recordings into 112 x 112 log-power spectrograms stored as uint8.

Every recording is padded or cropped to a fixed window of 9102 samples
(1.138 s at 8 kHz) and stays centred. A shorter recording gets the same
number of zeros on both sides, and a longer one loses the same number of
samples at both ends (one more at the end when the difference is odd).
FSDD recordings last 0.14-2.28 s, and 12 of the 3,000 in FSDD v1.0.10 are
longer than the window.

The short-time Fourier transform uses a 222-sample (27.75 ms) Hann window
and a hop of 80 samples (10 ms) with no padding at the borders, so the
window holds exactly 112 frames and the one-sided spectrum has 222 // 2 + 1
= 112 frequency bins, spaced 36 Hz apart from 0 Hz to 4000 Hz. The power
of each bin is scaled as a power spectrum (``scaling="spectrum"`` in
``scipy.signal.spectrogram``) of samples in [-1, 1).

The power in decibels is mapped linearly from [-100 dB, -10 dB] onto
0-255 and rounded; values outside that range are clipped, so 0 also
stands for the silence of the padding. Convert a stored value ``u`` back
with ``-100 + u * 90 / 255`` (dB).
"""

import numpy as np
from scipy import signal

from ._wav import SAMPLE_RATE

__all__ = [
    "DB_MAX",
    "DB_MIN",
    "HOP_LENGTH",
    "N_FFT",
    "N_FRAMES",
    "WINDOW_LENGTH",
    "fit_to_window",
    "log_power_spectrogram",
    "spectrogram_settings",
]

N_FFT = 222  # samples per STFT segment; gives 222 // 2 + 1 = 112 bins
HOP_LENGTH = 80  # samples between segments: 10 ms at 8 kHz
N_FRAMES = 112
WINDOW_LENGTH = N_FFT + (N_FRAMES - 1) * HOP_LENGTH  # 9102 samples
DB_MIN = -100.0
DB_MAX = -10.0


def fit_to_window(samples, length=WINDOW_LENGTH):
    """Pad or crop a recording to ``length`` samples, keeping it centred.

    Parameters
    ----------
    samples : ndarray of shape (n_samples,)
        The recording.
    length : int, default=9102
        The number of samples returned.

    Returns
    -------
    window : ndarray of shape (length,), dtype float32
        A new array; ``samples`` is not modified.
    """
    window = np.zeros(length, dtype=np.float32)
    n_samples = samples.shape[0]
    if n_samples >= length:
        start = (n_samples - length) // 2
        window[:] = samples[start : start + length]
    else:
        start = (length - n_samples) // 2
        window[start : start + n_samples] = samples
    return window


def log_power_spectrogram(windows):
    """Compute uint8 log-power spectrograms of fixed-length recordings.

    Parameters
    ----------
    windows : ndarray of shape (n_recordings, 9102)
        Recordings already fitted to the window with :func:`fit_to_window`,
        in [-1, 1).

    Returns
    -------
    spectrograms : ndarray of shape (n_recordings, 112, 112), dtype uint8
        Frequency along axis 1 (row 0 is 0 Hz), time along axis 2. The value
        ``u`` stands for ``-100 + u * 90 / 255`` dB.
    """
    windows = np.asarray(windows, dtype=np.float32)
    if windows.ndim != 2 or windows.shape[1] != WINDOW_LENGTH:
        raise ValueError(
            f"Expected recordings of shape (n_recordings, {WINDOW_LENGTH}), got "
            f"{windows.shape}; fit each one to the window with fit_to_window first."
        )

    _, _, power = signal.spectrogram(
        windows,
        fs=SAMPLE_RATE,
        window="hann",
        nperseg=N_FFT,
        noverlap=N_FFT - HOP_LENGTH,
        detrend=False,
        scaling="spectrum",
        mode="psd",
    )
    # The floor keeps log10 finite for the silent padding; it maps to 0 anyway.
    np.maximum(power, 10.0 ** (DB_MIN / 10.0), out=power)
    decibels = 10.0 * np.log10(power)

    scaled = (decibels - DB_MIN) * (255.0 / (DB_MAX - DB_MIN))
    np.clip(scaled, 0.0, 255.0, out=scaled)
    return np.rint(scaled).astype(np.uint8)


def spectrogram_settings():
    """Return the spectrogram settings as a dict for the dataset metadata."""
    return {
        "sample_rate_hz": SAMPLE_RATE,
        "window_length_samples": WINDOW_LENGTH,
        "fit_to_window": "centred zero padding or centred crop",
        "stft_window": "hann",
        "stft_segment_samples": N_FFT,
        "stft_hop_samples": HOP_LENGTH,
        "n_frequency_bins": N_FFT // 2 + 1,
        "n_time_frames": N_FRAMES,
        "power_scaling": "scipy.signal.spectrogram scaling='spectrum'",
        "db_range": [DB_MIN, DB_MAX],
        "uint8_to_db": "db = -100 + value * 90 / 255",
    }
