"""Mix background noise into recordings at a given signal-to-noise ratio."""

import numpy as np

__all__ = ["draw_noise_segments", "mix_at_snr"]


def draw_noise_segments(rng, recording_lengths, clip_lengths):
    """Draw a random noise clip and start offset for each recording.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness; the draws depend only on its state and on
        the lengths given.
    recording_lengths : array-like of int, shape (n_recordings,)
        Number of samples of each recording to be mixed.
    clip_lengths : array-like of int, shape (n_clips,)
        Number of samples of each noise clip.

    Returns
    -------
    clip_indices : ndarray of int64, shape (n_recordings,)
        The clip drawn for each recording, uniformly among all clips.
    offsets : ndarray of int64, shape (n_recordings,)
        The first sample of the segment, uniform over the offsets at which
        the segment fits inside the clip.

    Raises
    ------
    ValueError
        If a drawn clip is shorter than the recording it should cover.
    """
    recording_lengths = np.asarray(recording_lengths, dtype=np.int64)
    clip_lengths = np.asarray(clip_lengths, dtype=np.int64)

    clip_indices = rng.integers(0, clip_lengths.shape[0], size=recording_lengths.shape[0])
    room = clip_lengths[clip_indices] - recording_lengths
    if np.any(room < 0):
        position = int(np.argmax(room < 0))
        raise ValueError(
            f"Noise clip {int(clip_indices[position])} has "
            f"{int(clip_lengths[clip_indices[position]])} samples but must cover a "
            f"recording of {int(recording_lengths[position])} samples; use noise "
            "clips at least as long as the longest recording."
        )
    offsets = rng.integers(0, room + 1)
    return clip_indices, offsets.astype(np.int64)


def mix_at_snr(speech, noise, snr_db):
    """Add noise to speech, scaled to a signal-to-noise ratio in decibels.

    The noise is multiplied by a gain so that the mean power of the scaled
    noise is the mean power of ``speech`` divided by ``10 ** (snr_db / 10)``.
    Both powers are taken over the whole of the given arrays.

    Parameters
    ----------
    speech : ndarray of shape (n_samples,)
        The recording.
    noise : ndarray of shape (n_samples,)
        The noise segment, as long as ``speech``.
    snr_db : float
        The signal-to-noise ratio in dB: 0 gives noise as loud as the speech,
        and each 10 dB less makes the noise 10 times more powerful.

    Returns
    -------
    mixed : ndarray of shape (n_samples,), dtype float32
        A new array. It is ``speech`` unchanged when either input is silent
        (all zeros), because no gain reaches the ratio then.
    """
    if speech.shape != noise.shape:
        raise ValueError(
            f"speech and noise must have the same shape, got {speech.shape} and "
            f"{noise.shape}."
        )
    speech_power = float(np.mean(np.square(speech, dtype=np.float64)))
    noise_power = float(np.mean(np.square(noise, dtype=np.float64)))
    mixed = np.array(speech, dtype=np.float32)
    if speech_power == 0.0 or noise_power == 0.0:
        return mixed

    gain = np.sqrt(speech_power / (noise_power * 10.0 ** (snr_db / 10.0)))
    mixed += np.float32(gain) * noise.astype(np.float32, copy=False)
    return mixed
