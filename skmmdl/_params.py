"""The declared parameter table of MMDLClassifier and its checker.

Each entry maps a parameter to a predicate and the phrase that describes the
allowed values, so that every message names the parameter, what is allowed and
the value received.
"""

import numbers
import os

import numpy as np
import torch

from .nn.fusion import FUSION_ALIASES, FUSIONS


def _is_int(value, minimum=None):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        return False
    return minimum is None or value >= minimum


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _ints_or_int(value, minimum, allow_none=False):
    def ok(item):
        return (allow_none and item is None) or _is_int(item, minimum)

    if isinstance(value, (list, tuple)):
        return len(value) > 0 and all(ok(item) for item in value)
    return ok(value)


_FUSION_NAMES = sorted(set(FUSIONS) | set(FUSION_ALIASES))

PARAMETER_CONSTRAINTS = {
    "fusion": (
        lambda v: isinstance(v, str) and v in _FUSION_NAMES,
        "one of " + ", ".join(repr(name) for name in _FUSION_NAMES),
    ),
    "modality": (lambda v: v is None or _is_int(v, 0), "None or an int >= 0"),
    "rank": (lambda v: _is_int(v, 1), "an int >= 1"),
    "fusion_dim": (lambda v: v is None or _is_int(v, 1), "None or an int >= 1"),
    "hidden_dim": (lambda v: _is_int(v, 1), "an int >= 1"),
    "encoder_channels": (
        lambda v: _ints_or_int(v, 1), "an int >= 1 or a list of them, one per modality"
    ),
    "encoder_blocks": (
        lambda v: _ints_or_int(v, 1, allow_none=True),
        "None, an int >= 1, or a list of them, one per modality",
    ),
    "mlp_dims": (
        lambda v: isinstance(v, (list, tuple)) and all(_is_int(d, 1) for d in v),
        "a list of ints >= 1 (may be empty)",
    ),
    "input_shapes": (
        lambda v: v == "auto" or (isinstance(v, (list, tuple)) and len(v) > 0),
        "'auto' or a list with one shape (or None) per modality",
    ),
    "validation_fraction": (
        lambda v: v is None or (_is_real(v) and 0 < v < 1),
        "None or a float in (0, 1)",
    ),
    "max_epochs": (lambda v: _is_int(v, 0), "an int >= 0"),
    "batch_size": (lambda v: _is_int(v, 1) or v == -1, "an int >= 1, or -1 for full batch"),
    "lr": (lambda v: _is_real(v) and v > 0, "a float > 0"),
    "device": (
        lambda v: v is None or v == "auto" or isinstance(v, (str, torch.device)),
        "'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device",
    ),
    "random_state": (
        lambda v: v is None or _is_int(v, 0) or isinstance(v, np.random.RandomState),
        "None, an int >= 0 or a numpy.random.RandomState",
    ),
    "input_scale": (
        lambda v: v is None
        or (_is_real(v) and v > 0)
        or (
            isinstance(v, (list, tuple))
            and len(v) > 0
            and all(item is None or (_is_real(item) and item > 0) for item in v)
        ),
        "None, a float > 0, or a list of them, one per modality",
    ),
    "mixed_precision": (lambda v: v is None or v == "bfloat16", "None or 'bfloat16'"),
    "channels_last": (lambda v: isinstance(v, (bool, np.bool_)), "a bool"),
    "checkpoint_dir": (
        lambda v: v is None or isinstance(v, (str, os.PathLike)),
        "None or a directory path (str or os.PathLike)",
    ),
    "verbose": (lambda v: _is_int(v, 0) or isinstance(v, bool), "an int >= 0"),
}


def validate_parameters(estimator):
    """Raise ValueError for every parameter outside its declared range, all in one message."""
    problems = []
    for name, (is_valid, allowed) in PARAMETER_CONSTRAINTS.items():
        value = getattr(estimator, name)
        if not is_valid(value):
            problems.append(
                f"The '{name}' parameter of {type(estimator).__name__} must be "
                f"{allowed}. Got {value!r} instead."
            )
    if problems:
        raise ValueError("\n".join(problems))
