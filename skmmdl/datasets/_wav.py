"""Read 16-bit PCM mono WAV files at the FSDD sample rate."""

import wave
from pathlib import Path

import numpy as np

__all__ = ["SAMPLE_RATE", "read_wav"]

SAMPLE_RATE = 8000  # Hz, the rate of every FSDD recording

_CONVERT_HINT = (
    "Convert it to 16-bit PCM, mono, 8000 Hz (for example with "
    "scipy.signal.resample_poly and scipy.io.wavfile.write) or remove it "
    "from the folder."
)


def read_wav(path, sample_rate=SAMPLE_RATE):
    """Read a 16-bit PCM mono WAV file as float32 samples in [-1, 1).

    Parameters
    ----------
    path : str or path-like
        The WAV file.
    sample_rate : int, default=8000
        The sample rate in Hz the file must have. No resampling is done.

    Returns
    -------
    samples : ndarray of shape (n_samples,), dtype float32
        The int16 samples divided by 32768.

    Raises
    ------
    ValueError
        If the file is not a WAV file, is not 16-bit PCM mono at
        ``sample_rate``, is empty, or is shorter than its header states.
    """
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as reader:
            n_channels = reader.getnchannels()
            sample_width = reader.getsampwidth()
            rate = reader.getframerate()
            n_frames = reader.getnframes()
            data = reader.readframes(n_frames)
    except (wave.Error, EOFError) as exc:
        raise ValueError(
            f"{path} is not a readable PCM WAV file ({exc}). {_CONVERT_HINT}"
        ) from exc

    problems = []
    if n_channels != 1:
        problems.append(f"{n_channels} channels instead of 1")
    if sample_width != 2:
        problems.append(f"{8 * sample_width}-bit samples instead of 16-bit")
    if rate != sample_rate:
        problems.append(f"a sample rate of {rate} Hz instead of {sample_rate} Hz")
    if problems:
        raise ValueError(f"{path} has {' and '.join(problems)}. {_CONVERT_HINT}")

    if n_frames == 0:
        raise ValueError(f"{path} contains no samples. Remove it from the folder.")
    if len(data) != 2 * n_frames:
        raise ValueError(
            f"{path} is truncated: its header announces {n_frames} samples but "
            f"only {len(data) // 2} could be read. Replace the file with an "
            "intact copy."
        )

    samples = np.frombuffer(data, dtype="<i2").astype(np.float32)
    samples /= 32768.0
    return samples
