"""Input checks for MMDLClassifier: turn X into Modalities and reject bad input early."""

import math

import numpy as np

from ._modalities import Modalities
from ._row_view import RowView

# A 2-D modality whose width is side**2 with side >= this is read as a one-channel
# square image (784 -> 28 x 28, 12544 -> 112 x 112); narrower widths stay vectors.
MIN_AUTO_IMAGE_SIDE = 16

# Rows checked for NaN per step, so that memory-mapped data is never loaded whole.
_FINITE_CHECK_BYTES = 64 * 2**20


def as_modalities(X):
    """Return ``X`` as :class:`Modalities` without copying the arrays.

    Accepts ``Modalities``, a tuple or list of arrays (one per modality), or a
    single array-like (one modality). Rejects, with a message naming the fix,
    a list of per-sample pairs, sparse matrices and empty input.
    """
    if isinstance(X, Modalities):
        return X

    if isinstance(X, (tuple, list)):
        if len(X) == 0:
            raise ValueError("X is empty: pass a tuple with one array per modality.")
        if all(_is_array(element) for element in X):
            shapes = {tuple(element.shape) for element in X}
            if len(X) > 8 and len(shapes) == 1:
                raise ValueError(
                    f"X is a {type(X).__name__} of {len(X)} arrays of equal shape "
                    f"{shapes.pop()}, which looks like a list of samples rather than "
                    "one array per modality. Stack the samples first: "
                    "X = numpy.stack(samples)."
                )
            return Modalities(_to_numpy(element) for element in X)
        first = X[0]
        if isinstance(first, (tuple, list)) and first and all(_is_array(e) for e in first):
            raise ValueError(
                f"X is a {type(X).__name__} of {len(X)} samples, each a "
                f"{type(first).__name__} of {len(first)} arrays. Pass one array per "
                "modality instead, e.g. X = tuple(numpy.stack(m) for m in zip(*pairs))."
            )

    if _is_sparse(X):
        raise TypeError(
            "Sparse input is not supported: MMDLClassifier needs dense arrays. "
            "Convert with X.toarray()."
        )
    return Modalities((_to_numpy(X),))


def _is_array(value):
    return hasattr(value, "shape") and hasattr(value, "dtype") and not _is_sparse(value)


def _is_sparse(value):
    return hasattr(value, "tocsr") or type(value).__module__.startswith("scipy.sparse")


def _to_numpy(value):
    if _is_sparse(value):
        raise TypeError(
            "Sparse input is not supported: MMDLClassifier needs dense arrays. "
            "Convert with X.toarray()."
        )
    if hasattr(value, "detach"):  # torch.Tensor
        return value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, RowView)):
        return value
    return np.asarray(value)


def check_modality(array, position):
    """Check one modality's dtype, shape and values; return it, cast only if not numeric.

    Numeric arrays (bool, integer, float) are returned unchanged; the batch
    loader casts each batch to float32. Object arrays are converted to float32
    here, which raises TypeError for non-numbers.
    """
    name = f"modality {position}"
    if np.iscomplexobj(array):
        raise ValueError(
            f"Complex data not supported: {name} has dtype {array.dtype}. "
            "Pass the real and imaginary parts as separate features."
        )
    if array.dtype == object:
        array = np.asarray(array, dtype=np.float32)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise TypeError(
            f"{name} has dtype {array.dtype}; expected numbers (bool, integer or "
            "float). Encode it as numbers before fitting."
        )

    if array.ndim < 2:
        raise ValueError(
            f"Expected 2D array or more, got {array.ndim}D array instead: {name} has "
            f"shape {array.shape}. Reshape your data with samples along the first "
            "axis, e.g. x.reshape(-1, 1) for a single feature or x.reshape(1, -1) "
            "for a single sample."
        )
    if array.ndim > 4:
        raise ValueError(
            f"{name} has shape {array.shape}; expected (N, D) vectors, (N, H, W) or "
            "(N, C, H, W) images."
        )
    if array.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={array.shape}) while a minimum of 1 "
            f"is required: {name} is empty."
        )
    if math.prod(array.shape[1:]) == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={array.shape}) while a minimum of 1 "
            f"is required: {name} has no features."
        )

    _check_finite(array, name)
    return array


def _check_finite(array, name):
    if not np.issubdtype(array.dtype, np.floating):
        return
    row_bytes = max(1, array[0].nbytes)
    step = max(1, _FINITE_CHECK_BYTES // row_bytes)
    n_bad = 0
    for start in range(0, array.shape[0], step):
        n_bad += int(array.size // array.shape[0] * min(step, array.shape[0] - start)
                     - np.count_nonzero(np.isfinite(array[start:start + step])))
    if n_bad:
        raise ValueError(
            f"Input X contains NaN or infinity: {name} has {n_bad} non-finite "
            "value(s). Impute or drop those samples before fitting."
        )


def sample_shape(array, requested, position):
    """Return the per-sample shape the encoder takes for ``array``.

    ``requested`` is "auto" or an explicit shape. "auto" maps ``(N, H, W)`` to
    ``(1, H, W)``, keeps ``(N, C, H, W)``, and maps ``(N, D)`` to a one-channel
    square image when ``D == side**2`` with ``side >= 16``, else to ``(D,)``.
    """
    given = tuple(array.shape[1:])
    size = math.prod(given)
    if requested is None or requested == "auto":
        if len(given) == 2:
            return (1, *given)
        if len(given) == 3:
            return given
        side = math.isqrt(size)
        if side * side == size and side >= MIN_AUTO_IMAGE_SIDE:
            return (1, side, side)
        return given

    requested = tuple(int(dim) for dim in requested)
    if math.prod(requested) != size or len(requested) not in (1, 3):
        raise ValueError(
            f"input_shapes[{position}]={requested} does not fit modality {position} "
            f"of per-sample shape {given} ({size} values); give (D,) or (C, H, W) "
            f"with {size} values in all, or 'auto'."
        )
    return requested
