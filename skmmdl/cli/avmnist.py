"""Train an MMDLClassifier on AV-MNIST from a YAML config and report test accuracy.

Usage::

    skmmdl-avmnist --cfg configs/late_fusion.yaml --output AVMNIST-LATE
    skmmdl-avmnist --cfg configs/low_rank_tensor_fusion.yaml --data-dir /data/avmnist

Without ``--data-dir`` (or ``data.data_dir`` in the config) the run uses the
AV-MNIST sample embedded in the package. The output directory receives the
fitted model (``model.joblib``), ``metrics.json``, ``history.json``,
``learning_curve.png`` and ``confusion_matrix.png`` (with matplotlib) and the
per-epoch ``checkpoints/``, from which a rerun with the same ``--output``
resumes an interrupted run.
"""

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import joblib
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from .. import MMDLClassifier, __version__
from ..datasets import load_avmnist, load_avmnist_sample
from ._config import load_config
from ._plots import save_plots

logger = logging.getLogger(__name__)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skmmdl-avmnist",
        description="Train a multimodal classifier on AV-MNIST (MNIST digit images "
        "paired with spoken-digit spectrograms) and report its test accuracy.",
    )
    parser.add_argument("--cfg", required=True, help="YAML run configuration.")
    parser.add_argument(
        "--output", default=None,
        help="Directory for model.joblib, metrics.json and history.json, with "
        "per-epoch checkpoints in <output>/checkpoints so that an interrupted run "
        "resumes when rerun with the same --output (created if missing; default: "
        "do not save).",
    )
    parser.add_argument(
        "--data-dir", default=None,
        help="AV-MNIST directory in the MultiBench layout (as written by "
        "skmmdl-make-avmnist); default: the embedded sample.",
    )
    parser.add_argument(
        "--max-epochs", type=int, default=None, help="Override the config's max_epochs."
    )
    parser.add_argument(
        "--device", default=None, help="Override the device: auto, cpu, cuda or cuda:N."
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0,
        help="Also print log messages (-v info, -vv debug).",
    )
    return parser


def _load_data(data_dir, data_options):
    mmap_mode = data_options.get("mmap_mode")
    # dtype: null keeps the stored uint8 for a full build larger than memory,
    # and the estimator's input_scale then scales each batch.
    dtype = data_options.get("dtype", "float32")
    if data_dir is None:
        return load_avmnist_sample(dtype=dtype), "embedded sample"
    return load_avmnist(data_dir, mmap_mode=mmap_mode, dtype=dtype), str(data_dir)


def run(config_path, *, output=None, data_dir=None, max_epochs=None, device=None):
    """Train the configured model and return the metrics dictionary."""
    params, data_options, description = load_config(config_path)
    if max_epochs is not None:
        params["max_epochs"] = max_epochs
    if device is not None:
        params["device"] = device
    if output is not None:
        params.setdefault("checkpoint_dir", str(Path(output) / "checkpoints"))
    data_dir = data_dir if data_dir is not None else data_options.get("data_dir")

    data, source = _load_data(data_dir, data_options)
    print(
        f"AV-MNIST ({source}): {data.X_train.n_samples} training and "
        f"{data.X_test.n_samples} test pairs"
    )
    if description:
        print(description)

    estimator = MMDLClassifier(**params)
    start = time.perf_counter()
    estimator.fit(data.X_train, data.y_train)
    fit_seconds = time.perf_counter() - start

    start = time.perf_counter()
    test_accuracy = float(estimator.score(data.X_test, data.y_test))
    predict_seconds = time.perf_counter() - start
    train_accuracy = float(estimator.score(data.X_train, data.y_train))
    print(f"Test accuracy: {test_accuracy:.4f} (train accuracy {train_accuracy:.4f})")

    metrics = {
        "config": str(config_path),
        "data": source,
        "n_train": int(data.X_train.n_samples),
        "n_test": int(data.X_test.n_samples),
        "test_accuracy": test_accuracy,
        "train_accuracy": train_accuracy,
        "epochs": len(estimator.history),
        "fit_seconds": round(fit_seconds, 3),
        "predict_seconds": round(predict_seconds, 3),
        "device": str(next(estimator.module_.parameters()).device),
        "params": {key: repr(value) for key, value in clone(estimator).get_params().items()
                   if key in params},
        "skmmdl_version": __version__,
    }
    if output is not None:
        _save(estimator, metrics, Path(output))
        predictions = estimator.predict(data.X_test)
        for plot in save_plots(estimator, data.y_test, predictions, Path(output)):
            print(f"Saved {plot.name} to {output}")
    return metrics


def _save(estimator, metrics, output):
    output.mkdir(parents=True, exist_ok=True)
    joblib.dump(estimator, output / "model.joblib")
    estimator.history.to_file(str(output / "history.json"))
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    print(f"Saved model.joblib, metrics.json and history.json to {output}")


def main(argv=None):
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        run(
            args.cfg, output=args.output, data_dir=args.data_dir,
            max_epochs=args.max_epochs, device=args.device,
        )
    except (
        FileNotFoundError, ValueError, TypeError, NotFittedError, FloatingPointError
    ) as exc:
        print(f"skmmdl-avmnist: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
