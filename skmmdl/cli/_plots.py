"""Learning-curve and confusion-matrix plots for the AV-MNIST example's output directory."""

import logging

logger = logging.getLogger(__name__)

__all__ = ["save_plots"]

PLOT_FILES = ("learning_curve.png", "confusion_matrix.png")


def save_plots(estimator, y_true, y_pred, output):
    """Write ``learning_curve.png`` and ``confusion_matrix.png`` to ``output``.

    Uses matplotlib's non-interactive ``Agg`` backend, so it works without a
    display. Returns the paths written, or an empty list (with a warning) when
    matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        logger.warning(
            "matplotlib is not installed, so %s were not written. Install it with "
            "pip install 'skmmdl[plot]'.",
            " and ".join(PLOT_FILES),
        )
        return []
    from sklearn.metrics import ConfusionMatrixDisplay

    learning_curve = output / PLOT_FILES[0]
    figure = _plot_history(plt, estimator.history)
    figure.savefig(learning_curve, dpi=100)
    plt.close(figure)

    confusion = output / PLOT_FILES[1]
    display = ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=estimator.classes_, colorbar=False
    )
    display.ax_.set_title("Test confusion matrix")
    display.figure_.savefig(confusion, dpi=100)
    plt.close(display.figure_)
    return [learning_curve, confusion]


def _plot_history(plt, history):
    from matplotlib.ticker import MaxNLocator

    epochs = history[:, "epoch"]
    figure, loss_axis = plt.subplots(figsize=(6, 4))
    for key in ("train_loss", "valid_loss"):
        values = [row.get(key) for row in history]
        if all(value is not None for value in values):
            loss_axis.plot(epochs, values, marker="o", label=key)
    loss_axis.set_xlabel("epoch")
    loss_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_axis.set_ylabel("loss")

    accuracy = [row.get("valid_acc") for row in history]
    if all(value is not None for value in accuracy):
        accuracy_axis = loss_axis.twinx()
        accuracy_axis.plot(epochs, accuracy, color="tab:green", marker="s", label="valid_acc")
        accuracy_axis.set_ylabel("validation accuracy")
        accuracy_axis.legend(loc="upper right")
    loss_axis.legend(loc="upper left")
    loss_axis.set_title("Learning curve")
    figure.tight_layout()
    return figure
