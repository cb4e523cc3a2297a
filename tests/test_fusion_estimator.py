"""Every fusion through the estimator: real AV-MNIST pairs, its own grid search, joblib."""

import io

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from skmmdl import MMDLClassifier, Modalities
from skmmdl.datasets import load_avmnist_sample
from skmmdl.nn.fusion import FUSIONS

from conftest import SMALL_NET

FUSION_NAMES = sorted(FUSIONS)

# The parameters each fusion owns, searched over two values each. Fusions
# without one of their own search the head width that they feed.
OWN_PARAMETERS = {
    "concat": {"hidden_dim": [8, 16]},
    "early": {"fusion_dim": [8, 16]},
    "tensor": {"hidden_dim": [8, 16]},
    "lrtf": {"rank": [2, 4]},
    "bimodal_matrix": {"fusion_dim": [8, 16]},
    "bimodal_vector": {"hidden_dim": [8, 16]},
    "bimodal_scalar": {"hidden_dim": [8, 16]},
}


@pytest.fixture(scope="module")
def sample_subset():
    """400 training and 200 test pairs of the embedded AV-MNIST sample, all 10 digits."""
    data = load_avmnist_sample()
    train = np.arange(400)
    test = np.arange(200)
    return data.X_train[train], data.y_train[train], data.X_test[test], data.y_test[test]


def test_own_parameters_cover_every_fusion():
    assert sorted(OWN_PARAMETERS) == FUSION_NAMES


@pytest.mark.parametrize("fusion", FUSION_NAMES)
def test_fusion_learns_avmnist_sample(fusion, sample_subset):
    X_train, y_train, X_test, y_test = sample_subset
    # Early fusion is one MLP on 13,328 raw values per pair: cheap per epoch but
    # slower to converge than the CNN encoders.
    max_epochs = 10 if fusion == "early" else 3
    clf = MMDLClassifier(
        fusion,
        rank=8,
        fusion_dim=64,
        batch_size=20,
        max_epochs=max_epochs,
        optimizer=torch.optim.Adam,
        lr=0.003,
        random_state=0,
        verbose=0,
    )
    clf.fit(X_train, y_train)

    # Ten balanced classes: chance is about 0.1.
    assert clf.score(X_test, y_test) > 0.3


@pytest.mark.parametrize("fusion", FUSION_NAMES)
def test_fusion_grid_search_own_params(fusion, train_data):
    images, _, vectors, y = train_data
    X = Modalities((images, vectors))
    search = GridSearchCV(
        MMDLClassifier(fusion, **dict(SMALL_NET, max_epochs=2)), OWN_PARAMETERS[fusion], cv=2
    )
    search.fit(X, y)

    searched = search.cv_results_["params"]
    assert len(searched) == 2
    assert search.best_params_ in searched
    assert search.best_estimator_.fusion == fusion


@pytest.mark.parametrize("fusion", FUSION_NAMES)
def test_fusion_joblib_round_trip(fusion, train_data):
    images, _, vectors, y = train_data
    X = Modalities((images, vectors))
    clf = MMDLClassifier(fusion, **dict(SMALL_NET, max_epochs=1)).fit(X, y)

    buffer = io.BytesIO()
    joblib.dump(clf, buffer)
    buffer.seek(0)
    loaded = joblib.load(buffer)

    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
