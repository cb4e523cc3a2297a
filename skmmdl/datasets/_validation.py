"""Check the scalar arguments of the dataset functions."""

import math
import numbers

__all__ = ["check_integer", "check_real", "check_seed"]


def check_integer(name, value, minimum, hint=""):
    """Return ``value`` if it is an int >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.{hint}")
    return int(value)


def check_real(name, value, interval, hint=""):
    """Return ``value`` as a float if it is a real number in ``interval``.

    ``interval`` is a tuple ``(low, high, closed)`` where ``closed`` is
    ``"left"``, ``"right"``, ``"both"`` or ``"neither"``. A bound of ``None``
    means no bound, but the value must still be finite.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number, got {type(value).__name__} {value!r}."
        )
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}.{hint}")

    low, high, closed = interval
    above_low = low is None or (value >= low if closed in ("left", "both") else value > low)
    below_high = high is None or (
        value <= high if closed in ("right", "both") else value < high
    )
    if not (above_low and below_high):
        left = "[" if closed in ("left", "both") else "("
        right = "]" if closed in ("right", "both") else ")"
        raise ValueError(
            f"{name} must be in {left}{low}, {high}{right}, got {value}.{hint}"
        )
    return value


def check_seed(name, value):
    """Return ``value`` if it is None or an int >= 0 usable as a NumPy seed."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be None or an int >= 0, got {type(value).__name__} "
            f"{value!r}. Pass an int for reproducible results."
        )
    if value < 0:
        raise ValueError(f"{name} must be None or an int >= 0, got {value}.")
    return int(value)
