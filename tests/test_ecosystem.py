"""MMDLClassifier inside scikit-learn's meta-estimators, scorers, inspection and plots."""

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import cross_validate

from skmmdl import MMDLClassifier, Modalities
from skmmdl.inspection import modality_importance

from conftest import N_CLASSES, SMALL_NET


def test_calibrated_classifier(train_data, test_data):
    images, _, vectors, y = train_data
    test_images, _, test_vectors, y_test = test_data
    calibrated = CalibratedClassifierCV(
        MMDLClassifier(**{**SMALL_NET, "max_epochs": 2}), cv=2, method="sigmoid"
    )
    calibrated.fit(Modalities((images, vectors)), y)

    proba = calibrated.predict_proba(Modalities((test_images, test_vectors)))
    assert proba.shape == (len(y_test), N_CLASSES)
    assert np.allclose(proba.sum(axis=1), 1)
    assert len(calibrated.calibrated_classifiers_) == 2
    assert calibrated.score(Modalities((test_images, test_vectors)), y_test) > 0.5


def test_cross_validate_several_scorers(train_data):
    images, _, vectors, y = train_data
    scoring = ["accuracy", "balanced_accuracy", "f1_macro", "neg_log_loss"]
    result = cross_validate(
        MMDLClassifier(**{**SMALL_NET, "max_epochs": 2}), Modalities((images, vectors)), y,
        cv=2, scoring=scoring,
    )
    for name in scoring:
        assert result[f"test_{name}"].shape == (2,)
        assert np.all(np.isfinite(result[f"test_{name}"]))
    assert np.all(result["test_accuracy"] > 1 / N_CLASSES)
    assert np.all(result["test_neg_log_loss"] < 0)


def test_modality_importance_shapes(fitted_clf, test_data):
    images, _, vectors, y = test_data
    X = Modalities((images, vectors))
    result = modality_importance(fitted_clf, X, y, n_repeats=3, random_state=0)

    assert result.importances.shape == (2, 3)
    assert result.importances_mean.shape == (2,)
    assert np.all(result.importances_std >= 0)
    assert result.baseline_score == pytest.approx(fitted_clf.score(X, y))
    again = modality_importance(fitted_clf, X, y, n_repeats=3, random_state=0)
    assert np.array_equal(result.importances, again.importances)


def test_modality_importance_ignored_modality(train_data, test_data):
    """A modality of pure noise must matter far less than an informative one."""
    images, _, _, y = train_data
    test_images, _, _, y_test = test_data
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((len(y), 5)).astype(np.float32)
    test_noise = rng.standard_normal((len(y_test), 5)).astype(np.float32)
    clf = MMDLClassifier(**SMALL_NET).fit(Modalities((images, noise)), y)

    result = modality_importance(
        clf, Modalities((test_images, test_noise)), y_test, n_repeats=4, random_state=0
    )
    assert result.importances_mean[0] > 0.3
    assert result.importances_mean[0] > result.importances_mean[1] + 0.2


def test_modality_importance_scoring(fitted_clf, test_data):
    images, _, vectors, y = test_data
    result = modality_importance(
        fitted_clf, (images, vectors), y, scoring="neg_log_loss", n_repeats=2, random_state=0
    )
    assert result.baseline_score < 0


@pytest.mark.parametrize("n_repeats", [0, 1.5, True])
def test_modality_importance_invalid_repeats(fitted_clf, test_data, n_repeats):
    images, _, vectors, y = test_data
    with pytest.raises(ValueError, match="n_repeats must be an int >= 1"):
        modality_importance(fitted_clf, (images, vectors), y, n_repeats=n_repeats)


def test_confusion_matrix_display(fitted_clf, test_data, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    images, _, vectors, y = test_data
    predictions = fitted_clf.predict(Modalities((images, vectors)))

    display = ConfusionMatrixDisplay.from_predictions(y, predictions)
    display.figure_.savefig(tmp_path / "confusion.png")

    assert display.confusion_matrix.shape == (N_CLASSES, N_CLASSES)
    assert display.confusion_matrix.sum() == len(y)
    assert np.trace(display.confusion_matrix) == np.sum(predictions == y)
    assert (tmp_path / "confusion.png").stat().st_size > 0
