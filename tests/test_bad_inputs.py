"""Bad input to fit, predict, the dataset functions and the config loader.

Each row gives the call, the exception type and a regex on the message,
which must name the bad value and say how to fix it.
"""

import gzip
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from sklearn.exceptions import NotFittedError

from skmmdl import MMDLClassifier
from skmmdl.cli._config import load_config
from skmmdl.datasets import load_avmnist, make_avmnist

from reliability_worker import PARAMS, make_data

FAST = dict(PARAMS, max_epochs=1)


def images_vectors(n_samples=24):
    (images, vectors), y = make_data(n_samples)
    return images, vectors, y


@pytest.fixture(scope="module")
def fitted():
    images, vectors, y = images_vectors()
    return MMDLClassifier(**FAST).fit((images, vectors), y)


# -- fit ----------------------------------------------------------------------------


def fit_strings(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST).fit((images, vectors.astype(str)), y)


def fit_complex(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST).fit((images, vectors + 1j), y)


def fit_one_dimensional(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST).fit((images, vectors[:, 0]), y)


def fit_five_dimensional(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST).fit((images[:, None, None], vectors), y)


def fit_mismatched_modalities(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST).fit((images, vectors[:-2]), y)


def fit_mismatched_labels(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST).fit((images, vectors), y[:-1])


def fit_nan(tmp_path):
    images, vectors, y = images_vectors()
    vectors = vectors.copy()
    vectors[3, 1] = np.nan
    MMDLClassifier(**FAST).fit((images, vectors), y)


def fit_empty_tuple(tmp_path):
    _, _, y = images_vectors()
    MMDLClassifier(**FAST).fit((), y)


def fit_zero_samples(tmp_path):
    images, vectors, _ = images_vectors()
    MMDLClassifier(**FAST).fit((images[:0], vectors[:0]), np.array([], dtype=int))


def fit_one_class(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST).fit((images, vectors), np.zeros_like(y))


def fit_too_many_blocks(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**dict(FAST, encoder_blocks=5)).fit((images, vectors), y)


def fit_bimodal_three_modalities(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST, fusion="bimodal_vector").fit((images, vectors, vectors), y)


def fit_negative_lr(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**dict(FAST, lr=-1.0)).fit((images, vectors), y)


def fit_checkpoint_dir_is_file(tmp_path):
    images, vectors, y = images_vectors()
    path = tmp_path / "checkpoint.txt"
    path.write_text("not a directory")
    MMDLClassifier(**FAST, checkpoint_dir=path).fit((images, vectors), y)


def fit_checkpoint_dir_int(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST, checkpoint_dir=7).fit((images, vectors), y)


def fit_sparse(tmp_path):
    _, vectors, y = images_vectors()
    MMDLClassifier(**FAST).fit(scipy.sparse.csr_matrix(vectors), y)


def fit_list_of_pairs(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST).fit(list(zip(images, vectors)), y)


def fit_modality_out_of_range(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST, modality=5).fit((images, vectors), y)


def fit_unknown_argument(tmp_path):
    images, vectors, y = images_vectors()
    MMDLClassifier(**FAST, lrr=0.1).fit((images, vectors), y)


# -- predict, score and partial_fit on a fitted model ---------------------------------


def predict_unfitted(tmp_path):
    images, vectors, _ = images_vectors()
    MMDLClassifier(**FAST).predict((images, vectors))


def predict_wrong_image_size(tmp_path, fitted):
    images, vectors, _ = images_vectors()
    fitted.predict((images[:, :8, :8], vectors))


def predict_wrong_modality_count(tmp_path, fitted):
    images, _, _ = images_vectors()
    fitted.predict((images,))


def predict_nan(tmp_path, fitted):
    images, vectors, _ = images_vectors()
    images = images.copy()
    images[0, 0, 0] = np.inf
    fitted.predict((images, vectors))


def partial_fit_new_label(tmp_path, fitted):
    images, vectors, y = images_vectors()
    clf = MMDLClassifier(**FAST).partial_fit((images, vectors), y)
    clf.partial_fit((images, vectors), np.where(y == 0, 9, y))


def warm_start_new_label(tmp_path, fitted):
    images, vectors, y = images_vectors()
    clf = MMDLClassifier(**FAST, warm_start=True).fit((images, vectors), y)
    clf.fit((images, vectors), np.where(y == 0, 9, y))


# -- load_avmnist and make_avmnist ----------------------------------------------------


def write_idx(path, array, magic):
    header = magic.to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def write_wav(path, samples, rate=8000):
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(np.round(samples * 32767).astype("<i2").tobytes())


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    """20 + 10 MNIST-like images, two 0.2 s tone recordings per digit, and their build."""
    root = tmp_path_factory.mktemp("raw")
    rng = np.random.default_rng(0)
    mnist = root / "mnist"
    mnist.mkdir()
    for stem, size in (("train", 20), ("t10k", 10)):
        write_idx(mnist / f"{stem}-images-idx3-ubyte.gz", rng.integers(0, 255, (size, 28, 28)), 2051)
        write_idx(mnist / f"{stem}-labels-idx1-ubyte.gz", np.arange(size) % 10, 2049)
    fsdd = root / "fsdd"
    fsdd.mkdir()
    time = np.arange(1600) / 8000
    for digit in range(10):
        for take in (0, 5):  # FSDD takes 0-4 are test recordings, 5-49 training ones.
            write_wav(fsdd / f"{digit}_ann_{take}.wav", 0.3 * np.sin(2 * np.pi * (300 + 100 * digit) * time))
    built = make_avmnist(mnist, fsdd, root / "avmnist", n_train=20, n_test=10)
    return {"mnist": mnist, "fsdd": fsdd, "built": built}


def copy_of(tmp_path, source):
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


def make_into(tmp_path, raw, mnist=None, fsdd=None, **params):
    make_avmnist(mnist or raw["mnist"], fsdd or raw["fsdd"], tmp_path / "out", n_train=20, n_test=10, **params)


def make_truncated_wav(tmp_path, raw):
    fsdd = copy_of(tmp_path, raw["fsdd"])
    path = fsdd / "3_ann_5.wav"
    path.write_bytes(path.read_bytes()[:100])
    make_into(tmp_path, raw, fsdd=fsdd)


def make_corrupt_wav(tmp_path, raw):
    fsdd = copy_of(tmp_path, raw["fsdd"])
    (fsdd / "3_ann_5.wav").write_bytes(b"not a wav file " * 10)
    make_into(tmp_path, raw, fsdd=fsdd)


def make_wrong_sample_rate(tmp_path, raw):
    fsdd = copy_of(tmp_path, raw["fsdd"])
    write_wav(fsdd / "3_ann_5.wav", np.zeros(1600), rate=16000)
    make_into(tmp_path, raw, fsdd=fsdd)


def make_truncated_idx(tmp_path, raw):
    mnist = copy_of(tmp_path, raw["mnist"])
    path = mnist / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:1000]))
    make_into(tmp_path, raw, mnist=mnist)


def make_missing_idx(tmp_path, raw):
    mnist = copy_of(tmp_path, raw["mnist"])
    (mnist / "train-labels-idx1-ubyte.gz").unlink()
    make_into(tmp_path, raw, mnist=mnist)


def make_missing_fsdd(tmp_path, raw):
    make_into(tmp_path, raw, fsdd=tmp_path / "no-such-fsdd")


def make_too_many_pairs(tmp_path, raw):
    make_avmnist(raw["mnist"], raw["fsdd"], tmp_path / "out", n_train=21, n_test=10)


def make_existing_output(tmp_path, raw):
    make_avmnist(raw["mnist"], raw["fsdd"], raw["built"], n_train=20, n_test=10)


def load_missing_dir(tmp_path, raw):
    load_avmnist(tmp_path / "no-such-dir")


def load_flat_layout(tmp_path, raw):
    flat = tmp_path / "flat"
    flat.mkdir()
    for path in raw["built"].rglob("*.npy"):
        shutil.copy(path, flat / path.name)
    load_avmnist(flat)


def load_truncated_npy(tmp_path, raw):
    built = copy_of(tmp_path, raw["built"])
    path = built / "audio" / "train_data.npy"
    path.write_bytes(path.read_bytes()[:500])
    load_avmnist(built)


def load_corrupt_npy(tmp_path, raw):
    built = copy_of(tmp_path, raw["built"])
    (built / "image" / "test_data.npy").write_bytes(b"junk" * 30)
    load_avmnist(built)


def load_wrong_image_shape(tmp_path, raw):
    built = copy_of(tmp_path, raw["built"])
    np.save(built / "image" / "train_data.npy", np.zeros((20, 100), np.uint8))
    load_avmnist(built)


def load_label_count(tmp_path, raw):
    built = copy_of(tmp_path, raw["built"])
    np.save(built / "train_labels.npy", np.arange(19) % 10)
    load_avmnist(built)


def load_labels_out_of_range(tmp_path, raw):
    built = copy_of(tmp_path, raw["built"])
    np.save(built / "test_labels.npy", np.arange(10) + 5)
    load_avmnist(built)


def load_string_images(tmp_path, raw):
    built = copy_of(tmp_path, raw["built"])
    np.save(built / "image" / "train_data.npy", np.zeros((20, 784), "U1"))
    load_avmnist(built)


def load_int_path(tmp_path, raw):
    load_avmnist(3)


# -- run configurations ----------------------------------------------------------------


def config_with(tmp_path, text):
    path = tmp_path / "run.yaml"
    path.write_text(text, encoding="utf-8")
    load_config(path)


def config_unknown_section(tmp_path):
    config_with(tmp_path, "estimatr:\n  lr: 0.1\n")


def config_unknown_data_key(tmp_path):
    config_with(tmp_path, "estimator: {}\ndata:\n  dir: /data\n")


def config_unknown_estimator_key(tmp_path):
    config_with(tmp_path, "estimator:\n  lrr: 0.1\n")


def config_unknown_optimizer(tmp_path):
    config_with(tmp_path, "estimator:\n  optimizer: adamm\n")


def config_invalid_yaml(tmp_path):
    config_with(tmp_path, "estimator: [\n")


def config_missing_file(tmp_path):
    load_config(tmp_path / "missing.yaml")


# (call, exception type, message regex): the regex names the value and the fix.
CLASSIFIER_ROWS = [
    (fit_strings, TypeError, r"modality 1 has dtype <U\d+; expected numbers.*Encode it as numbers"),
    (fit_complex, ValueError, r"Complex data not supported: modality 1 has dtype complex.*real and imaginary parts"),
    (fit_one_dimensional, ValueError, r"got 1D array.*modality 1 has shape \(24,\).*reshape\(-1, 1\)"),
    (fit_five_dimensional, ValueError, r"modality 0 has shape \(24, 1, 1, 16, 16\); expected \(N, D\)"),
    (fit_mismatched_modalities, ValueError, r"same number of samples; got modality 0: 24, modality 1: 22\. Pair every sample"),
    (fit_mismatched_labels, ValueError, r"X has 24 samples but y has 23 labels; give one label per sample"),
    (fit_nan, ValueError, r"NaN or infinity: modality 1 has 1 non-finite value.*Impute or drop"),
    (fit_empty_tuple, ValueError, r"X is empty: pass a tuple with one array per modality"),
    (fit_zero_samples, ValueError, r"0 sample\(s\) \(shape=\(0, 16, 16\)\).*1 is required"),
    (fit_one_class, ValueError, r"y contains 1 class \((np\.int64\()?0\)+; a classifier needs samples of at least two classes"),
    (fit_too_many_blocks, ValueError, r"16 x 16 pixels, too small for encoder_blocks=5.*use at most 4 blocks"),
    (fit_bimodal_three_modalities, ValueError, r"fusion='bimodal_vector' combines exactly 2 modalities, but X has 3.*fusion='concat'"),
    (fit_negative_lr, ValueError, r"The 'lr' parameter of MMDLClassifier must be a float > 0\. Got -1\.0 instead"),
    (fit_checkpoint_dir_is_file, ValueError, r"checkpoint_dir='.*checkpoint\.txt' is a file, not a directory\. Pass a directory path"),
    (fit_checkpoint_dir_int, ValueError, r"The 'checkpoint_dir' parameter of MMDLClassifier must be None or a directory path.*Got 7"),
    (fit_sparse, TypeError, r"Sparse input is not supported.*X\.toarray\(\)"),
    (fit_list_of_pairs, ValueError, r"X is a list of 24 samples, each a tuple of 2 arrays\. Pass one array per modality"),
    (fit_modality_out_of_range, ValueError, r"modality=5 is out of range: X has 2 modalities, so use 0 to 1 or None"),
    (fit_unknown_argument, ValueError, r"unexpected argument\(s\) lrr\. Either you made a typo"),
    (predict_unfitted, NotFittedError, r"MMDLClassifier.*not fitted yet.*Call 'fit'"),
    (predict_wrong_image_size, ValueError, r"Modality 0 has per-sample shape \(8, 8\), but the model was fitted on \(1, 16, 16\)\. Resize"),
    (predict_wrong_modality_count, ValueError, r"X has 1 modalities, but the model was fitted on 2\. Pass the same modalities"),
    (predict_nan, ValueError, r"NaN or infinity: modality 0 has 1 non-finite value.*Impute or drop"),
    (partial_fit_new_label, ValueError, r"labels not seen in the first fit: \[9\]\. Fit from scratch"),
    (warm_start_new_label, ValueError, r"labels not seen in the first fit: \[9\]\. Fit from scratch"),
]

DATASET_ROWS = [
    (make_truncated_wav, ValueError, r"3_ann_5\.wav is truncated: its header announces 1600 samples.*Replace the file"),
    (make_corrupt_wav, ValueError, r"3_ann_5\.wav is not a readable PCM WAV file.*Convert it to 16-bit PCM"),
    (make_wrong_sample_rate, ValueError, r"3_ann_5\.wav has a sample rate of 16000 Hz instead of 8000 Hz\. Convert it"),
    (make_truncated_idx, ValueError, r"train-images-idx3-ubyte\.gz is truncated.*Download the file again"),
    (make_missing_idx, FileNotFoundError, r"train-labels-idx1-ubyte\.gz.*not found in .*mnist_dir must contain the four"),
    (make_missing_fsdd, FileNotFoundError, r"fsdd_dir='.*no-such-fsdd' is not an existing directory; pass the folder"),
    (make_too_many_pairs, ValueError, r"n_train=21 exceeds the 20 MNIST train images.*pass n_train=20 or less"),
    (make_existing_output, FileExistsError, r"output_dir='.*avmnist' already exists and is not empty\. Pass overwrite=True"),
    (load_missing_dir, FileNotFoundError, r"data_dir='.*no-such-dir' is not an existing directory\. Build the dataset with `skmmdl-make-avmnist"),
    (load_flat_layout, FileNotFoundError, r"flat/image/train_data\.npy not found\. Build the dataset"),
    (load_truncated_npy, ValueError, r"audio/train_data\.npy is not a valid \.npy file.*Delete it and rebuild"),
    (load_corrupt_npy, ValueError, r"image/test_data\.npy is not a valid \.npy file.*Delete it and rebuild"),
    (load_wrong_image_shape, ValueError, r"image/train_data\.npy has shape \(20, 100\); image arrays must have shape"),
    (load_label_count, ValueError, r"train_labels\.npy contains 19 labels but .* contain 20 samples; the files come from different builds"),
    (load_labels_out_of_range, ValueError, r"test_labels\.npy contains labels from 5 to 14; AV-MNIST labels are the digits 0-9"),
    (load_string_images, ValueError, r"image/train_data\.npy has dtype <U1; expected integers or floats"),
    (load_int_path, TypeError, r"data_dir must be a str or pathlib\.Path, got int"),
]

CONFIG_ROWS = [
    (config_unknown_section, ValueError, r"unknown top-level key\(s\) \['estimatr'\]; allowed keys are \[.*'estimator'"),
    (config_unknown_data_key, ValueError, r"unknown data option\(s\) \['dir'\]; allowed options are \['data_dir'"),
    (config_unknown_estimator_key, ValueError, r"unknown estimator parameter\(s\) \['lrr'\]\. Did you mean 'lr' for 'lrr'\?"),
    (config_unknown_optimizer, ValueError, r"names optimizer 'adamm'; use one of \['adam', 'adamw', 'rmsprop', 'sgd'\]"),
    (config_invalid_yaml, ValueError, r"run\.yaml is not valid YAML"),
    (config_missing_file, FileNotFoundError, r"Config file not found: .*missing\.yaml\. Pass --cfg with a YAML file"),
]


def row_ids(rows):
    return [call.__name__ for call, _, _ in rows]


@pytest.mark.parametrize("call, error, message", CLASSIFIER_ROWS, ids=row_ids(CLASSIFIER_ROWS))
def test_classifier_rejects(call, error, message, tmp_path, request):
    arguments = [tmp_path]
    if "fitted" in call.__code__.co_varnames[: call.__code__.co_argcount]:
        arguments.append(request.getfixturevalue("fitted"))
    with pytest.raises(error, match=message):
        call(*arguments)


@pytest.mark.parametrize("call, error, message", DATASET_ROWS, ids=row_ids(DATASET_ROWS))
def test_dataset_rejects(call, error, message, tmp_path, raw):
    before = sorted(path.name for path in tmp_path.iterdir())
    with pytest.raises(error, match=message):
        call(tmp_path, raw)

    # make_avmnist writes into a temporary directory beside the output and
    # renames it when complete, so a failure leaves nothing behind.
    assert not (tmp_path / "out").exists()
    leftovers = sorted(path.name for path in tmp_path.iterdir() if path.name not in before)
    copies = {"mnist", "fsdd", "avmnist", "flat"}
    assert [name for name in leftovers if name not in copies] == []
    assert sorted(path.name for path in raw["built"].parent.iterdir()) == ["avmnist", "fsdd", "mnist"]


@pytest.mark.parametrize("call, error, message", CONFIG_ROWS, ids=row_ids(CONFIG_ROWS))
def test_config_rejects(call, error, message, tmp_path):
    with pytest.raises(error, match=message):
        call(tmp_path)


def test_table_size():
    assert len(CLASSIFIER_ROWS) + len(DATASET_ROWS) + len(CONFIG_ROWS) >= 20
