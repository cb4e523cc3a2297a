"""Save and load a fitted MMDLClassifier with skops, without pickle.

Which formats run code when a file is loaded:

- ``pickle`` and ``joblib`` (``joblib.dump(clf, path)``) run whatever code the
  file names. Load them only from sources you trust.
- ``skops.io.dump(clf)`` on the estimator itself is NOT safe either. skorch
  (version 1.4) stores the network, optimizer and criterion as a pickle byte
  string in ``__getstate__``. Its ``__setstate__`` unpickles that string
  without restriction, so a crafted file runs code as soon as
  ``MMDLClassifier`` is trusted.
- :func:`dump` and :func:`load` here store the constructor parameters, the
  fitted attributes, the network weights as NumPy arrays and the history as
  JSON text. :func:`load` passes the file to ``skops.io.load``, which only
  builds the types in ``trusted`` and raises for any other, then rebuilds the
  estimator. No pickle byte string is involved.
"""

import json

import numpy as np

__all__ = ["dump", "load", "trusted_types"]

_FORMAT = "skmmdl.MMDLClassifier"
_FORMAT_VERSION = 1
_FITTED_ATTRIBUTES = (
    "classes_inferred_",
    "input_shapes_",
    "n_modalities_",
    "random_seed_",
    "n_features_in_",
)

# Types that the default constructor parameters of MMDLClassifier refer to,
# plus the optimizers of the example configs. skops only imports them on load.
_DEFAULT_TRUSTED = (
    "skmmdl.nn.network.MultimodalNetwork",
    "torch.nn.modules.loss.CrossEntropyLoss",
    "torch.optim.sgd.SGD",
    "torch.optim.adam.Adam",
    "torch.optim.adamw.AdamW",
    "torch.optim.rmsprop.RMSprop",
    "skorch.dataset.Dataset",
    "torch.utils.data.dataloader.DataLoader",
)


def trusted_types():
    """Return the type names that :func:`load` trusts by default.

    These are the classes a fitted :class:`~skmmdl.MMDLClassifier` refers to
    through its default parameters (network, loss, data loader) and the
    optimizers SGD, Adam, AdamW and RMSprop. A model built with other classes
    (another optimizer, callbacks) needs their names added; read them with
    ``skops.io.get_untrusted_types(file=path)`` and check them first.

    Returns
    -------
    types : list of str
        Fully qualified type names, as ``skops.io.load(trusted=...)`` takes them.

    Examples
    --------
    >>> from skmmdl.persistence import trusted_types
    >>> "torch.optim.sgd.SGD" in trusted_types()
    True
    """
    return list(_DEFAULT_TRUSTED)


def _to_state(estimator):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "module_")
    fitted = {
        name: getattr(estimator, name)
        for name in _FITTED_ATTRIBUTES
        if hasattr(estimator, name)
    }
    fitted["input_shapes_"] = [list(shape) for shape in fitted["input_shapes_"]]
    weights = {
        name: tensor.detach().cpu().numpy()
        for name, tensor in estimator.module_.state_dict().items()
    }
    return {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "params": estimator.get_params(deep=False),
        "fitted": fitted,
        "module_state": weights,
        "history": json.dumps(estimator.history.to_list(), default=_to_json),
    }


def _to_json(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(
        f"Cannot save the history value {value!r}: type {type(value).__name__} has no "
        "JSON form. Store only numbers, strings and lists in the history."
    )


def dump(estimator, file):
    """Save a fitted MMDLClassifier to a skops file that loads without pickle.

    The optimizer's internal state (momentum buffers) is not saved, so a
    loaded model predicts exactly like the saved one, but continuing training
    with ``warm_start=True`` restarts the optimizer.

    Parameters
    ----------
    estimator : MMDLClassifier
        A fitted classifier.
    file : str or path-like
        Path of the file to write (``.skops`` by convention).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    """
    import skops.io

    skops.io.dump(_to_state(estimator), file)


def load(file, *, trusted=None):
    """Load a classifier written by :func:`dump`.

    Parameters
    ----------
    file : str or path-like
        Path of a file written by :func:`dump`.
    trusted : list of str or None, default=None
        Type names that may be imported while loading; None means
        :func:`trusted_types`. Any other type in the file raises.

    Returns
    -------
    estimator : MMDLClassifier
        The fitted classifier, on the device its ``device`` parameter selects.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        If the file refers to a type outside ``trusted``.
    ValueError
        If the file was not written by :func:`dump`.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from skmmdl import MMDLClassifier
    >>> from skmmdl import persistence
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(20) % 2
    >>> X = (rng.random((20, 4)) + y[:, None], rng.random((20, 3)))
    >>> clf = MMDLClassifier(max_epochs=2, verbose=0, random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     persistence.dump(clf, f"{tmp}/model.skops")
    ...     loaded = persistence.load(f"{tmp}/model.skops")
    >>> bool(np.array_equal(loaded.predict_proba(X), clf.predict_proba(X)))
    True
    """
    import skops.io
    import torch
    from skorch.history import History

    from ._classifier import MMDLClassifier

    trusted = trusted_types() if trusted is None else list(trusted)
    state = skops.io.load(file, trusted=trusted)
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(
            f"{file} was not written by skmmdl.persistence.dump; load it with the "
            "tool that wrote it."
        )
    if state.get("format_version") != _FORMAT_VERSION:
        raise ValueError(
            f"{file} has format version {state.get('format_version')!r}; this skmmdl "
            f"reads version {_FORMAT_VERSION}. Save the model again with this version."
        )

    estimator = MMDLClassifier(**state["params"])
    fitted = dict(state["fitted"])
    fitted["input_shapes_"] = [tuple(shape) for shape in fitted["input_shapes_"]]
    for name, value in fitted.items():
        setattr(estimator, name, value)

    estimator.initialize()
    weights = {name: torch.from_numpy(np.asarray(array)) for name, array in state["module_state"].items()}
    estimator.module_.load_state_dict(weights)
    estimator.history_ = History(json.loads(state["history"]))
    return estimator
