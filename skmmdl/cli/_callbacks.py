"""Build skorch training callbacks from the ``callbacks`` section of a run configuration."""

import inspect

import torch
from skorch.callbacks import Checkpoint, EarlyStopping, LRScheduler

__all__ = ["CALLBACKS", "build_callbacks"]

# In the order the callbacks run at the end of an epoch: EarlyStopping ends
# training by raising, so it runs last, after the epoch's learning rate and
# checkpoint are recorded.
CALLBACKS = {
    "lr_scheduler": LRScheduler,
    "checkpoint": Checkpoint,
    "early_stopping": EarlyStopping,
}

# Callbacks whose default ``monitor`` reads a validation score from the history.
_NEEDS_VALIDATION = {"early_stopping": "valid_loss", "checkpoint": "valid_loss_best"}


def build_callbacks(section, estimator_params, path):
    """Return ``[(name, callback), ...]`` for the ``callbacks`` section of ``path``.

    ``section`` maps a callback name (``early_stopping``, ``checkpoint``,
    ``lr_scheduler``) to the keyword arguments of the skorch callback, or to
    nothing for its defaults. ``lr_scheduler`` takes ``policy``, the name of a
    class in ``torch.optim.lr_scheduler``, and that class's arguments. The
    callbacks are returned in the order of ``CALLBACKS``, whatever the order
    in the file.

    Raises
    ------
    ValueError
        If a name is unknown, a setting is not an argument of the callback,
        the scheduler policy does not exist, or a callback monitors a
        validation score while the estimator has no validation split.
    """
    if not isinstance(section, dict):
        raise ValueError(
            f"Config file {path}: 'callbacks' must map callback names to their "
            f"settings; got a {type(section).__name__}."
        )
    unknown = sorted(set(section) - set(CALLBACKS))
    if unknown:
        raise ValueError(
            f"Config file {path} names unknown callback(s) {unknown}; allowed "
            f"callbacks are {sorted(CALLBACKS)}."
        )

    callbacks = []
    for name in [name for name in CALLBACKS if name in section]:
        settings = dict(section[name] or {})
        callback_class = CALLBACKS[name]
        if name == "lr_scheduler":
            _check_policy(settings, path)
        else:
            _check_arguments(name, callback_class, settings, path)
        _check_validation(name, settings, estimator_params, path)
        callbacks.append((name, callback_class(**settings)))
    return callbacks


def _check_arguments(name, callback_class, settings, path):
    allowed = set(inspect.signature(callback_class).parameters) - {"self", "kwargs"}
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise ValueError(
            f"Config file {path}: callback {name!r} has unknown setting(s) {unknown}; "
            f"{callback_class.__name__} takes {sorted(allowed)}."
        )


def _check_policy(settings, path):
    policy = settings.get("policy")
    if not isinstance(policy, str) or not hasattr(torch.optim.lr_scheduler, policy):
        raise ValueError(
            f"Config file {path}: callback 'lr_scheduler' needs 'policy', the name of a "
            f"class in torch.optim.lr_scheduler such as 'StepLR'; got {policy!r}."
        )


def _check_validation(name, settings, estimator_params, path):
    default_monitor = _NEEDS_VALIDATION.get(name)
    if default_monitor is None:
        return
    monitor = settings.get("monitor", default_monitor)
    has_validation = (
        estimator_params.get("validation_fraction") is not None
        or estimator_params.get("train_split") is not None
    )
    if isinstance(monitor, str) and monitor.startswith("valid") and not has_validation:
        raise ValueError(
            f"Config file {path}: callback {name!r} monitors {monitor!r}, which needs "
            "validation data. Set estimator.validation_fraction (for example 0.1) or "
            "monitor a training score such as 'train_loss'."
        )
