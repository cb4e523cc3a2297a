"""Tests of make_avmnist and skmmdl-make-avmnist on tiny generated raw data."""

import gzip
import json
import shutil
import wave

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from skmmdl.cli.make_avmnist import main
from skmmdl.datasets import load_avmnist, make_avmnist
from skmmdl.datasets import _make

N_TRAIN_IMAGES = 60
N_TEST_IMAGES = 30
SPEAKERS = ("ann", "bob")
TAKES = (0, 1, 5, 6, 7)


@pytest.fixture(autouse=True, scope="module")
def single_blas_thread():
    # The PCA of 60 images is tiny: with several BLAS threads on a busy
    # machine, starting and spinning them costs up to ten times the work.
    with threadpool_limits(limits=1):
        yield


def write_idx(path, array, magic):
    header = magic.to_bytes(4, "big") + b"".join(
        size.to_bytes(4, "big") for size in array.shape
    )
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def write_wav(path, samples, rate=8000):
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(np.round(samples * 32767).astype("<i2").tobytes())


def digit_images(labels, rng):
    """Images of a bright square whose place depends on the digit, plus noise."""
    images = rng.integers(0, 60, size=(labels.shape[0], 28, 28))
    for image, label in zip(images, labels):
        row, column = divmod(int(label), 4)
        image[4 + 6 * row : 10 + 6 * row, 3 + 6 * column : 9 + 6 * column] = 250
    return images.astype(np.uint8)


@pytest.fixture(scope="module")
def raw_dirs(tmp_path_factory):
    """MNIST-like idx files, FSDD-like tone recordings and two noise clips."""
    root = tmp_path_factory.mktemp("raw")
    rng = np.random.default_rng(0)

    mnist = root / "mnist"
    mnist.mkdir()
    for stem, size in (("train", N_TRAIN_IMAGES), ("t10k", N_TEST_IMAGES)):
        labels = np.arange(size) % 10
        rng.shuffle(labels)
        write_idx(mnist / f"{stem}-images-idx3-ubyte.gz", digit_images(labels, rng), 2051)
        write_idx(mnist / f"{stem}-labels-idx1-ubyte.gz", labels, 2049)

    # Each digit is a tone of its own pitch, each take a different length.
    fsdd = root / "fsdd"
    fsdd.mkdir()
    for digit in range(10):
        for speaker_index, speaker in enumerate(SPEAKERS):
            for take in TAKES:
                duration = 0.2 + 0.05 * take + 0.02 * speaker_index
                time = np.arange(int(duration * 8000)) / 8000
                tone = 0.3 * np.sin(2 * np.pi * (300 + 150 * digit) * time)
                write_wav(fsdd / f"{digit}_{speaker}_{take}.wav", tone)

    noise = root / "noise"
    noise.mkdir()
    for name in ("hiss", "hum"):
        write_wav(noise / f"{name}.wav", rng.uniform(-0.2, 0.2, 16000))
    return {"mnist_dir": mnist, "fsdd_dir": fsdd, "noise_dir": noise}


def build(raw_dirs, output_dir, **params):
    params = {"n_train": 40, "n_test": 20, **params}
    noise_dir = params.pop("noise_dir", raw_dirs["noise_dir"])
    return make_avmnist(
        raw_dirs["mnist_dir"], raw_dirs["fsdd_dir"], output_dir, noise_dir, **params
    )


def read_build(directory):
    arrays = {
        name: np.load(directory / name)
        for name in (
            "image/train_data.npy",
            "image/test_data.npy",
            "audio/train_data.npy",
            "audio/test_data.npy",
            "train_labels.npy",
            "test_labels.npy",
        )
    }
    metadata = json.loads((directory / "metadata.json").read_text())
    return arrays, metadata


@pytest.fixture(scope="module")
def built(raw_dirs, tmp_path_factory):
    directory = build(raw_dirs, tmp_path_factory.mktemp("built") / "avmnist")
    return directory, *read_build(directory)


def leftovers(parent):
    return sorted(path.name for path in parent.iterdir() if ".partial-" in path.name or ".old-" in path.name)


# Layout and content


def test_make_writes_layout(built):
    directory, arrays, metadata = built

    assert arrays["image/train_data.npy"].shape == (40, 784)
    assert arrays["image/test_data.npy"].shape == (20, 784)
    assert arrays["audio/train_data.npy"].shape == (40, 112, 112)
    assert arrays["audio/test_data.npy"].shape == (20, 112, 112)
    for name in ("image/train_data.npy", "audio/test_data.npy"):
        assert arrays[name].dtype == np.uint8
    assert arrays["train_labels.npy"].dtype == np.int64
    assert metadata["parameters"]["n_train"] == 40
    assert metadata["parameters"]["snr_db"] == 0.0
    assert metadata["skmmdl_version"]
    assert metadata["inputs"]["noise_clips"] == ["hiss.wav", "hum.wav"]


def test_make_returns_absolute_path(built):
    directory, _, _ = built

    assert directory.is_absolute()
    assert sorted(path.name for path in directory.iterdir()) == [
        "audio", "image", "metadata.json", "test_labels.npy", "train_labels.npy",
    ]


def test_labels_match_paired_recordings(built, raw_dirs):
    _, arrays, metadata = built
    mnist_labels = {
        "train": np.frombuffer(
            gzip.decompress((raw_dirs["mnist_dir"] / "train-labels-idx1-ubyte.gz").read_bytes()),
            np.uint8, offset=8,
        ),
        "test": np.frombuffer(
            gzip.decompress((raw_dirs["mnist_dir"] / "t10k-labels-idx1-ubyte.gz").read_bytes()),
            np.uint8, offset=8,
        ),
    }

    for split in ("train", "test"):
        labels = arrays[f"{split}_labels.npy"]
        pairs = metadata["pairs"][split]
        recorded_digits = [int(name.split("_")[0]) for name in pairs["fsdd_file"]]
        assert recorded_digits == labels.tolist()
        np.testing.assert_array_equal(mnist_labels[split][pairs["mnist_index"]], labels)


def test_splits_use_official_takes(built):
    _, _, metadata = built

    train_takes = {int(name[:-4].split("_")[2]) for name in metadata["pairs"]["train"]["fsdd_file"]}
    test_takes = {int(name[:-4].split("_")[2]) for name in metadata["pairs"]["test"]["fsdd_file"]}
    assert train_takes == {5, 6, 7}
    assert test_takes == {0, 1}


def test_subset_is_stratified_and_sorted(built):
    _, arrays, metadata = built

    indices = metadata["pairs"]["train"]["mnist_index"]
    assert indices == sorted(indices)
    np.testing.assert_array_equal(np.bincount(arrays["train_labels.npy"]), [4] * 10)
    assert metadata["splits"]["test"]["class_counts"] == [2] * 10


def test_noise_provenance_recorded(built, raw_dirs):
    _, _, metadata = built

    pairs = metadata["pairs"]["train"]
    assert set(pairs["noise_clip"]) == {"hiss.wav", "hum.wav"}
    for name, offset in zip(pairs["fsdd_file"], pairs["noise_offset"]):
        with wave.open(str(raw_dirs["fsdd_dir"] / name)) as reader:
            length = reader.getnframes()
        assert 0 <= offset <= 16000 - length, name


# Reproducibility


def test_same_seed_same_bytes(raw_dirs, built, tmp_path):
    directory, _, _ = built

    again = build(raw_dirs, tmp_path / "again")

    for name in ("image/train_data.npy", "image/test_data.npy", "audio/train_data.npy",
                 "audio/test_data.npy", "train_labels.npy", "metadata.json"):
        assert (again / name).read_bytes() == (directory / name).read_bytes(), name


def test_other_seed_other_data(raw_dirs, built, tmp_path):
    directory, arrays, _ = built

    other = build(raw_dirs, tmp_path / "other", random_state=1)

    assert not np.array_equal(np.load(other / "audio/train_data.npy"), arrays["audio/train_data.npy"])
    assert (other / "train_labels.npy").read_bytes() != (directory / "train_labels.npy").read_bytes()


def test_seed_none_recorded(raw_dirs, tmp_path):
    _, metadata = read_build(build(raw_dirs, tmp_path / "fresh", random_state=None))

    assert metadata["parameters"]["random_state"] is None
    assert isinstance(metadata["parameters"]["seed_entropy"], int)


# Images


def mnist_train_images(raw_dirs):
    raw = gzip.decompress((raw_dirs["mnist_dir"] / "train-images-idx3-ubyte.gz").read_bytes())
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784)


def reconstruction_error(raw_dirs, directory):
    arrays, metadata = read_build(directory)
    originals = mnist_train_images(raw_dirs)[metadata["pairs"]["train"]["mnist_index"]]
    stored = arrays["image/train_data.npy"].astype(np.float64)
    return np.mean((stored - originals) ** 2), metadata["image"]["pca_n_components"]


def test_smaller_pca_variance_loses_detail(raw_dirs, tmp_path):
    low_error, low_components = reconstruction_error(
        raw_dirs, build(raw_dirs, tmp_path / "low", pca_variance=0.1)
    )
    high_error, high_components = reconstruction_error(
        raw_dirs, build(raw_dirs, tmp_path / "high", pca_variance=0.9)
    )

    assert low_components < high_components
    assert low_error > high_error > 0


def test_full_pca_variance_keeps_images(raw_dirs, tmp_path):
    error, components = reconstruction_error(
        raw_dirs, build(raw_dirs, tmp_path / "full", pca_variance=1.0)
    )

    assert components == 784
    assert error == 0


# Noise


def audio_distance(directory, reference):
    audio = np.load(directory / "audio/train_data.npy").astype(np.float64)
    return np.mean(np.abs(audio - np.load(reference / "audio/train_data.npy")))


def test_lower_snr_departs_further_from_clean(raw_dirs, tmp_path):
    clean = build(raw_dirs, tmp_path / "clean", noise_dir=None)
    mild = build(raw_dirs, tmp_path / "mild", snr_db=20.0)
    loud = build(raw_dirs, tmp_path / "loud", snr_db=-10.0)

    assert 0 < audio_distance(mild, clean) < audio_distance(loud, clean)
    assert read_build(clean)[1]["parameters"]["snr_db"] is None
    assert read_build(mild)[1]["pairs"]["train"]["fsdd_file"] == read_build(loud)[1]["pairs"][
        "train"
    ]["fsdd_file"]


def test_clean_build_has_no_noise_provenance(raw_dirs, tmp_path):
    _, metadata = read_build(build(raw_dirs, tmp_path / "clean", noise_dir=None))

    assert set(metadata["pairs"]["test"]["noise_clip"]) == {None}
    assert metadata["inputs"]["noise_clips"] == []


# Atomic writing and overwrite


def test_corrupt_wav_leaves_no_output(raw_dirs, tmp_path):
    fsdd = tmp_path / "fsdd"
    shutil.copytree(raw_dirs["fsdd_dir"], fsdd)
    (fsdd / "4_bob_6.wav").write_bytes((fsdd / "4_bob_6.wav").read_bytes()[:-300])
    output = tmp_path / "avmnist"

    with pytest.raises(ValueError, match=r"4_bob_6\.wav is truncated"):
        make_avmnist(raw_dirs["mnist_dir"], fsdd, output, n_train=20, n_test=10)

    assert not output.exists()
    assert leftovers(tmp_path) == []


def test_failure_while_writing_removes_partial(raw_dirs, tmp_path, monkeypatch):
    written = []

    def write_train_then_fail(directory, plan, *args):
        if plan.name == "test":
            raise RuntimeError("disk full")
        write_split(directory, plan, *args)
        written.append(directory / "audio" / "train_data.npy")

    write_split = _make.write_split
    monkeypatch.setattr(_make, "write_split", write_train_then_fail)

    with pytest.raises(RuntimeError, match="disk full"):
        build(raw_dirs, tmp_path / "avmnist")

    assert len(written) == 1
    assert not written[0].exists()
    assert not (tmp_path / "avmnist").exists()
    assert leftovers(tmp_path) == []


def test_failed_overwrite_keeps_earlier_build(raw_dirs, tmp_path, monkeypatch):
    output = build(raw_dirs, tmp_path / "avmnist")
    before = (output / "audio/train_data.npy").read_bytes()

    def fail(*args):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(_make, "write_split", fail)
    with pytest.raises(RuntimeError, match="interrupted"):
        build(raw_dirs, output, random_state=5, overwrite=True)

    assert (output / "audio/train_data.npy").read_bytes() == before
    assert leftovers(tmp_path) == []


def test_existing_output_rejected(raw_dirs, built):
    directory, _, _ = built

    with pytest.raises(FileExistsError, match="already exists and is not empty.*overwrite=True"):
        build(raw_dirs, directory)


def test_overwrite_replaces_earlier_build(raw_dirs, tmp_path):
    output = build(raw_dirs, tmp_path / "avmnist")

    build(raw_dirs, output, n_train=30, overwrite=True)

    assert np.load(output / "train_labels.npy").shape == (30,)
    assert leftovers(tmp_path) == []


def test_overwrite_spares_unrelated_directory(raw_dirs, tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")

    with pytest.raises(FileExistsError, match="has no metadata.json, so it is not an earlier build"):
        build(raw_dirs, tmp_path, overwrite=True)

    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_empty_output_dir_accepted(raw_dirs, tmp_path):
    (tmp_path / "empty").mkdir()

    output = build(raw_dirs, tmp_path / "empty")

    assert (output / "metadata.json").is_file()


def test_output_is_a_file(raw_dirs, tmp_path):
    (tmp_path / "file").write_text("")

    with pytest.raises(FileExistsError, match="exists and is not a directory"):
        build(raw_dirs, tmp_path / "file")


# Invalid arguments and inputs


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"n_train": 0}, ValueError, "n_train must be >= 1, got 0"),
        ({"n_train": 61}, ValueError, "n_train=61 exceeds the 60 MNIST train images"),
        ({"n_test": 31}, ValueError, "n_test=31 exceeds the 30 MNIST test images"),
        ({"n_train": 2.5}, TypeError, "n_train must be an int, got float 2.5"),
        ({"n_test": True}, TypeError, "n_test must be an int, got bool"),
        ({"pca_variance": 0.0}, ValueError, r"pca_variance must be in \(0.0, 1.0\], got 0.0"),
        ({"pca_variance": 1.5}, ValueError, r"pca_variance must be in \(0.0, 1.0\], got 1.5"),
        ({"pca_variance": "0.25"}, TypeError, "pca_variance must be a real number, got str"),
        ({"snr_db": float("nan")}, ValueError, "snr_db must be a finite number, got nan"),
        ({"snr_db": None}, TypeError, "snr_db must be a real number, got NoneType"),
        ({"random_state": -1}, ValueError, "random_state must be None or an int >= 0, got -1"),
        ({"random_state": 1.0}, TypeError, "random_state must be None or an int >= 0, got float"),
        ({"overwrite": "yes"}, TypeError, "overwrite must be True or False, got 'yes'"),
        ({"verbose": -1}, ValueError, "verbose must be >= 0, got -1"),
    ],
)
def test_invalid_parameter(raw_dirs, tmp_path, params, error, message):
    with pytest.raises(error, match=message):
        build(raw_dirs, tmp_path / "avmnist", **params)

    assert not (tmp_path / "avmnist").exists()


def test_missing_mnist_dir(raw_dirs, tmp_path):
    with pytest.raises(FileNotFoundError, match="mnist_dir='.*nowhere' is not an existing directory"):
        make_avmnist(tmp_path / "nowhere", raw_dirs["fsdd_dir"], tmp_path / "out")


def test_missing_mnist_file(raw_dirs, tmp_path):
    mnist = tmp_path / "mnist"
    shutil.copytree(raw_dirs["mnist_dir"], mnist)
    (mnist / "t10k-labels-idx1-ubyte.gz").unlink()

    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte\.gz \(or t10k-labels-idx1-ubyte\) not found"):
        make_avmnist(mnist, raw_dirs["fsdd_dir"], tmp_path / "out")


def test_swapped_mnist_files(raw_dirs, tmp_path):
    mnist = tmp_path / "mnist"
    shutil.copytree(raw_dirs["mnist_dir"], mnist)
    shutil.copy(mnist / "train-labels-idx1-ubyte.gz", mnist / "train-images-idx3-ubyte.gz")

    with pytest.raises(ValueError, match="has idx magic number 2049, expected 2051"):
        make_avmnist(mnist, raw_dirs["fsdd_dir"], tmp_path / "out")


def test_mismatched_mnist_counts(raw_dirs, tmp_path):
    mnist = tmp_path / "mnist"
    shutil.copytree(raw_dirs["mnist_dir"], mnist)
    write_idx(mnist / "t10k-labels-idx1-ubyte.gz", np.zeros(29), 2049)

    with pytest.raises(ValueError, match="contains 30 images but .* contains 29 labels"):
        make_avmnist(mnist, raw_dirs["fsdd_dir"], tmp_path / "out")


def test_fsdd_without_recordings(raw_dirs, tmp_path):
    (tmp_path / "fsdd").mkdir()
    (tmp_path / "fsdd" / "readme.wav").write_bytes(b"")

    with pytest.raises(FileNotFoundError, match=r"No FSDD recordings named \{digit\}_\{speaker\}_\{take\}\.wav"):
        make_avmnist(
            raw_dirs["mnist_dir"], tmp_path / "fsdd", tmp_path / "out", n_train=10, n_test=10
        )


def test_fsdd_checkout_layout_accepted(raw_dirs, tmp_path):
    shutil.copytree(raw_dirs["fsdd_dir"], tmp_path / "checkout" / "recordings")

    output = make_avmnist(
        raw_dirs["mnist_dir"], tmp_path / "checkout", tmp_path / "out", n_train=10, n_test=10
    )

    assert np.load(output / "test_labels.npy").shape == (10,)


def test_digit_without_test_recording(raw_dirs, tmp_path):
    fsdd = tmp_path / "fsdd"
    shutil.copytree(raw_dirs["fsdd_dir"], fsdd)
    for path in fsdd.glob("3_*_[01].wav"):
        path.unlink()

    with pytest.raises(ValueError, match="No FSDD recording of digit 3 with a take in 0-4"):
        make_avmnist(raw_dirs["mnist_dir"], fsdd, tmp_path / "out", n_train=10, n_test=10)


def test_wav_at_wrong_rate(raw_dirs, tmp_path):
    fsdd = tmp_path / "fsdd"
    shutil.copytree(raw_dirs["fsdd_dir"], fsdd)
    write_wav(fsdd / "2_ann_9.wav", np.zeros(800), rate=16000)

    with pytest.raises(ValueError, match=r"2_ann_9\.wav has a sample rate of 16000 Hz instead of 8000 Hz"):
        make_avmnist(raw_dirs["mnist_dir"], fsdd, tmp_path / "out", n_train=10, n_test=10)


def test_empty_noise_dir(raw_dirs, tmp_path):
    (tmp_path / "noise").mkdir()

    with pytest.raises(FileNotFoundError, match="No WAV files found in noise_dir=.*noise_dir=None"):
        build(raw_dirs, tmp_path / "out", noise_dir=tmp_path / "noise")


def test_noise_clip_too_short(raw_dirs, tmp_path):
    (tmp_path / "noise").mkdir()
    write_wav(tmp_path / "noise" / "blip.wav", np.zeros(800))

    with pytest.raises(ValueError, match=r"blip\.wav has 800 samples, fewer than the longest recording"):
        build(raw_dirs, tmp_path / "out", noise_dir=tmp_path / "noise")


def test_dir_of_wrong_type(raw_dirs, tmp_path):
    with pytest.raises(TypeError, match="fsdd_dir must be a str or pathlib.Path, got int"):
        make_avmnist(raw_dirs["mnist_dir"], 7, tmp_path / "out")


# Progress and loading


def test_verbose_prints_progress(raw_dirs, tmp_path, capsys):
    build(raw_dirs, tmp_path / "quiet")
    assert capsys.readouterr().out == ""

    build(raw_dirs, tmp_path / "loud", verbose=2)
    printed = capsys.readouterr().out
    assert "Keeping" in printed
    assert "train: 40/40 pairs" in printed
    assert "test: wrote 20 pairs" in printed


def test_build_loads_scaled(built):
    directory, arrays, _ = built

    data = load_avmnist(directory)

    images, audio = data.X_train
    np.testing.assert_allclose(
        images.reshape(40, 784), arrays["image/train_data.npy"] / np.float32(255)
    )
    np.testing.assert_allclose(
        audio[:, 0], arrays["audio/train_data.npy"] / np.float32(255)
    )
    np.testing.assert_array_equal(data.y_test, arrays["test_labels.npy"])
    assert data.metadata["parameters"]["n_test"] == 20


# Command line


def test_cli_builds_dataset(raw_dirs, tmp_path, capsys):
    status = main([
        "--mnist-dir", str(raw_dirs["mnist_dir"]),
        "--fsdd-dir", str(raw_dirs["fsdd_dir"]),
        "--noise-dir", str(raw_dirs["noise_dir"]),
        "--output-dir", str(tmp_path / "cli"),
        "--n-train", "20", "--n-test", "10",
        "--pca-variance", "0.5", "--snr-db", "5", "--random-state", "3",
    ])

    assert status == 0
    printed = capsys.readouterr().out
    assert printed.rstrip().endswith(str(tmp_path / "cli"))
    _, metadata = read_build(tmp_path / "cli")
    assert metadata["parameters"] == {
        "n_train": 20, "n_test": 10, "pca_variance": 0.5, "snr_db": 5.0,
        "random_state": 3, "seed_entropy": 3,
    }


def test_cli_overwrite_and_quiet(raw_dirs, tmp_path, capsys):
    arguments = [
        "--mnist-dir", str(raw_dirs["mnist_dir"]), "--fsdd-dir", str(raw_dirs["fsdd_dir"]),
        "--output-dir", str(tmp_path / "cli"), "--n-train", "10", "--n-test", "10", "-q",
    ]
    assert main(arguments) == 0
    assert main(arguments) == 1
    assert "already exists" in capsys.readouterr().err

    assert main(arguments + ["--overwrite"]) == 0
    assert capsys.readouterr().out == ""


def test_cli_reports_invalid_value(raw_dirs, tmp_path, capsys):
    status = main([
        "--mnist-dir", str(raw_dirs["mnist_dir"]), "--fsdd-dir", str(raw_dirs["fsdd_dir"]),
        "--output-dir", str(tmp_path / "cli"), "--pca-variance", "2",
    ])

    assert status == 1
    assert "error: pca_variance must be in (0.0, 1.0], got 2.0" in capsys.readouterr().err


def test_cli_help_states_units(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])

    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "in decibels" in text
    assert "fraction in (0, 1] of the image variance" in text
