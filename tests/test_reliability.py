"""Reproducibility, interrupted training, numerical faults and parallel fits."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.model_selection import GridSearchCV

from skmmdl import MMDLClassifier, Modalities
from skmmdl._checkpoint import CHECKPOINT_FILE, load_checkpoint
from skmmdl._device import check_fork_safe
from skmmdl.exceptions import CheckpointMismatchError, CudaForkError, NonFiniteLossError

import reliability_worker
from reliability_worker import HANG_EPOCH, PARAMS, make_data, step_schedule

WORKER = Path(reliability_worker.__file__)


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def reference(data):
    """PARAMS fitted without interruption, with the step learning-rate schedule."""
    X, y = data
    return MMDLClassifier(**PARAMS, callbacks=[("schedule", step_schedule())]).fit(X, y)


def state_of(clf):
    return {name: value.clone() for name, value in clf.module_.state_dict().items()}


def assert_same_state(first, second):
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name


def worker_environment():
    """Return this environment with torch's thread count pinned to this process's.

    Float sums depend on how many threads split them, so a worker compared
    bit for bit with this process must use the same number.
    """
    return {**os.environ, "SKMMDL_TEST_TORCH_THREADS": str(torch.get_num_threads())}


def run_worker(*args, timeout=300):
    return subprocess.run(
        [sys.executable, str(WORKER), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, check=True,
        env=worker_environment(),
    )


# -- reproducibility ------------------------------------------------------------


def test_same_seed_same_model(data, reference):
    X, y = data
    second = MMDLClassifier(**PARAMS, callbacks=[("schedule", step_schedule())]).fit(X, y)

    assert_same_state(state_of(second), state_of(reference))
    assert np.array_equal(second.predict_proba(X), reference.predict_proba(X))


def test_same_seed_across_processes(data, reference, tmp_path):
    X, y = data
    output = tmp_path / "run.npz"
    run_worker("fit", output)

    with np.load(output) as saved:
        assert np.array_equal(saved["proba"], reference.predict_proba(X))
        for name, value in reference.module_.state_dict().items():
            assert np.array_equal(saved[name], value.numpy()), name


def test_no_seed_differs(data):
    X, y = data
    params = dict(PARAMS, random_state=None, max_epochs=1)
    first = MMDLClassifier(**params).fit(X, y)
    second = MMDLClassifier(**params).fit(X, y)

    assert first.random_seed_ != second.random_seed_
    weights = "head.layers.0.weight"
    assert not torch.equal(first.module_.state_dict()[weights], second.module_.state_dict()[weights])


# -- checkpoints and resuming ---------------------------------------------------


class RecordSavedEpochs(Callback):
    """Record, at the start of each epoch, the epoch count in the checkpoint file."""

    def __init__(self, directory):
        self.directory = directory

    def initialize(self):
        self.saved_epochs_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        path = Path(self.directory) / CHECKPOINT_FILE
        self.saved_epochs_.append(load_checkpoint(path, "cpu")["epochs"] if path.exists() else None)


def test_checkpoint_after_each_epoch(data, tmp_path):
    X, y = data
    params = dict(PARAMS, max_epochs=3, checkpoint_dir=tmp_path / "nested")
    recorder = RecordSavedEpochs(params["checkpoint_dir"])
    clf = MMDLClassifier(**params, callbacks=[("record", recorder)]).fit(X, y)

    assert recorder.saved_epochs_ == [None, 1, 2]
    saved = load_checkpoint(params["checkpoint_dir"] / CHECKPOINT_FILE, "cpu")
    assert saved["epochs"] == 3
    assert saved["random_seed"] == clf.random_seed_
    assert_same_state(saved["module"], state_of(clf))
    momentum = saved["optimizers"]["optimizer"]["state"][0]["momentum_buffer"]
    assert torch.equal(momentum, clf.optimizer_.state_dict()["state"][0]["momentum_buffer"])


def test_resume_after_sigkill(data, reference, tmp_path):
    X, y = data
    directory = tmp_path / "checkpoints"
    marker = tmp_path / "inside-epoch-3"
    process = subprocess.Popen(
        [sys.executable, str(WORKER), "hang", str(directory), str(marker)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=worker_environment(),
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "worker did not reach epoch 3"
            time.sleep(0.2)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=60)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL

    killed_at = load_checkpoint(directory / CHECKPOINT_FILE, "cpu")
    assert killed_at["epochs"] == HANG_EPOCH - 1
    assert sorted(path.name for path in directory.iterdir()) == [CHECKPOINT_FILE]

    callbacks = [("schedule", step_schedule())]
    resumed = MMDLClassifier(**PARAMS, callbacks=callbacks, checkpoint_dir=directory)
    resumed.fit(X, y)

    assert len(resumed.history) == PARAMS["max_epochs"]
    assert resumed.history[:, "epoch"] == [1, 2, 3, 4]
    assert resumed.history[:, "train_loss"] == reference.history[:, "train_loss"]
    assert_same_state(state_of(resumed), state_of(reference))
    resumed_momentum = resumed.optimizer_.state_dict()["state"]
    reference_momentum = reference.optimizer_.state_dict()["state"]
    for index in reference_momentum:
        assert torch.equal(
            resumed_momentum[index]["momentum_buffer"],
            reference_momentum[index]["momentum_buffer"],
        )
    assert resumed.optimizer_.param_groups[0]["lr"] == reference.optimizer_.param_groups[0]["lr"]

    # The run is complete now, so the next fit loads it and trains no epoch.
    again = MMDLClassifier(**PARAMS, callbacks=callbacks, checkpoint_dir=directory).fit(X, y)
    assert len(again.history) == PARAMS["max_epochs"]
    assert_same_state(state_of(again), state_of(reference))


def test_checkpoint_other_settings_raises(data, tmp_path):
    X, y = data
    MMDLClassifier(**dict(PARAMS, max_epochs=1), checkpoint_dir=tmp_path).fit(X, y)
    other = MMDLClassifier(**dict(PARAMS, batch_size=6), checkpoint_dir=tmp_path)

    with pytest.raises(CheckpointMismatchError, match=r"batch_size=8, but this fit has batch_size=6.*delete"):
        other.fit(X, y)


def test_warm_start_continues(data, reference):
    X, y = data
    clf = MMDLClassifier(
        **dict(PARAMS, max_epochs=2), warm_start=True, callbacks=[("schedule", step_schedule())]
    )
    clf.fit(X, y)
    weights_after_first = state_of(clf)
    clf.fit(X, y)

    assert clf.history[:, "epoch"] == [1, 2, 3, 4]
    assert not torch.equal(weights_after_first["head.layers.0.weight"], state_of(clf)["head.layers.0.weight"])
    # Equal to one 4-epoch fit, including the step schedule's learning rate.
    assert clf.optimizer_.param_groups[0]["lr"] == reference.optimizer_.param_groups[0]["lr"]
    assert_same_state(state_of(clf), state_of(reference))


def test_partial_fit_runs_max_epochs(data, reference):
    X, y = data
    clf = MMDLClassifier(**dict(PARAMS, max_epochs=2), callbacks=[("schedule", step_schedule())])
    clf.partial_fit(X, y)
    assert len(clf.history) == 2
    clf.partial_fit(X, y)

    assert len(clf.history) == 4
    assert_same_state(state_of(clf), state_of(reference))


def test_partial_fit_new_label_raises(data):
    X, y = data
    clf = MMDLClassifier(**dict(PARAMS, max_epochs=1)).partial_fit(X, y)
    new_labels = np.where(y == 2, 7, y)

    with pytest.raises(ValueError, match=r"labels not seen in the first fit: \[7\].*Fit from scratch"):
        clf.partial_fit(X, new_labels)
    assert len(clf.history) == 1


def test_fit_without_warm_start_restarts(data):
    X, y = data
    clf = MMDLClassifier(**dict(PARAMS, max_epochs=1))
    clf.fit(X, y)
    first = state_of(clf)
    clf.fit(X, y)

    assert len(clf.history) == 1
    assert_same_state(state_of(clf), first)


# -- numerical faults -------------------------------------------------------------


def test_huge_lr_raises_non_finite(data):
    X, y = data
    clf = MMDLClassifier(**dict(PARAMS, lr=1e30))

    with pytest.raises(NonFiniteLossError, match=r"epoch 1, batch \d+: the loss is (nan|inf).*Lower lr \(now 1e\+30\)") as caught:
        clf.fit(X, y)

    assert isinstance(caught.value, FloatingPointError)
    assert caught.value.epoch == 1
    assert caught.value.batch >= 2
    for name, value in clf.module_.state_dict().items():
        assert torch.isfinite(value.float()).all(), name


def test_overflowing_input_keeps_weights(data):
    (images, vectors), y = data
    # Finite float64 values that pass the NaN check of X but exceed the float32
    # range, so they become inf when a batch is cast to float32.
    huge = np.full(vectors.shape, 1e300)
    X = (images, huge)
    untrained = MMDLClassifier(**dict(PARAMS, max_epochs=0)).fit(X, y)
    clf = MMDLClassifier(**PARAMS)

    with pytest.raises(NonFiniteLossError, match=r"epoch 1, batch 1: .*rescale inputs") as caught:
        clf.fit(X, y)

    assert (caught.value.epoch, caught.value.batch) == (1, 1)
    assert_same_state(state_of(clf), state_of(untrained))
    assert len(clf.history) == 1


# -- parallel fits and forked workers ---------------------------------------------


def test_grid_search_two_jobs(data):
    X, y = data
    search = GridSearchCV(
        MMDLClassifier(**dict(PARAMS, max_epochs=2)),
        {"hidden_dim": [4, 8]},
        cv=2,
        n_jobs=2,
        error_score="raise",
    )
    search.fit(Modalities(X), y)

    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["hidden_dim"] in (4, 8)
    assert search.predict(Modalities(X)).shape == y.shape


@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda"), "auto"])
def test_bad_fork_rejects_cuda(monkeypatch, device):
    monkeypatch.setattr(torch.cuda, "_is_in_bad_fork", lambda: True)

    with pytest.raises(CudaForkError, match=r"forked after the parent process initialised CUDA.*'spawn'"):
        check_fork_safe(device)


@pytest.mark.parametrize("device", ["cpu", torch.device("cpu"), None])
def test_bad_fork_allows_cpu(monkeypatch, device):
    monkeypatch.setattr(torch.cuda, "_is_in_bad_fork", lambda: True)
    check_fork_safe(device)


def test_good_fork_allows_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "_is_in_bad_fork", lambda: False)
    check_fork_safe("cuda")
    check_fork_safe("auto")


def test_bad_fork_fit_and_predict(data, monkeypatch):
    X, y = data
    clf = MMDLClassifier(**dict(PARAMS, max_epochs=1)).fit(X, y)
    monkeypatch.setattr(torch.cuda, "_is_in_bad_fork", lambda: True)

    with pytest.raises(CudaForkError, match=r"device='auto'"):
        clf.set_params(device="auto").predict(X)
    with pytest.raises(CudaForkError, match=r"device='cuda'"):
        MMDLClassifier(**dict(PARAMS, device="cuda")).fit(X, y)
    assert clf.set_params(device="cpu").predict(X).shape == y.shape
