"""YAML run configurations: estimator parameters plus data options."""

import difflib
from pathlib import Path

import torch
import yaml

from ._callbacks import build_callbacks

__all__ = ["load_config", "OPTIMIZERS"]

OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
}

_SECTIONS = {"estimator", "data", "description", "callbacks"}
_DATA_KEYS = {"data_dir", "dtype", "mmap_mode", "random_state"}


def _check_estimator_keys(path, estimator):
    """Raise ValueError for estimator keys that are not MMDLClassifier parameters.

    Keys with a double underscore (``optimizer__weight_decay``) are routed
    settings, which skorch checks when the estimator is fitted.
    """
    from .. import MMDLClassifier

    allowed = set(MMDLClassifier().get_params(deep=False))
    unknown = sorted(
        (key for key in estimator if "__" not in str(key) and key not in allowed), key=str
    )
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(str(key), allowed, n=1)
        if close:
            hints.append(f"{close[0]!r} for {key!r}")
    hint = f" Did you mean {', '.join(hints)}?" if hints else ""
    raise ValueError(
        f"Config file {path} has unknown estimator parameter(s) {unknown}.{hint} Use "
        "MMDLClassifier parameters, or double-underscore settings such as "
        "optimizer__weight_decay."
    )


def load_config(path):
    """Read a run configuration and return ``(estimator_params, data_options, description)``.

    The file is a YAML mapping with an ``estimator`` section (keyword arguments
    of :class:`skmmdl.MMDLClassifier`; ``optimizer`` may be one of
    ``sgd``, ``adam``, ``adamw``, ``rmsprop``), an optional ``data`` section
    (``data_dir``, ``mmap_mode``, ``dtype``, ``random_state``; see
    :func:`skmmdl.datasets.load_avmnist`) and an optional
    ``description`` string. An optional ``callbacks`` section maps
    ``early_stopping``, ``checkpoint`` and ``lr_scheduler`` to the settings
    of those skorch callbacks.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the YAML is invalid, a section, data key or estimator parameter is
        unknown, the optimizer name is unknown, or a callback or its setting
        is invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Config file not found: {path}. Pass --cfg with a YAML file.")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"Config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(config, dict):
        raise ValueError(
            f"Config file {path} must contain a mapping with an 'estimator' section; "
            f"got a {type(config).__name__}."
        )

    unknown = sorted(set(config) - _SECTIONS)
    if unknown:
        raise ValueError(
            f"Config file {path} has unknown top-level key(s) {unknown}; allowed keys "
            f"are {sorted(_SECTIONS)}."
        )

    estimator = dict(config.get("estimator") or {})
    data = dict(config.get("data") or {})
    unknown = sorted(set(data) - _DATA_KEYS)
    if unknown:
        raise ValueError(
            f"Config file {path} has unknown data option(s) {unknown}; allowed options "
            f"are {sorted(_DATA_KEYS)}."
        )

    _check_estimator_keys(path, estimator)

    optimizer = estimator.get("optimizer")
    if isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(
                f"Config file {path} names optimizer {optimizer!r}; use one of "
                f"{sorted(OPTIMIZERS)}."
            )
        estimator["optimizer"] = OPTIMIZERS[optimizer.lower()]
    if config.get("callbacks") is not None:
        if "callbacks" in estimator:
            raise ValueError(
                f"Config file {path} sets callbacks both at the top level and in the "
                "estimator section; keep only the top-level 'callbacks' section."
            )
        estimator["callbacks"] = build_callbacks(config["callbacks"], estimator, path)
    return estimator, data, str(config.get("description", "")).strip()
