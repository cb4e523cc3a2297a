"""Moving fitted models between machines: CUDA-saved pickles on a CPU-only machine,
and a model saved by skmmdl 0.1 that later versions must keep loading."""

import contextlib
import io
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from skorch.callbacks import LRScheduler
from skorch.exceptions import DeviceWarning

from skmmdl import MMDLClassifier

from reliability_worker import PARAMS, make_data

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@contextlib.contextmanager
def storages_tagged_as_cuda():
    """Make torch.save record every CPU tensor as stored on cuda:0.

    The bytes then match a model saved on a GPU: loading them without a
    map_location fails on a machine without CUDA. This uses torch's private
    location-tag registry (torch 2.x), because no GPU is available here.
    """

    def tag_cpu_as_cuda(storage):
        return "cuda:0" if storage.device.type == "cpu" else None

    def defer_to_other_deserializers(storage, location):
        return None

    entry = (-100, tag_cpu_as_cuda, defer_to_other_deserializers)
    registry = torch.serialization._package_registry
    registry.append(entry)
    registry.sort(key=lambda item: item[0])
    try:
        yield
    finally:
        registry.remove(entry)


@pytest.fixture(scope="module")
def cuda_trained():
    """Adam with a StepLR callback, fitted on the CPU, then marked device='cuda'."""
    X, y = make_data()
    params = {key: value for key, value in PARAMS.items() if key != "optimizer__momentum"}
    params.update(optimizer=torch.optim.Adam, lr=0.01, max_epochs=2)
    schedule = LRScheduler(torch.optim.lr_scheduler.StepLR, step_size=1)
    clf = MMDLClassifier(**params, callbacks=[("schedule", schedule)]).fit(X, y)
    proba = clf.predict_proba(X)
    clf.device = "cuda"
    buffer = io.BytesIO()
    with storages_tagged_as_cuda():
        joblib.dump(clf, buffer)
    return buffer.getvalue(), proba


def test_cuda_tagging_is_effective(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    tensor_bytes = io.BytesIO()
    with storages_tagged_as_cuda():
        torch.save(torch.ones(2), tensor_bytes)
    tensor_bytes.seek(0)

    with pytest.raises(RuntimeError, match="CUDA device"):
        torch.load(tensor_bytes, weights_only=True)


def test_cuda_pickle_loads_on_cpu(cuda_trained, monkeypatch):
    saved, proba = cuda_trained
    X, _ = make_data()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    with pytest.warns(DeviceWarning, match="CUDA"):
        loaded = joblib.load(io.BytesIO(saved))

    assert torch.device(loaded.device).type == "cpu"
    assert np.array_equal(loaded.predict_proba(X), proba)
    scheduler = dict(loaded.callbacks_)["schedule"].lr_scheduler_
    assert scheduler.optimizer.param_groups[0]["params"][0].device.type == "cpu"
    exp_avg = next(iter(loaded.optimizer_.state.values()))["exp_avg"]
    assert exp_avg.device.type == "cpu"


def test_cuda_pickle_keeps_training(cuda_trained, monkeypatch):
    saved, _ = cuda_trained
    X, y = make_data()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(DeviceWarning):
        loaded = joblib.load(io.BytesIO(saved))

    loaded.set_params(warm_start=True, max_epochs=1).fit(X, y)

    assert len(loaded.history) == 3
    assert loaded.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01 * 0.1**3)


def test_v0_1_fixture_predicts(monkeypatch):
    expected = np.load(FIXTURES / "mmdl_v0_1_expected.npz")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    clf = joblib.load(FIXTURES / "mmdl_v0_1.joblib")
    X = (expected["images"], expected["vectors"])

    assert type(clf) is MMDLClassifier
    assert np.array_equal(clf.classes_, expected["classes"])
    np.testing.assert_allclose(clf.predict_proba(X), expected["proba"], rtol=1e-5, atol=1e-6)
    assert np.array_equal(clf.predict(X), expected["classes"][expected["proba"].argmax(axis=1)])
    assert clf.get_params()["hidden_dim"] == 4
    assert clf.history[:, "epoch"] == [1, 2, 3]
