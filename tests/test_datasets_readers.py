"""Tests of the raw-file readers and signal helpers behind make_avmnist."""

import gzip
import wave

import numpy as np
import pytest

from skmmdl.datasets._idx import read_idx_images, read_idx_labels
from skmmdl.datasets._noise import draw_noise_segments, mix_at_snr
from skmmdl.datasets._pairing import pair_recordings, select_stratified
from skmmdl.datasets._spectrogram import (
    N_FFT,
    WINDOW_LENGTH,
    fit_to_window,
    log_power_spectrogram,
)
from skmmdl.datasets._wav import read_wav


def idx_bytes(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(
        size.to_bytes(4, "big") for size in array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def write_wav(path, samples, rate=8000, channels=1, width=2):
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(np.asarray(samples).tobytes())


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)


# idx files


def test_idx_gzip_and_raw_agree(tmp_path, images):
    (tmp_path / "raw").write_bytes(idx_bytes(images, 2051))
    (tmp_path / "packed.gz").write_bytes(gzip.compress(idx_bytes(images, 2051)))

    np.testing.assert_array_equal(read_idx_images(tmp_path / "raw"), images)
    np.testing.assert_array_equal(read_idx_images(tmp_path / "packed.gz"), images)


def test_idx_labels_read(tmp_path):
    labels = np.array([3, 1, 4, 1, 5, 9], dtype=np.uint8)
    (tmp_path / "labels").write_bytes(idx_bytes(labels, 2049))

    np.testing.assert_array_equal(read_idx_labels(tmp_path / "labels"), labels)


def test_idx_wrong_magic_names_file(tmp_path, images):
    path = tmp_path / "swapped.gz"
    path.write_bytes(gzip.compress(idx_bytes(images, 2051)))

    with pytest.raises(ValueError, match=r"swapped\.gz has idx magic number 2051, expected 2049"):
        read_idx_labels(path)


def test_idx_truncated_data(tmp_path, images):
    path = tmp_path / "cut"
    path.write_bytes(idx_bytes(images, 2051)[:-10])

    with pytest.raises(ValueError, match=r"cut is truncated: the header gives shape \(5, 28, 28\)"):
        read_idx_images(path)


def test_idx_extra_bytes(tmp_path, images):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(images, 2051) + b"\x00")

    with pytest.raises(ValueError, match="longer than its header states"):
        read_idx_images(path)


def test_idx_truncated_header(tmp_path, images):
    path = tmp_path / "header"
    path.write_bytes(idx_bytes(images, 2051)[:10])

    with pytest.raises(ValueError, match="truncated inside its idx header"):
        read_idx_images(path)


def test_idx_too_short(tmp_path):
    path = tmp_path / "tiny"
    path.write_bytes(b"\x00\x00")

    with pytest.raises(ValueError, match=r"too short to be an idx file \(2 bytes\)"):
        read_idx_images(path)


def test_idx_damaged_gzip(tmp_path, images):
    path = tmp_path / "damaged.gz"
    path.write_bytes(gzip.compress(idx_bytes(images, 2051))[:-20])

    with pytest.raises(ValueError, match=r"damaged\.gz is a damaged or truncated gzip file"):
        read_idx_images(path)


def test_idx_images_not_28_by_28(tmp_path):
    path = tmp_path / "small"
    path.write_bytes(idx_bytes(np.zeros((2, 20, 20)), 2051))

    with pytest.raises(ValueError, match="20 x 20 pixels, expected 28 x 28"):
        read_idx_images(path)


def test_idx_label_above_nine(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(idx_bytes(np.array([1, 12]), 2049))

    with pytest.raises(ValueError, match="contains label 12"):
        read_idx_labels(path)


# WAV files


def test_wav_read_scales_int16(tmp_path):
    path = tmp_path / "tone.wav"
    write_wav(path, np.array([0, 16384, -32768, 32767], dtype="<i2"))

    samples = read_wav(path)

    assert samples.dtype == np.float32
    np.testing.assert_allclose(samples, [0.0, 0.5, -1.0, 32767 / 32768])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"rate": 16000}, "a sample rate of 16000 Hz instead of 8000 Hz"),
        ({"channels": 2}, "2 channels instead of 1"),
        ({"width": 1}, "8-bit samples instead of 16-bit"),
    ],
)
def test_wav_wrong_format(tmp_path, settings, message):
    path = tmp_path / "bad.wav"
    width = settings.get("width", 2)
    write_wav(path, np.zeros(40 * width, dtype=np.uint8), **settings)

    with pytest.raises(ValueError, match=rf"bad\.wav has {message}\. Convert it to 16-bit PCM"):
        read_wav(path)


def test_wav_truncated(tmp_path):
    path = tmp_path / "cut.wav"
    write_wav(path, np.ones(1000, dtype="<i2"))
    path.write_bytes(path.read_bytes()[:-500])

    with pytest.raises(ValueError, match=r"cut\.wav is truncated: its header announces 1000 samples"):
        read_wav(path)


def test_wav_not_a_wav(tmp_path):
    path = tmp_path / "text.wav"
    path.write_text("not audio")

    with pytest.raises(ValueError, match=r"text\.wav is not a readable PCM WAV file"):
        read_wav(path)


def test_wav_empty(tmp_path):
    path = tmp_path / "empty.wav"
    write_wav(path, np.zeros(0, dtype="<i2"))

    with pytest.raises(ValueError, match=r"empty\.wav contains no samples"):
        read_wav(path)


# Spectrograms


def test_fit_to_window_pads_centred():
    window = fit_to_window(np.ones(100, dtype=np.float32), length=110)

    np.testing.assert_array_equal(np.flatnonzero(window), np.arange(5, 105))


def test_fit_to_window_crops_centred():
    samples = np.arange(120, dtype=np.float32)

    window = fit_to_window(samples, length=100)

    np.testing.assert_array_equal(window, np.arange(10, 110))


@pytest.mark.parametrize("n_samples", [1144, 3358, WINDOW_LENGTH, 18262])
def test_spectrogram_shape_for_fsdd_lengths(n_samples):
    rng = np.random.default_rng(n_samples)
    recording = rng.uniform(-0.5, 0.5, n_samples).astype(np.float32)

    spectrogram = log_power_spectrogram(fit_to_window(recording)[None])

    assert spectrogram.shape == (1, 112, 112)
    assert spectrogram.dtype == np.uint8


def test_spectrogram_silence_is_zero():
    spectrogram = log_power_spectrogram(np.zeros((2, WINDOW_LENGTH), dtype=np.float32))

    assert not spectrogram.any()


def test_spectrogram_tone_peaks_at_its_bin():
    time = np.arange(WINDOW_LENGTH) / 8000
    tone = (0.5 * np.sin(2 * np.pi * 1000 * time)).astype(np.float32)

    spectrogram = log_power_spectrogram(tone[None])[0]

    expected_bin = round(1000 / (8000 / N_FFT))
    assert np.all(np.argmax(spectrogram, axis=0) == expected_bin)


def test_spectrogram_rejects_unfitted_length():
    with pytest.raises(ValueError, match=r"shape \(n_recordings, 9102\), got \(1, 500\)"):
        log_power_spectrogram(np.zeros((1, 500), dtype=np.float32))


# Noise mixing


@pytest.mark.parametrize("snr_db", [-10.0, 0.0, 15.0])
def test_mix_reaches_requested_snr(snr_db):
    rng = np.random.default_rng(1)
    speech = rng.normal(0, 0.1, 4000).astype(np.float32)
    noise = rng.normal(0, 0.3, 4000).astype(np.float32)

    mixed = mix_at_snr(speech, noise, snr_db)

    added = mixed.astype(np.float64) - speech
    measured = 10 * np.log10(np.mean(speech.astype(np.float64) ** 2) / np.mean(added**2))
    assert measured == pytest.approx(snr_db, abs=1e-3)


def test_mix_with_silent_noise_keeps_speech():
    speech = np.linspace(-0.5, 0.5, 100, dtype=np.float32)

    mixed = mix_at_snr(speech, np.zeros(100, dtype=np.float32), 0.0)

    np.testing.assert_array_equal(mixed, speech)
    assert mixed is not speech


def test_noise_segments_fit_inside_clips():
    rng = np.random.default_rng(0)
    lengths = rng.integers(100, 900, size=200)

    clips, offsets = draw_noise_segments(rng, lengths, [1000, 950])

    assert set(clips.tolist()) == {0, 1}
    assert np.all(offsets >= 0)
    assert np.all(offsets + lengths <= np.array([1000, 950])[clips])


def test_noise_segments_seeded():
    first = draw_noise_segments(np.random.default_rng(3), [10, 20], [100, 200])
    second = draw_noise_segments(np.random.default_rng(3), [10, 20], [100, 200])

    np.testing.assert_array_equal(first[1], second[1])


def test_noise_clip_shorter_than_recording():
    with pytest.raises(ValueError, match="has 50 samples but must cover a recording of 80"):
        draw_noise_segments(np.random.default_rng(0), [80], [50])


# Selection and pairing


def test_stratified_selection_keeps_proportions():
    labels = np.repeat(np.arange(4), [40, 30, 20, 10])

    indices = select_stratified(labels, 50, np.random.default_rng(0))

    assert np.all(np.diff(indices) > 0)
    np.testing.assert_array_equal(np.bincount(labels[indices]), [20, 15, 10, 5])


def test_stratified_selection_of_everything_keeps_order():
    labels = np.array([2, 0, 1, 1])

    indices = select_stratified(labels, 4, np.random.default_rng(0))

    np.testing.assert_array_equal(indices, [0, 1, 2, 3])


def test_pairing_uses_recordings_evenly():
    labels = np.array([0] * 10 + [1] * 3)
    pools = {0: [0, 1, 2], 1: [3, 4, 5, 6]}

    paired = pair_recordings(labels, pools, np.random.default_rng(0))

    assert sorted(np.bincount(paired[:10], minlength=3).tolist()) == [3, 3, 4]
    assert set(paired[10:].tolist()) <= {3, 4, 5, 6}
    assert len(set(paired[10:].tolist())) == 3, "three pairs must use three recordings"
