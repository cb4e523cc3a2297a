"""What the user sees while training: skorch's epoch table and the progress bar."""

import pytest

from skmmdl import MMDLClassifier, Modalities

from conftest import SMALL_NET


@pytest.fixture
def X_y(train_data):
    images, _, vectors, y = train_data
    return Modalities((images, vectors)), y


def test_verbose_0_prints_nothing(X_y, capsys):
    X, y = X_y
    MMDLClassifier(**{**SMALL_NET, "max_epochs": 1, "verbose": 0}).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_verbose_1_prints_epoch_table(X_y, capsys):
    X, y = X_y
    MMDLClassifier(**{**SMALL_NET, "max_epochs": 2, "verbose": 1}).fit(X, y)
    captured = capsys.readouterr()
    assert "epoch" in captured.out
    assert "train_loss" in captured.out
    assert captured.out.count("\n") >= 4
    assert "it/s" not in captured.err


def test_verbose_2_shows_progress_bar(X_y, capsys):
    X, y = X_y
    clf = MMDLClassifier(**{**SMALL_NET, "max_epochs": 2, "verbose": 2}).fit(X, y)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out
    # 48 samples in batches of 8: tqdm draws the bar with its total, "0/6 [", at each
    # epoch start. Later redraws are rate-limited, so they are not checked.
    assert "0/6 [" in captured.err
    assert "progress_bar" in dict(clf.callbacks_)


def test_verbose_2_full_batch(X_y, capsys):
    X, y = X_y
    params = {**SMALL_NET, "max_epochs": 2, "verbose": 2, "batch_size": -1}
    MMDLClassifier(**params).fit(X, y)
    err = capsys.readouterr().err
    # The batch count is unknown in the first epoch and counted from it in the second.
    assert "0it [" in err
    assert "0/1 [" in err
