"""Peak memory while training on a full AV-MNIST build kept uint8 and memory-mapped.

Two runs, each in a fresh process, with ``load_avmnist(mmap_mode="r",
dtype=None)`` and ``input_scale=1/255``:

- ``fit``: one ``MMDLClassifier.fit`` epoch over every training pair;
- ``grid``: ``GridSearchCV(n_jobs=2, cv=2, refit=False)`` over two learning
  rates, so that two loky workers train at once. joblib passes the memory
  maps to the workers by file name, and scikit-learn's fold indexing
  (``X[train]``) returns :class:`skmmdl.RowView` objects, so no worker
  copies its folds. The batch loader reads one batch of rows at a time.

A thread samples ``/proc/PID/smaps_rollup`` of the process and its children
every 0.2 s and reports the peak of the summed RSS (resident pages, the
file pages of the memory maps included), of the summed PSS (shared pages split
between the processes that map them) and of the private pages. The network
is small (2 channels in the first conv block, head width 16), because memory
does not depend on it but the run time does. Run from the repository root::

    python benchmarks/bench_memory.py --data /tmp/avmnist_full
"""

import argparse
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import machine_summary, print_json, run_worker  # noqa: E402

MIB = 2**20
SMAPS_FIELDS = ("Rss", "Pss", "Private_Clean", "Private_Dirty")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="AV-MNIST build directory")
    parser.add_argument("--runs", nargs="+", default=["fit", "grid"], choices=["fit", "grid"])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _descendants(pid):
    """Return ``pid`` and the ids of all its descendant processes."""
    found, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            frontier.append(child)
    return found


def _smaps_kib(pid):
    values = dict.fromkeys(SMAPS_FIELDS, 0)
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return values
    for line in lines:
        name, _, rest = line.partition(":")
        if name in values:
            values[name] = int(rest.split()[0])
    return values


class PeakSampler(threading.Thread):
    """Thread that records the peak summed RSS, PSS and private memory of a process tree."""

    def __init__(self, pid, interval=0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = {"rss": 0, "pss": 0, "private": 0, "processes": 1}
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            totals = {"rss": 0, "pss": 0, "private": 0}
            pids = _descendants(self.pid)
            for pid in pids:
                values = _smaps_kib(pid)
                totals["rss"] += values["Rss"]
                totals["pss"] += values["Pss"]
                totals["private"] += values["Private_Clean"] + values["Private_Dirty"]
            for key, value in totals.items():
                self.peak[key] = max(self.peak[key], value)
            self.peak["processes"] = max(self.peak["processes"], len(pids))
            time.sleep(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join()
        return {key: value / 1024 if key != "processes" else value
                for key, value in self.peak.items()}


def worker(kind, data_dir):
    import numpy as np
    import torch
    from sklearn.model_selection import GridSearchCV

    from skmmdl import MMDLClassifier
    from skmmdl.datasets import load_avmnist

    data = load_avmnist(data_dir, mmap_mode="r", dtype=None)
    X, y = data.X_train, data.y_train
    dataset_mib = sum(array.nbytes for array in X) / MIB
    baseline_mib = _smaps_kib(os.getpid())["Rss"] / 1024

    clf = MMDLClassifier(
        fusion="concat", encoder_channels=2, hidden_dim=16, max_epochs=1, batch_size=40,
        lr=0.05, optimizer=torch.optim.SGD, input_scale=1 / 255,
        random_state=0, verbose=0,
    )
    sampler = PeakSampler(os.getpid())
    sampler.start()
    start = time.perf_counter()
    if kind == "fit":
        clf.fit(X, y)
        score = None
    else:
        search = GridSearchCV(clf, {"lr": [0.05, 0.1]}, cv=2, n_jobs=2, refit=False)
        search.fit(X, y)
        score = float(np.max(search.cv_results_["mean_test_score"]))
    seconds = time.perf_counter() - start
    peak = sampler.stop()
    return dict(kind=kind, dataset_mib=dataset_mib, baseline_rss_mib=baseline_mib,
                peak_rss_mib=peak["rss"], peak_pss_mib=peak["pss"],
                peak_private_mib=peak["private"], processes=peak["processes"],
                ru_maxrss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                seconds=seconds, best_cv_accuracy=score,
                n_samples=int(X.n_samples), dtypes=[str(array.dtype) for array in X],
                memmap=[isinstance(array, np.memmap) for array in X])


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        print_json(worker(args.worker, args.data))
        return 0

    print(f"machine: {machine_summary()}")
    print("| run | dataset (train, uint8) MiB | RSS after import and load MiB | peak RSS MiB "
          "| peak PSS MiB | peak private MiB | processes | peak RSS / dataset | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    records = []
    for kind in args.runs:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind,
                   "--data", args.data]
        result = run_worker(command, timeout=3600)
        records.append(result)
        if "error" in result:
            print(f"| {kind} | failed: {result['error']} |" + " |" * 7)
            continue
        print(f"| {kind} | {result['dataset_mib']:.0f} | {result['baseline_rss_mib']:.0f} "
              f"| {result['peak_rss_mib']:.0f} | {result['peak_pss_mib']:.0f} "
              f"| {result['peak_private_mib']:.0f} | {result['processes']} "
              f"| {result['peak_rss_mib'] / result['dataset_mib']:.2f} "
              f"| {result['seconds']:.0f} |", flush=True)
    print(json.dumps(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
