"""The per-epoch progress bar that ``verbose=2`` adds to skorch's default callbacks."""

from skorch.callbacks import ProgressBar

__all__ = ["add_progress_bar"]


def add_progress_bar(default_callbacks, estimator):
    """Return ``default_callbacks`` plus a tqdm bar over the batches when ``verbose >= 2``.

    The bar counts batches from the dataset size and ``batch_size``. With
    ``batch_size=-1`` (one batch per epoch) that count is unknown before the
    first epoch, so the bar then counts the batches of the previous epoch.
    """
    if estimator.verbose < 2:
        return default_callbacks
    batch_sizes = [
        estimator.batch_size,
        getattr(estimator, "iterator_train__batch_size", None),
        getattr(estimator, "iterator_valid__batch_size", None),
    ]
    batches_per_epoch = "count" if -1 in batch_sizes else "auto"
    bar = ProgressBar(batches_per_epoch=batches_per_epoch, detect_notebook=False)
    return [*default_callbacks, ("progress_bar", bar)]
