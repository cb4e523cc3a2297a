"""Tests of load_avmnist and load_avmnist_sample."""

import json
import subprocess
import sys

import numpy as np
import pytest

from skmmdl import Modalities
from skmmdl.datasets import load_avmnist, load_avmnist_sample

N_TRAIN = 40
N_TEST = 20


def write_layout(root, image_dtype=np.uint8, audio_dtype=np.uint8, scale=255, metadata=True):
    """Write a tiny dataset in the AV-MNIST directory layout."""
    rng = np.random.default_rng(0)
    (root / "image").mkdir(parents=True)
    (root / "audio").mkdir()
    stored = {}
    for part, size in (("train", N_TRAIN), ("test", N_TEST)):
        images = (rng.uniform(0, 1, (size, 784)) * scale).astype(image_dtype)
        audio = (rng.uniform(0, 1, (size, 112, 112)) * scale).astype(audio_dtype)
        labels = np.arange(size) % 10
        np.save(root / "image" / f"{part}_data.npy", images)
        np.save(root / "audio" / f"{part}_data.npy", audio)
        np.save(root / f"{part}_labels.npy", labels)
        stored[part] = (images, audio, labels)
    if metadata:
        (root / "metadata.json").write_text(json.dumps({"dataset": "AV-MNIST"}))
    return stored


@pytest.fixture
def stored(tmp_path):
    return write_layout(tmp_path / "avmnist")


@pytest.fixture
def data_dir(tmp_path, stored):
    return tmp_path / "avmnist"


# Default loading


def test_load_shapes_and_dtypes(data_dir):
    data = load_avmnist(data_dir)

    images, audio = data.X_train
    assert isinstance(data.X_train, Modalities)
    assert images.shape == (N_TRAIN, 1, 28, 28)
    assert audio.shape == (N_TRAIN, 1, 112, 112)
    assert images.dtype == np.float32
    assert audio.dtype == np.float32
    assert data.y_train.dtype == np.int64
    assert data.X_test.shape == (N_TEST,)
    assert data.modality_names == ("image", "audio")
    assert data.metadata == {"dataset": "AV-MNIST"}
    assert data.X_valid is None
    assert data.y_valid is None


def test_load_divides_integers_by_255(data_dir, stored):
    data = load_avmnist(data_dir)

    images, audio = data.X_test
    np.testing.assert_array_equal(images.reshape(N_TEST, 784), stored["test"][0] / np.float32(255))
    np.testing.assert_array_equal(audio[:, 0], stored["test"][1] / np.float32(255))
    np.testing.assert_array_equal(data.y_test, stored["test"][2])


def test_load_leaves_files_unchanged(data_dir):
    before = (data_dir / "audio" / "train_data.npy").read_bytes()

    load_avmnist(data_dir, mmap_mode="c", validation_fraction=0.25)

    assert (data_dir / "audio" / "train_data.npy").read_bytes() == before


def test_load_without_metadata(tmp_path):
    write_layout(tmp_path, metadata=False)

    assert load_avmnist(tmp_path).metadata is None


# Stored value ranges (MultiBench copies store floats)


def test_float_data_in_255_range_scaled(tmp_path):
    stored = write_layout(tmp_path, image_dtype=np.float64, audio_dtype=np.float32)

    images, audio = load_avmnist(tmp_path).X_train

    assert images.dtype == np.float32
    np.testing.assert_allclose(images.reshape(N_TRAIN, 784), stored["train"][0] / 255, rtol=1e-6)
    np.testing.assert_allclose(audio[:, 0], stored["train"][1] / 255, rtol=1e-6)


def test_float_data_in_unit_range_kept(tmp_path):
    stored = write_layout(tmp_path, image_dtype=np.float32, audio_dtype=np.float32, scale=1)

    images, audio = load_avmnist(tmp_path).X_test

    np.testing.assert_array_equal(images.reshape(N_TEST, 784), stored["test"][0])
    np.testing.assert_array_equal(audio[:, 0], stored["test"][1])


def test_four_dimensional_storage_accepted(tmp_path):
    stored = write_layout(tmp_path)
    np.save(tmp_path / "image" / "test_data.npy", stored["test"][0].reshape(N_TEST, 1, 28, 28))

    images, _ = load_avmnist(tmp_path, dtype=None).X_test

    np.testing.assert_array_equal(images.reshape(N_TEST, 784), stored["test"][0])


# Validation split


def test_validation_split_stratified(data_dir):
    data = load_avmnist(data_dir, validation_fraction=0.25)

    assert data.X_train.shape == (30,)
    assert data.X_valid.shape == (10,)
    np.testing.assert_array_equal(np.bincount(data.y_valid), [1] * 10)
    np.testing.assert_array_equal(np.bincount(data.y_train), [3] * 10)
    assert data.X_test.shape == (N_TEST,)


def test_validation_split_partitions_training(data_dir, stored):
    data = load_avmnist(data_dir, validation_fraction=0.25, dtype=None)

    rows = np.concatenate([data.X_train[0], data.X_valid[0]]).reshape(N_TRAIN, 784)
    original = stored["train"][0]
    assert sorted(map(bytes, rows)) == sorted(map(bytes, original))


def test_validation_split_seeded(data_dir):
    first = load_avmnist(data_dir, validation_fraction=0.25, random_state=1)
    again = load_avmnist(data_dir, validation_fraction=0.25, random_state=1)
    other = load_avmnist(data_dir, validation_fraction=0.25, random_state=2)

    np.testing.assert_array_equal(first.X_valid[1], again.X_valid[1])
    assert not np.array_equal(first.X_valid[1], other.X_valid[1])


def test_validation_split_unseeded(data_dir):
    data = load_avmnist(data_dir, validation_fraction=0.5, random_state=None)

    assert data.X_valid.shape == (20,)


def test_validation_split_too_small(data_dir):
    with pytest.raises(ValueError, match="validation_fraction=0.1 cannot make a stratified split of 40"):
        load_avmnist(data_dir, validation_fraction=0.1)


# Memory maps and stored dtype


def test_mmap_with_stored_dtype_returns_memmaps(data_dir):
    data = load_avmnist(data_dir, mmap_mode="r", dtype=None)

    images, audio = data.X_train
    assert isinstance(images, np.memmap)
    assert isinstance(audio, np.memmap)
    assert audio.dtype == np.uint8
    assert audio.shape == (N_TRAIN, 1, 112, 112)
    assert not audio.flags.writeable


def test_mmap_with_float_dtype_converts(data_dir, stored):
    images, _ = load_avmnist(data_dir, mmap_mode="r").X_test

    assert not isinstance(images, np.memmap)
    np.testing.assert_array_equal(images.reshape(N_TEST, 784), stored["test"][0] / np.float32(255))


def test_stored_dtype_returns_views(data_dir, stored):
    images, audio = load_avmnist(data_dir, dtype=None).X_train

    assert images.dtype == np.uint8
    assert not images.flags.owndata
    assert not audio.flags.owndata
    assert images.base.nbytes == images.nbytes
    assert audio.base.nbytes == audio.nbytes
    np.testing.assert_array_equal(images.reshape(N_TRAIN, 784), stored["train"][0])


def test_float16_dtype(data_dir):
    images, audio = load_avmnist(data_dir, dtype="float16").X_test

    assert images.dtype == np.float16
    assert audio.dtype == np.float16
    assert float(audio.max()) <= 1.0


# Invalid options


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"validation_fraction": 1.0}, ValueError, r"validation_fraction must be in \[0.0, 1.0\), got 1.0"),
        ({"validation_fraction": -0.1}, ValueError, r"validation_fraction must be in \[0.0, 1.0\)"),
        ({"validation_fraction": "0.2"}, TypeError, "validation_fraction must be a real number"),
        ({"random_state": "seed"}, TypeError, "random_state must be None or an int >= 0"),
        ({"mmap_mode": "w+"}, ValueError, r"mmap_mode must be one of \(None, 'r', 'c'\), got 'w\+'"),
        ({"dtype": "float64"}, ValueError, "dtype must be 'float32', 'float16' or None, got float64"),
        ({"dtype": np.uint8}, ValueError, "dtype must be 'float32', 'float16' or None, got uint8"),
        ({"dtype": "fast"}, TypeError, "dtype must be 'float32', 'float16' or None, got 'fast'"),
    ],
)
def test_invalid_option(data_dir, options, error, message):
    with pytest.raises(error, match=message):
        load_avmnist(data_dir, **options)


def test_missing_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not an existing directory. Build the dataset with `skmmdl-make-avmnist"):
        load_avmnist(tmp_path / "nowhere")


def test_data_dir_of_wrong_type():
    with pytest.raises(TypeError, match="data_dir must be a str or pathlib.Path, got NoneType"):
        load_avmnist(None)


def test_missing_file(data_dir):
    (data_dir / "audio" / "test_data.npy").unlink()

    with pytest.raises(FileNotFoundError, match=r"audio/test_data\.npy not found\. Build the dataset with `skmmdl-make-avmnist"):
        load_avmnist(data_dir)


def test_corrupt_npy(data_dir):
    (data_dir / "image" / "train_data.npy").write_bytes(b"garbage")

    with pytest.raises(ValueError, match=r"image/train_data\.npy is not a valid \.npy file"):
        load_avmnist(data_dir)


@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_truncated_npy(data_dir, mmap_mode):
    path = data_dir / "audio" / "train_data.npy"
    path.write_bytes(path.read_bytes()[:-1000])

    with pytest.raises(ValueError, match=r"audio/train_data\.npy is not a valid \.npy file"):
        load_avmnist(data_dir, mmap_mode=mmap_mode)


def test_corrupt_metadata(data_dir):
    (data_dir / "metadata.json").write_text("{not json")

    with pytest.raises(ValueError, match=r"metadata\.json is not valid JSON"):
        load_avmnist(data_dir)


def test_wrong_audio_shape(data_dir):
    np.save(data_dir / "audio" / "test_data.npy", np.zeros((N_TEST, 64, 64), np.uint8))

    with pytest.raises(ValueError, match=r"has shape \(20, 64, 64\); audio arrays must have shape"):
        load_avmnist(data_dir)


def test_modalities_differ_in_length(data_dir):
    np.save(data_dir / "audio" / "test_data.npy", np.zeros((N_TEST - 1, 112, 112), np.uint8))

    with pytest.raises(ValueError, match="contains 20 images but .* contains 19 spectrograms"):
        load_avmnist(data_dir)


def test_labels_differ_in_length(data_dir):
    np.save(data_dir / "train_labels.npy", np.zeros(N_TRAIN + 1, np.int64))

    with pytest.raises(ValueError, match="contains 41 labels but .* contain 40 samples"):
        load_avmnist(data_dir)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.full(N_TEST, 10), "contains labels from 10 to 10"),
        (np.full(N_TEST, 0.5), "has non-integer labels"),
        (np.zeros((N_TEST, 1), np.int64), r"has shape \(20, 1\); labels must be 1-D"),
    ],
)
def test_invalid_labels(data_dir, labels, message):
    np.save(data_dir / "test_labels.npy", labels)

    with pytest.raises(ValueError, match=message):
        load_avmnist(data_dir)


def test_integral_float_labels_accepted(data_dir):
    np.save(data_dir / "test_labels.npy", (np.arange(N_TEST) % 10).astype(np.float32))

    labels = load_avmnist(data_dir).y_test

    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, np.arange(N_TEST) % 10)


# Shipped sample


@pytest.fixture(scope="module")
def sample():
    return load_avmnist_sample()


def test_sample_shapes(sample):
    images, audio = sample.X_train

    assert images.shape == (1230, 1, 28, 28)
    assert audio.shape == (1230, 1, 112, 112)
    assert sample.X_test.shape == (410,)
    assert audio.dtype == np.float32
    assert float(audio.min()) >= 0.0
    assert float(audio.max()) <= 1.0


def test_sample_classes_balanced(sample):
    for labels in (sample.y_train, sample.y_test):
        counts = np.bincount(labels, minlength=10)
        assert counts.min() >= 0.08 * labels.shape[0]
        assert counts.max() <= 0.12 * labels.shape[0]


def test_sample_labels_match_recordings(sample):
    for split, labels in (("train", sample.y_train), ("test", sample.y_test)):
        files = sample.metadata["pairs"][split]["fsdd_file"]
        assert [int(name.split("_")[0]) for name in files] == labels.tolist()

    train_takes = {int(name[:-4].split("_")[-1]) for name in sample.metadata["pairs"]["train"]["fsdd_file"]}
    test_takes = {int(name[:-4].split("_")[-1]) for name in sample.metadata["pairs"]["test"]["fsdd_file"]}
    assert min(train_takes) >= 5
    assert max(test_takes) <= 4


def test_sample_built_with_noise(sample):
    assert sample.metadata["parameters"]["snr_db"] == 0.0
    assert sample.metadata["image"]["pca_n_components"] == 4
    assert None not in sample.metadata["pairs"]["test"]["noise_clip"]


def test_sample_validation_split():
    data = load_avmnist_sample(validation_fraction=0.2, dtype=None)

    assert data.X_valid.shape == (246,)
    assert data.X_valid[1].dtype == np.uint8
    assert data.y_train.shape == (984,)


def test_datasets_import_without_torch():
    code = "import sys, skmmdl.datasets; sys.exit('torch' in sys.modules)"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr or "importing skmmdl.datasets loaded torch"
