"""ModalityTransformer: per-modality preprocessing inside Pipeline and GridSearchCV."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skmmdl import MMDLClassifier, Modalities, ModalityTransformer

from conftest import SMALL_NET


@pytest.fixture
def image_vector(train_data):
    images, _, vectors, y = train_data
    # Shift and scale the vectors so that standardising them changes them visibly.
    return Modalities((images, 10.0 + 3.0 * vectors)), y


def test_scaler_output_shapes_and_stats(image_vector):
    X, _ = image_vector
    prep = ModalityTransformer([("image", StandardScaler()), ("vector", StandardScaler())])
    Xt = prep.fit_transform(X)

    assert isinstance(Xt, Modalities)
    assert Xt[0].shape == X[0].shape
    assert Xt[1].shape == X[1].shape
    assert np.allclose(Xt[1].mean(axis=0), 0, atol=1e-5)
    assert np.allclose(Xt[0].reshape(len(Xt[0]), -1).std(axis=0), 1, atol=1e-3)
    assert prep.sample_shapes_ == [(16, 16), (5,)]
    assert prep.named_transformers_.vector.mean_.shape == (5,)


def test_passthrough_keeps_array(image_vector):
    X, _ = image_vector
    prep = ModalityTransformer([("image", "passthrough"), ("vector", StandardScaler())])
    Xt = prep.fit(X).transform(X)
    assert Xt[0] is X[0]


def test_width_change_returns_2d(image_vector):
    X, _ = image_vector
    prep = ModalityTransformer([("image", PCA(n_components=4)), ("vector", "passthrough")])
    Xt = prep.fit_transform(X)
    assert Xt[0].shape == (X.n_samples, 4)


def test_drop_removes_modality(image_vector):
    X, _ = image_vector
    prep = ModalityTransformer([("image", "drop"), ("vector", "passthrough")])
    Xt = prep.fit_transform(X)
    assert len(Xt) == 1
    assert Xt[0] is X[1]


def test_transform_uses_training_statistics(image_vector):
    X, _ = image_vector
    prep = ModalityTransformer([("image", "passthrough"), ("vector", StandardScaler())])
    first, second = np.arange(24), np.arange(24, 48)
    prep.fit(X[first])
    Xt = prep.transform(X[second])
    expected = (X[1][24:] - X[1][:24].mean(axis=0)) / X[1][:24].std(axis=0)
    assert np.allclose(Xt[1], expected, atol=1e-4)


def test_cv_fits_on_training_fold(image_vector):
    X, y = image_vector
    pipe = Pipeline([
        ("prep", ModalityTransformer([("image", "passthrough"), ("vector", StandardScaler())])),
        ("clf", MMDLClassifier(**{**SMALL_NET, "max_epochs": 1})),
    ])
    result = cross_validate(
        pipe, X, y, cv=KFold(2), return_estimator=True, return_indices=True
    )
    for fitted, train in zip(result["estimator"], result["indices"]["train"]):
        scaler = fitted.named_steps["prep"].named_transformers_.vector
        assert np.allclose(scaler.mean_, X[1][train].mean(axis=0), atol=1e-4)
        assert not np.allclose(scaler.mean_, X[1].mean(axis=0), atol=1e-4)


def test_grid_search_routes_modality_params(image_vector):
    X, y = image_vector
    pipe = Pipeline([
        ("prep", ModalityTransformer([("image", "passthrough"), ("vector", StandardScaler())])),
        ("clf", MMDLClassifier(**{**SMALL_NET, "max_epochs": 1})),
    ])
    grid = {"prep__vector__with_std": [True, False]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)

    assert len(search.cv_results_["params"]) == 2
    seen = {params["prep__vector__with_std"] for params in search.cv_results_["params"]}
    assert seen == {True, False}
    best = search.best_estimator_.named_steps["prep"]
    assert best.named_transformers_.vector.with_std == search.best_params_["prep__vector__with_std"]
    assert search.predict(X).shape == y.shape


def test_get_set_params_and_clone():
    prep = ModalityTransformer([("image", "passthrough"), ("audio", StandardScaler())])
    params = prep.get_params()
    assert params["audio__with_mean"] is True
    assert params["image"] == "passthrough"

    prep.set_params(audio__with_mean=False, image=FunctionTransformer())
    assert prep.transformers[1][1].with_mean is False
    assert isinstance(prep.transformers[0][1], FunctionTransformer)
    assert clone(prep).get_params()["audio__with_mean"] is False


def test_modality_count_mismatch(image_vector):
    X, _ = image_vector
    prep = ModalityTransformer([("image", "passthrough")])
    with pytest.raises(ValueError, match="X has 2 modalities but transformers has 1"):
        prep.fit(X)


def test_shape_change_after_fit(image_vector):
    X, _ = image_vector
    prep = ModalityTransformer([("image", "passthrough"), ("vector", StandardScaler())]).fit(X)
    with pytest.raises(ValueError, match=r"per-sample shapes \[\(16, 16\), \(4,\)\]"):
        prep.transform(Modalities((X[0], X[1][:, :4])))


@pytest.mark.parametrize(
    "transformers, error, message",
    [
        ([], ValueError, "non-empty list"),
        ([("image", "keep"), ("v", "passthrough")], ValueError, "only strings allowed"),
        ([("image", object()), ("v", "passthrough")], TypeError, "must implement fit and transform"),
        ([("a__b", "passthrough"), ("v", "passthrough")], ValueError, "__"),
        ([("a", "passthrough"), ("a", "passthrough")], ValueError, "not unique"),
        ([("image", "drop"), ("v", "drop")], ValueError, "Every modality is set to 'drop'"),
    ],
)
def test_invalid_transformers(image_vector, transformers, error, message):
    X, _ = image_vector
    with pytest.raises(error, match=message):
        ModalityTransformer(transformers).fit(X)
