"""The AV-MNIST command line: skorch callbacks from the YAML config, and the output plots."""

import json
import logging
import sys

import numpy as np
import pytest
import yaml
from skorch.callbacks import Checkpoint, EarlyStopping, LRScheduler

from skmmdl.cli._config import load_config
from skmmdl.cli._plots import save_plots
from skmmdl.cli.avmnist import _load_data, main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _write_config(tmp_path, config):
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture
def tiny_avmnist(tmp_path):
    """A 32-pair training and 20-pair test AV-MNIST directory in the MultiBench layout."""
    rng = np.random.default_rng(0)
    root = tmp_path / "avmnist"
    for name in ("image", "audio"):
        (root / name).mkdir(parents=True)
    for part, n_samples in (("train", 32), ("test", 20)):
        labels = np.arange(n_samples) % 2
        images = rng.uniform(0, 100, (n_samples, 784)) + 150 * labels[:, None]
        np.save(root / "image" / f"{part}_data.npy", images)
        np.save(root / "audio" / f"{part}_data.npy", rng.uniform(0, 255, (n_samples, 112, 112)))
        np.save(root / f"{part}_labels.npy", labels)
    return root


def test_config_builds_callbacks(tmp_path):
    path = _write_config(tmp_path, {
        "estimator": {"validation_fraction": 0.2},
        "callbacks": {
            "early_stopping": {"patience": 3},
            "checkpoint": {"dirname": str(tmp_path / "best")},
            "lr_scheduler": {"policy": "StepLR", "step_size": 2, "gamma": 0.5},
        },
    })
    params, _, _ = load_config(path)
    callbacks = dict(params["callbacks"])

    assert isinstance(callbacks["early_stopping"], EarlyStopping)
    assert callbacks["early_stopping"].patience == 3
    assert isinstance(callbacks["checkpoint"], Checkpoint)
    assert isinstance(callbacks["lr_scheduler"], LRScheduler)
    assert callbacks["lr_scheduler"].policy == "StepLR"


@pytest.mark.parametrize(
    "section, message",
    [
        ({"early_stop": {}}, r"unknown callback\(s\) \['early_stop'\]"),
        ({"early_stopping": {"patiance": 2}}, r"unknown setting\(s\) \['patiance'\]"),
        ({"lr_scheduler": {"policy": "NoSuchLR"}}, "needs 'policy'"),
        ({"lr_scheduler": {}}, "needs 'policy'"),
        ({"early_stopping": {}}, "monitors 'valid_loss', which needs validation data"),
        ({"checkpoint": {}}, "monitors 'valid_loss_best', which needs validation data"),
        (["early_stopping"], "must map callback names"),
    ],
)
def test_config_rejects_invalid_callbacks(tmp_path, section, message):
    path = _write_config(tmp_path, {"estimator": {}, "callbacks": section})
    with pytest.raises(ValueError, match=message):
        load_config(path)


def test_config_rejects_two_callback_sections(tmp_path):
    path = _write_config(tmp_path, {
        "estimator": {"callbacks": None}, "callbacks": {"early_stopping": {"monitor": "train_loss"}}
    })
    with pytest.raises(ValueError, match="both at the top level and in the estimator"):
        load_config(path)


def test_cli_callbacks_and_plots(tmp_path, tiny_avmnist, capsys):
    config = _write_config(tmp_path, {
        "estimator": {
            "validation_fraction": 0.25, "max_epochs": 5, "batch_size": 8, "lr": 0.01,
            "encoder_channels": 2, "hidden_dim": 8, "verbose": 0, "random_state": 0,
        },
        # threshold=100 means no epoch improves by enough, so training stops after 2 epochs.
        "callbacks": {
            "early_stopping": {
                "monitor": "train_loss", "patience": 1, "threshold": 100,
                "threshold_mode": "abs",
            },
            "lr_scheduler": {"policy": "StepLR", "step_size": 1, "gamma": 0.5},
        },
    })
    output = tmp_path / "run"
    exit_code = main(["--cfg", str(config), "--data-dir", str(tiny_avmnist), "--output", str(output)])

    assert exit_code == 0, capsys.readouterr().err
    metrics = json.loads((output / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["epochs"] == 2
    history = json.loads((output / "history.json").read_text(encoding="utf-8"))
    assert [row["event_lr"] for row in history] == pytest.approx([0.01, 0.005])
    for name in ("learning_curve.png", "confusion_matrix.png"):
        assert (output / name).read_bytes()[:8] == PNG_SIGNATURE
    assert "Saved confusion_matrix.png" in capsys.readouterr().out


def test_plots_without_matplotlib(fitted_clf, test_data, tmp_path, monkeypatch, caplog):
    images, _, vectors, y = test_data
    predictions = fitted_clf.predict((images, vectors))
    # A None entry in sys.modules makes "import matplotlib" raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)

    with caplog.at_level(logging.WARNING, logger="skmmdl.cli._plots"):
        written = save_plots(fitted_clf, y, predictions, tmp_path)

    assert written == []
    assert "pip install 'skmmdl[plot]'" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_plots_written(fitted_clf, test_data, tmp_path):
    pytest.importorskip("matplotlib")
    images, _, vectors, y = test_data
    written = save_plots(fitted_clf, y, fitted_clf.predict((images, vectors)), tmp_path)
    assert [path.name for path in written] == ["learning_curve.png", "confusion_matrix.png"]
    for path in written:
        assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_cli_keeps_stored_dtype_when_asked(tmp_path, tiny_avmnist, capsys):
    data, _ = _load_data(tiny_avmnist, {"mmap_mode": "r", "dtype": None})
    assert [array.dtype for array in data.X_train] == [np.float64, np.float64]
    assert all(isinstance(array, np.memmap) for array in data.X_train)

    config = _write_config(tmp_path, {
        "estimator": {"max_epochs": 1, "batch_size": 8, "encoder_channels": 2,
                      "hidden_dim": 8, "input_scale": 1 / 255, "verbose": 0},
        "data": {"mmap_mode": "r", "dtype": None},
    })
    exit_code = main(["--cfg", str(config), "--data-dir", str(tiny_avmnist),
                      "--output", str(tmp_path / "run")])

    assert exit_code == 0, capsys.readouterr().err
    assert (tmp_path / "run" / "metrics.json").exists()
