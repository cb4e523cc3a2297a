"""Saving a fitted MMDLClassifier: skops without pickle, and joblib."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from skmmdl import MMDLClassifier, Modalities
from skmmdl import persistence

from conftest import SMALL_NET

skops_io = pytest.importorskip("skops.io")


@pytest.fixture
def X_test(test_data):
    images, _, vectors, _ = test_data
    return Modalities((images, vectors))


def test_skops_round_trip(fitted_clf, X_test, tmp_path):
    path = tmp_path / "model.skops"
    persistence.dump(fitted_clf, path)
    loaded = persistence.load(path)

    assert type(loaded) is MMDLClassifier
    assert np.array_equal(loaded.predict_proba(X_test), fitted_clf.predict_proba(X_test))
    assert np.array_equal(loaded.classes_, fitted_clf.classes_)
    assert loaded.input_shapes_ == fitted_clf.input_shapes_
    assert len(loaded.history) == len(fitted_clf.history)
    assert loaded.get_params()["lr"] == fitted_clf.get_params()["lr"]


# Fitted attributes that initialize() rebuilds from the parameters and the stored ones.
REBUILT_ATTRIBUTES = {
    "callbacks_", "criterion_", "cuda_dependent_attributes_", "init_context_",
    "module_", "optimizer_", "prefixes_",
}


def test_skops_stores_every_fitted_attribute(fitted_clf, tmp_path):
    """A new fitted attribute must be stored by persistence.dump or rebuilt on load."""
    fitted = {name for name in vars(fitted_clf) if name.endswith("_") and not name.startswith("_")}
    stored = set(persistence._FITTED_ATTRIBUTES)
    assert fitted - REBUILT_ATTRIBUTES <= stored

    path = tmp_path / "model.skops"
    persistence.dump(fitted_clf, path)
    loaded = persistence.load(path)
    for name in sorted((fitted - REBUILT_ATTRIBUTES) & stored):
        assert np.array_equal(
            np.asarray(getattr(loaded, name), dtype=object),
            np.asarray(getattr(fitted_clf, name), dtype=object),
        ), name


def test_skops_file_needs_only_trusted_types(fitted_clf, tmp_path):
    path = tmp_path / "model.skops"
    persistence.dump(fitted_clf, path)
    needed = skops_io.get_untrusted_types(file=path)
    assert set(needed) <= set(persistence.trusted_types())


def test_skops_rejects_untrusted_type(train_data, tmp_path):
    images, _, vectors, y = train_data
    params = {**SMALL_NET, "max_epochs": 1, "optimizer": torch.optim.Adagrad}
    clf = MMDLClassifier(**params).fit(Modalities((images, vectors)), y)
    path = tmp_path / "model.skops"
    persistence.dump(clf, path)

    with pytest.raises(skops_io.exceptions.UntrustedTypesFoundException, match="Adagrad"):
        persistence.load(path)

    trusted = persistence.trusted_types() + ["torch.optim.adagrad.Adagrad"]
    loaded = persistence.load(path, trusted=trusted)
    assert loaded.optimizer is torch.optim.Adagrad


def test_skops_rejects_foreign_file(tmp_path):
    path = tmp_path / "other.skops"
    skops_io.dump({"weights": np.zeros(3)}, path)
    with pytest.raises(ValueError, match="was not written by skmmdl.persistence.dump"):
        persistence.load(path)


def test_dump_unfitted_raises(tmp_path):
    with pytest.raises(NotFittedError):
        persistence.dump(MMDLClassifier(), tmp_path / "model.skops")


def test_joblib_round_trip(fitted_clf, X_test, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(fitted_clf, path)
    loaded = joblib.load(path)
    assert np.array_equal(loaded.predict_proba(X_test), fitted_clf.predict_proba(X_test))


class _TouchOnUnpickle:
    """Pickle payload that creates a file when unpickled, standing in for any code."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (type(self.path).touch, (self.path,))


def test_raw_skops_of_estimator_runs_code(fitted_clf, tmp_path, monkeypatch):
    """skops.io on the estimator itself unpickles skorch's byte string: the reason for dump().

    If this test starts failing, skorch or skops stopped unpickling that
    byte string on load; update the module docstring of skmmdl.persistence.
    """
    marker = tmp_path / "code-ran"
    original = MMDLClassifier.__getstate__

    def crafted_state(self):
        state = original(self)
        state["__cuda_dependent_attributes__"] = pickle.dumps({"x": _TouchOnUnpickle(marker)})
        return state

    clean_types = skops_io.get_untrusted_types(data=skops_io.dumps(fitted_clf))
    monkeypatch.setattr(MMDLClassifier, "__getstate__", crafted_state)
    crafted = skops_io.dumps(fitted_clf)
    monkeypatch.undo()

    assert set(skops_io.get_untrusted_types(data=crafted)) == set(clean_types)
    skops_io.loads(crafted, trusted=clean_types)
    assert marker.exists()
