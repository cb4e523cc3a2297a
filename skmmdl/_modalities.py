"""A tuple of per-modality arrays that scikit-learn can slice by sample."""

import numbers

import numpy as np

from ._row_view import RowView, is_memory_mapped

__all__ = ["Modalities"]


class Modalities(tuple):
    """Tuple of per-modality arrays that indexes by sample for scikit-learn.

    A plain tuple ``(images, audio)`` works for ``fit`` and ``predict``, but
    scikit-learn's meta-estimators (``GridSearchCV``, ``cross_val_score``,
    ``train_test_split``) count and slice their input along the first axis.
    ``Modalities`` makes a tuple of arrays behave like one array of samples
    there, and like a tuple everywhere else:

    - ``X[0]`` is the first modality and ``X[1:]`` a plain tuple of the
      others: integers and slices select modalities, as for a tuple;
    - ``X[index_array]`` and ``X[bool_mask]`` select the same samples from
      every modality and return a new ``Modalities``; for a range of samples
      use ``X[np.arange(start, stop)]``;
    - ``X.shape`` is ``(n_samples,)``, which is how scikit-learn counts
      samples; ``len(X)`` is the number of modalities, as for a tuple.

    Parameters
    ----------
    arrays : iterable of array-like
        One array per modality, each with the samples along the first axis.
        Arrays are stored as given (NumPy arrays and memory maps are not
        copied). Selecting samples of a memory-mapped modality returns a
        :class:`~skmmdl.RowView` that keeps the memory map and the indices,
        so the cross-validation folds of a memory-mapped dataset are not
        copied. The estimator reads their rows one batch at a time.

    Raises
    ------
    ValueError
        If no array is given or the arrays differ in their number of samples.
    TypeError
        If an element has no ``shape`` (for example a list of samples).

    See Also
    --------
    skorch.helper.SliceDict : the same idea for a dict of arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import train_test_split
    >>> from skmmdl import Modalities
    >>> images = np.zeros((10, 28, 28), dtype=np.uint8)
    >>> audio = np.zeros((10, 112, 112), dtype=np.float32)
    >>> X = Modalities((images, audio))
    >>> X.shape
    (10,)
    >>> X_train, X_test = train_test_split(X, test_size=0.2, random_state=0)
    >>> type(X_train).__name__, X_train.shape, X_train[1].shape
    ('Modalities', (8,), (8, 112, 112))
    """

    def __new__(cls, arrays=()):
        arrays = tuple(arrays)
        if not arrays:
            raise ValueError(
                "Modalities needs at least one array; got an empty sequence."
            )

        for position, array in enumerate(arrays):
            if not hasattr(array, "shape") or len(array.shape) == 0:
                raise TypeError(
                    f"Modality {position} must be an array with samples along "
                    f"the first axis; got {type(array).__name__}. Convert it "
                    "with numpy.asarray first."
                )

        counts = [array.shape[0] for array in arrays]
        if len(set(counts)) != 1:
            described = ", ".join(
                f"modality {position}: {count}" for position, count in enumerate(counts)
            )
            raise ValueError(
                "All modalities must have the same number of samples; got "
                f"{described}. Pair every sample across modalities before "
                "building Modalities."
            )
        return super().__new__(cls, arrays)

    @classmethod
    def _make(cls, iterable):
        """Build from an iterable of arrays, as ``namedtuple._make`` does.

        scikit-learn's output wrapper rebuilds a tuple returned by ``transform``
        with ``_make`` when the type has it, so a transformer that returns
        Modalities keeps returning Modalities.
        """
        return cls(iterable)

    def __getnewargs__(self):
        # tuple's default passes the items as separate arguments; __new__ takes one iterable.
        return (tuple(self),)

    @property
    def shape(self):
        """Number of samples, as a one-element tuple like ``ndarray.shape``."""
        return (tuple.__getitem__(self, 0).shape[0],)

    @property
    def n_samples(self):
        """Number of samples in every modality."""
        return self.shape[0]

    def __getitem__(self, key):
        # scikit-learn's _safe_indexing calls array[key, ...]; drop the Ellipsis.
        if isinstance(key, tuple) and len(key) == 2 and key[1] is Ellipsis:
            key = key[0]

        is_integer = isinstance(key, numbers.Integral) and not isinstance(key, (bool, np.bool_))
        if is_integer or isinstance(key, slice):
            return tuple.__getitem__(self, key)

        if isinstance(key, list):
            key = np.asarray(key)
        return type(self)(_select_samples(array, key) for array in tuple.__iter__(self))

    def __repr__(self):
        shapes = ", ".join(
            f"{tuple(array.shape)} {getattr(array, 'dtype', '')}".strip()
            for array in tuple.__iter__(self)
        )
        return f"Modalities(n_samples={self.n_samples}: {shapes})"


def _select_samples(array, key):
    """Return the samples ``key`` of one modality, as a RowView if it is memory-mapped."""
    if isinstance(array, RowView) or is_memory_mapped(array):
        return RowView.of(array, key)
    return array[key]
