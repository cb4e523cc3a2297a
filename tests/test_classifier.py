"""MMDLClassifier: input forms, scikit-learn interplay, persistence and input errors.

Every test trains a real network for one to three epochs on a few dozen
samples (see ``conftest.py``). Nothing is mocked except CUDA availability in
the cross-device loading test.
"""

import pickle
import re
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from skorch.exceptions import DeviceWarning

from skmmdl import MMDLClassifier, Modalities
from skmmdl.nn.fusion import FUSION_ALIASES, FUSIONS


class ScaleFirstModality(BaseEstimator):
    """Divide the first modality by 255 and pass the others through unchanged.

    It does not inherit TransformerMixin, whose output wrapping would split
    the returned Modalities as a tuple of (X, extras).
    """

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        first, *rest = X
        return Modalities((first / 255.0, *rest))


class PassThrough(TransformerMixin, BaseEstimator):
    """Return X unchanged, with the output wrapping that TransformerMixin adds."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def bimodal(data):
    """Return the (images, vectors) pair of a data fixture and its labels."""
    images, _, vectors, y = data
    return (images, vectors), y


# -- input forms ---------------------------------------------------------------


@pytest.mark.parametrize("container", [tuple, list, Modalities])
def test_x_container_same_model(container, train_data, small_net, fitted_clf):
    (images, vectors), y = bimodal(train_data)
    clf = MMDLClassifier(**small_net).fit(container((images, vectors)), y)
    X = Modalities((images, vectors))
    np.testing.assert_array_equal(clf.predict_proba(X), fitted_clf.predict_proba(X))


def test_image_layouts_equivalent(small_net):
    rng = np.random.default_rng(0)
    images = rng.random((12, 28, 28), dtype=np.float32)
    y = np.arange(12) % 2
    layouts = {
        "(N, 28, 28)": images,
        "(N, 1, 28, 28)": images.reshape(12, 1, 28, 28),
        "(N, 784)": images.reshape(12, 784),
    }
    settings = dict(small_net, max_epochs=1)
    probabilities = {}
    for layout, array in layouts.items():
        clf = MMDLClassifier(**settings).fit(array, y)
        assert clf.input_shapes_ == [(1, 28, 28)], layout
        probabilities[layout] = clf.predict_proba(array)

    reference = probabilities.pop("(N, 28, 28)")
    for layout, proba in probabilities.items():
        np.testing.assert_allclose(proba, reference, rtol=1e-5, err_msg=layout)


@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
def test_dtype_same_as_float32(dtype, train_data, small_net):
    (images, vectors), y = bimodal(train_data)
    # Integer-valued pixels are exact in every dtype, so training must match float32.
    pixels = np.round(images * 100)
    settings = dict(small_net, max_epochs=1, lr=1e-4)
    reference = MMDLClassifier(**settings).fit((pixels.astype(np.float32), vectors), y)
    clf = MMDLClassifier(**settings).fit((pixels.astype(dtype), vectors), y)
    X = (pixels.astype(np.float32), vectors)
    np.testing.assert_allclose(clf.predict_proba(X), reference.predict_proba(X), rtol=1e-5)


@pytest.mark.parametrize(
    "labels",
    [
        np.array([-3, 0, 7], dtype=np.int8),
        np.array([10, 20, 30], dtype=np.int64),
        np.array(["cat", "dog", "owl"]),
    ],
    ids=["int8", "int64", "str"],
)
def test_y_labels_round_trip(labels, train_data, small_net):
    (images, vectors), codes = bimodal(train_data)
    y = labels[codes]
    clf = MMDLClassifier(**small_net).fit((images, vectors), y)
    predicted = clf.predict((images, vectors))
    proba = clf.predict_proba((images, vectors))

    np.testing.assert_array_equal(clf.classes_, np.sort(labels))
    assert predicted.dtype == y.dtype
    assert set(predicted) <= set(labels)
    assert np.mean(predicted == y) >= 0.9
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert proba.shape == (len(y), 3)


def test_single_array_is_unimodal(train_data, test_data, small_net):
    _, _, vectors, y = train_data
    _, _, test_vectors, test_y = test_data
    clf = MMDLClassifier(**small_net).fit(vectors, y)
    assert clf.n_modalities_ == 1
    assert clf.n_features_in_ == 5
    assert clf.score(test_vectors, test_y) >= 0.7


def test_modality_selects_one(train_data, test_data, small_net):
    X, y = bimodal(train_data)
    X_test, y_test = bimodal(test_data)
    clf = MMDLClassifier(modality=1, **small_net).fit(X, y)
    assert clf.n_modalities_ == 1
    assert clf.input_shapes_ == [(5,)]
    assert len(clf.module_.encoders) == 1
    assert clf.score(X_test, y_test) >= 0.7


def test_modality_out_of_range(train_data, small_net):
    X, y = bimodal(train_data)
    with pytest.raises(ValueError, match="modality=2 is out of range: X has 2 modalities"):
        MMDLClassifier(modality=2, **small_net).fit(X, y)


def test_batch_of_one_predict(fitted_clf, test_data):
    X, _ = bimodal(test_data)
    proba = fitted_clf.predict_proba(Modalities(X)[np.array([0])])
    assert proba.shape == (1, 3)


def test_fit_predict_on_device(device, train_data, test_data, small_net):
    X, y = bimodal(train_data)
    X_test, y_test = bimodal(test_data)
    clf = MMDLClassifier(**dict(small_net, device=device)).fit(X, y)
    for name, parameter in clf.module_.named_parameters():
        assert parameter.device.type == device, f"{name} is on {parameter.device}"
    assert clf.score(X_test, y_test) >= 0.7


# -- scikit-learn interplay -------------------------------------------------------


def test_grid_search_lrtf_rank(train_data, small_net):
    X, y = bimodal(train_data)
    search = GridSearchCV(
        MMDLClassifier(fusion="lrtf", **dict(small_net, max_epochs=2)),
        {"rank": [4, 16]},
        cv=3,
        n_jobs=2,
    )
    search.fit(Modalities(X), y)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_params_["rank"] in (4, 16)
    assert search.best_estimator_.module_.fusion.rank == search.best_params_["rank"]
    assert search.best_score_ >= 0.7


def test_cross_val_score(train_data, small_net):
    X, y = bimodal(train_data)
    scores = cross_val_score(MMDLClassifier(**small_net), Modalities(X), y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() >= 0.7


def test_train_test_split(train_data, small_net):
    X, y = bimodal(train_data)
    X_train, X_test, y_train, y_test = train_test_split(
        Modalities(X), y, test_size=0.25, stratify=y, random_state=0
    )
    clf = MMDLClassifier(**small_net).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.7


def test_pipeline_passes_modalities(train_data, test_data, small_net):
    (images, vectors), y = bimodal(train_data)
    (test_images, test_vectors), test_y = bimodal(test_data)
    pipeline = make_pipeline(ScaleFirstModality(), MMDLClassifier(**small_net))
    pipeline.fit(Modalities((images * 255, vectors)), y)
    assert pipeline.score(Modalities((test_images * 255, test_vectors)), test_y) >= 0.7


def test_pipeline_scales_single_array(train_data, test_data, small_net):
    _, _, vectors, y = train_data
    _, _, test_vectors, test_y = test_data
    pipeline = make_pipeline(StandardScaler(), MMDLClassifier(**small_net))
    pipeline.fit(vectors * 50 + 3, y)
    assert pipeline.score(test_vectors * 50 + 3, test_y) >= 0.7


@pytest.mark.parametrize("transformer", [FunctionTransformer, PassThrough])
def test_pipeline_wrapped_transformer(transformer, train_data, small_net):
    X, y = bimodal(train_data)
    pipeline = make_pipeline(transformer(), MMDLClassifier(**dict(small_net, max_epochs=1)))
    pipeline.fit(Modalities(X), y)
    assert pipeline[-1].n_modalities_ == 2
    transformed = pipeline[0].transform(Modalities(X))
    assert isinstance(transformed, Modalities)


def test_clone_keeps_params(small_net):
    clf = MMDLClassifier("lrtf", rank=7, fusion_dim=9, **small_net)
    cloned = clone(clf)
    assert cloned is not clf
    for name, value in clf.get_params(deep=False).items():
        assert cloned.get_params(deep=False)[name] == value, name


def test_clone_of_fitted_is_unfitted(fitted_clf):
    cloned = clone(fitted_clf)
    assert not hasattr(cloned, "module_")


def test_device_auto_after_fit(fitted_clf):
    assert fitted_clf.get_params()["device"] == "auto"


def test_joblib_round_trip(fitted_clf, test_data, tmp_path):
    X, _ = bimodal(test_data)
    path = tmp_path / "model.joblib"
    joblib.dump(fitted_clf, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted_clf.predict_proba(X))
    assert loaded.get_params()["device"] == "auto"


def test_cuda_model_loads_on_cpu(fitted_clf, test_data, monkeypatch):
    X, _ = bimodal(test_data)
    cuda_model = pickle.loads(pickle.dumps(fitted_clf))
    cuda_model.device = "cuda"
    saved = pickle.dumps(cuda_model)

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(DeviceWarning) as record:
        loaded = pickle.loads(saved)
    messages = [str(warning.message) for warning in record]
    assert any("no CUDA devices are available" in message for message in messages), messages
    assert torch.device(loaded.device).type == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted_clf.predict_proba(X))


def test_random_state_reproducible(train_data, test_data, small_net):
    X, y = bimodal(train_data)
    X_test, _ = bimodal(test_data)
    settings = dict(small_net, max_epochs=1)
    first = MMDLClassifier(**dict(settings, random_state=3)).fit(X, y)
    second = MMDLClassifier(**dict(settings, random_state=3)).fit(X, y)
    other = MMDLClassifier(**dict(settings, random_state=4)).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X_test), second.predict_proba(X_test))
    assert not np.array_equal(first.predict_proba(X_test), other.predict_proba(X_test))


def test_random_state_keeps_global_rng(train_data, small_net):
    X, y = bimodal(train_data)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    MMDLClassifier(**dict(small_net, max_epochs=1)).fit(X, y)
    assert torch.equal(torch.rand(3), expected)


def test_verbose_prints_epoch_table(train_data, small_net, capsys):
    X, y = bimodal(train_data)
    MMDLClassifier(**dict(small_net, verbose=1, max_epochs=2)).fit(X, y)
    out = capsys.readouterr().out
    assert re.search(r"epoch\s+train_loss", out)
    assert re.search(r"^\s+2\s", out, flags=re.MULTILINE)


def test_verbose_zero_prints_nothing(train_data, small_net, capsys):
    X, y = bimodal(train_data)
    MMDLClassifier(**dict(small_net, verbose=0, max_epochs=1)).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_validation_fraction_adds_valid_acc(train_data, small_net):
    X, y = bimodal(train_data)
    clf = MMDLClassifier(validation_fraction=0.25, **small_net).fit(X, y)
    assert "valid_acc" in clf.history[-1]
    assert "valid_loss" in clf.history[-1]
    assert len(clf.history) == small_net["max_epochs"]


def test_fusion_param_accepts_every_name():
    names = sorted(FUSIONS) + sorted(FUSION_ALIASES)
    for name in names:
        assert MMDLClassifier(name).fusion == name


# -- bad input -----------------------------------------------------------------------


def test_modality_sample_counts_differ(train_data, small_net):
    (images, vectors), y = bimodal(train_data)
    with pytest.raises(ValueError, match=r"modality 0: 40, modality 1: 48"):
        MMDLClassifier(**small_net).fit((images[:40], vectors), y)


def test_list_of_sample_pairs(train_data, small_net):
    (images, vectors), y = bimodal(train_data)
    pairs = [(image, vector) for image, vector in zip(images, vectors)]
    with pytest.raises(ValueError, match="X is a list of 48 samples, each a tuple of 2 arrays"):
        MMDLClassifier(**small_net).fit(pairs, y)


def test_bimodal_with_three_modalities(train_data, small_net):
    images, spectrograms, vectors, y = train_data
    with pytest.raises(
        ValueError, match="fusion='bimodal_matrix' combines exactly 2 modalities, but X has 3"
    ):
        MMDLClassifier("bimodal_matrix", **small_net).fit((images, spectrograms, vectors), y)


def test_image_too_small_for_blocks(train_data, small_net):
    X, y = bimodal(train_data)
    with pytest.raises(
        ValueError, match="16 x 16 pixels, too small for encoder_blocks=5.*at most 4 blocks"
    ):
        MMDLClassifier(encoder_blocks=5, **small_net).fit(X, y)


@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_non_finite_modality(bad_value, train_data, small_net):
    (images, vectors), y = bimodal(train_data)
    vectors = vectors.copy()
    vectors[3, 2] = bad_value
    with pytest.raises(ValueError, match="NaN or infinity: modality 1 has 1 non-finite"):
        MMDLClassifier(**small_net).fit((images, vectors), y)


@pytest.mark.parametrize("empty", [(), []], ids=["tuple", "list"])
def test_empty_x(empty, small_net):
    with pytest.raises(ValueError, match="X is empty"):
        MMDLClassifier(**small_net).fit(empty, [0, 1])


def test_zero_samples(small_net):
    with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 5\)\)"):
        MMDLClassifier(**small_net).fit(np.zeros((0, 5)), [])


def test_rank_zero(train_data, small_net):
    X, y = bimodal(train_data)
    with pytest.raises(ValueError, match="'rank' parameter .* an int >= 1. Got 0 instead"):
        MMDLClassifier("lrtf", **dict(small_net, rank=0)).fit(X, y)


def test_bad_params_in_one_message(train_data, small_net):
    X, y = bimodal(train_data)
    settings = dict(small_net, rank=0, hidden_dim=-2)
    with pytest.raises(ValueError, match="'rank' parameter") as error:
        MMDLClassifier(**settings).fit(X, y)
    assert "'hidden_dim' parameter" in str(error.value)


def test_single_class_y(train_data, small_net):
    X, y = bimodal(train_data)
    with pytest.raises(ValueError, match=r"y contains 1 class \(.*0\)"):
        MMDLClassifier(**small_net).fit(X, np.zeros_like(y))


def test_unknown_fusion(train_data, small_net):
    X, y = bimodal(train_data)
    with pytest.raises(ValueError, match="'fusion' parameter .* Got 'sum' instead") as error:
        MMDLClassifier("sum", **small_net).fit(X, y)
    for name in sorted(FUSIONS) + sorted(FUSION_ALIASES):
        assert repr(name) in str(error.value), name


def test_predict_wrong_modality_count(fitted_clf, test_data):
    images, _, _, _ = test_data
    with pytest.raises(ValueError, match="X has 1 modalities, but the model was fitted on 2"):
        fitted_clf.predict((images,))


def test_predict_wrong_sample_shape(fitted_clf, test_data):
    (images, vectors), _ = bimodal(test_data)
    with pytest.raises(
        ValueError, match=r"Modality 0 has per-sample shape \(12, 12\).*fitted on \(1, 16, 16\)"
    ):
        fitted_clf.predict((images[:, :12, :12], vectors))


def test_y_length_mismatch(train_data, small_net):
    X, y = bimodal(train_data)
    with pytest.raises(ValueError, match="X has 48 samples but y has 47 labels"):
        MMDLClassifier(**small_net).fit(X, y[:-1])


def test_unknown_optimizer_kwarg(train_data, small_net):
    # skorch passes optimizer__* through to the optimizer, which rejects the name.
    X, y = bimodal(train_data)
    with pytest.raises(TypeError, match="unexpected keyword argument 'lrr'"):
        MMDLClassifier(optimizer__lrr=0.1, **small_net).fit(X, y)


def test_unknown_kwarg(train_data, small_net):
    X, y = bimodal(train_data)
    with pytest.raises(ValueError, match=r"got unexpected argument\(s\) lrr"):
        MMDLClassifier(lrr=0.1, **small_net).fit(X, y)


def test_predict_before_fit(test_data):
    X, _ = bimodal(test_data)
    with pytest.raises(NotFittedError, match="MMDLClassifier"):
        MMDLClassifier().predict(X)


def test_predict_proba_before_fit(test_data):
    X, _ = bimodal(test_data)
    with pytest.raises(NotFittedError):
        MMDLClassifier().predict_proba(X)


def test_warning_free_fit(train_data, small_net):
    X, y = bimodal(train_data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MMDLClassifier(**dict(small_net, max_epochs=1)).fit(X, y)
