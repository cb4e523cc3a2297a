"""scikit-learn's common estimator checks on MMDLClassifier with a 2-D array as X.

A single 2-D array is a one-modality input, so every check that feeds the
estimator a NumPy array exercises the vector (MLP) encoder path.
"""

import numpy as np
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmmdl import MMDLClassifier


def _small_classifier():
    # check_classifiers_train needs a training accuracy above 0.83 on 300 blobs.
    # With these widths and 5 epochs, Adam at lr=0.01 reached at least 0.92 for
    # each random_state from 0 to 7, but SGD at the default lr=0.05 fell to 0.64
    # for one of them.
    return MMDLClassifier(
        hidden_dim=16,
        mlp_dims=(16,),
        max_epochs=5,
        batch_size=32,
        optimizer=torch.optim.Adam,
        lr=0.01,
        random_state=0,
        verbose=0,
    )


def _expected_failed_checks(estimator):
    # Map a check's name to the reason it cannot pass. Every check passes with
    # scikit-learn 1.9 and skorch 1.4, so the map is empty.
    return {}


@parametrize_with_checks(
    [_small_classifier()], expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_cnn_predictions_independent_of_batch():
    # The common checks use few features, so they never reach the CNN encoder.
    # 256 features are read as a 16 x 16 image, which goes through BatchNorm:
    # in eval mode its running statistics make each prediction independent of
    # the other samples in the batch.
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    X = rng.random((40, 256), dtype=np.float32) + y[:, None]
    clf = MMDLClassifier(
        encoder_channels=2,
        encoder_blocks=2,
        hidden_dim=8,
        max_epochs=2,
        batch_size=16,
        random_state=0,
        verbose=0,
    ).fit(X, y)

    assert clf.input_shapes_ == [(1, 16, 16)]
    whole = clf.predict_proba(X)
    clf.set_params(batch_size=7)
    in_batches_of_7 = clf.predict_proba(X)
    one_by_one = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(in_batches_of_7, whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(one_by_one, whole, rtol=1e-5, atol=1e-6)


def test_pickle_with_public_skorch_attributes_loads():
    # Before history_, initialized_ and virtual_params_ became properties, a
    # pickle stored them under these public names.
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    X = rng.random((20, 3), dtype=np.float32) + y[:, None]
    clf = MMDLClassifier(max_epochs=1, random_state=0, verbose=0).fit(X, y)
    state = clf.__getstate__()
    for public in ("history_", "initialized_", "virtual_params_"):
        state[public] = state.pop("_" + public.rstrip("_"))

    loaded = MMDLClassifier.__new__(MMDLClassifier)
    loaded.__setstate__(state)

    assert loaded.initialized_ is True
    assert len(loaded.history_) == 1
    assert "history_" not in vars(loaded)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
