"""GridSearchCV on a local dask cluster (two worker processes on 127.0.0.1).

The data reach the workers once, through ``parallel_backend("dask",
scatter=[X, y])``. Without it, every task carries its own pickled copy of
``X``, because joblib's dask backend scatters only objects that support weak
references and a ``Modalities`` (a tuple) does not.
"""

import os

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skmmdl import MMDLClassifier, Modalities

from conftest import SMALL_NET

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

GRID = {"hidden_dim": [8, 16]}
CV = 2
N_TASKS = len(GRID["hidden_dim"]) * CV


@pytest.fixture(scope="module")
def client():
    # The nanny writes OMP_NUM_THREADS=1 and similar variables into this process's
    # environment (distributed 2026.8), where later subprocesses would inherit them.
    saved_environment = dict(os.environ)
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    )
    try:
        with cluster, distributed.Client(cluster) as dask_client:
            yield dask_client
    finally:
        os.environ.clear()
        os.environ.update(saved_environment)


def _bytes_sent_to_workers(client):
    """Return the bytes the scheduler has sent to all workers over its task streams."""

    def count(dask_scheduler):
        return sum(stream.byte_count for stream in dask_scheduler.stream_comms.values())

    return client.run_on_scheduler(count)


def _search():
    estimator = MMDLClassifier(**{**SMALL_NET, "max_epochs": 1})
    return GridSearchCV(estimator, GRID, cv=CV, n_jobs=-1)


@pytest.fixture(scope="module")
def data(train_data):
    images, spectrograms, vectors, y = train_data
    return Modalities((images, spectrograms, vectors)), y


def test_cluster_listens_on_loopback(client):
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    for address in client.scheduler_info()["workers"]:
        assert address.startswith("tcp://127.0.0.1:")


def test_grid_search_matches_sequential(client, data):
    X, y = data
    with joblib.parallel_backend("dask", scatter=[X, y]):
        distributed_search = _search().fit(X, y)
    sequential_search = _search().set_params(n_jobs=1).fit(X, y)

    assert len(distributed_search.cv_results_["params"]) == N_TASKS // CV
    assert np.allclose(
        distributed_search.cv_results_["mean_test_score"],
        sequential_search.cv_results_["mean_test_score"],
    )
    assert distributed_search.best_params_ == sequential_search.best_params_


def test_scatter_sends_data_once(client, data):
    X, y = data
    data_bytes = sum(array.nbytes for array in X)

    before = _bytes_sent_to_workers(client)
    with joblib.parallel_backend("dask"):
        _search().fit(X, y)
    inline_bytes = _bytes_sent_to_workers(client) - before

    before = _bytes_sent_to_workers(client)
    with joblib.parallel_backend("dask", scatter=[X, y]):
        _search().fit(X, y)
    scattered_bytes = _bytes_sent_to_workers(client) - before

    print(
        f"\nX: {data_bytes} bytes; {N_TASKS} fit tasks; scheduler-to-worker bytes "
        f"without scatter: {inline_bytes}, with scatter: {scattered_bytes}"
    )
    # Every task carries X when it is not scattered.
    assert inline_bytes > N_TASKS * data_bytes
    # With scatter, each worker receives X once from the client (not counted here)
    # and the tasks carry only a reference: far less than one copy of X.
    assert scattered_bytes < data_bytes
