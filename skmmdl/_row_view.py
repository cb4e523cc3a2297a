"""Rows of a memory-mapped array, selected by index and read only when sliced.

scikit-learn's cross-validation indexes ``X`` with each fold's sample indices
(``X[train]``), which copies the fold's rows. For memory-mapped data, and for
large arrays that joblib memory-maps for its worker processes, that copy is
a second copy of the dataset in every worker. A :class:`RowView` keeps the
memory map and the indices instead, so the batch loader reads one batch of
rows at a time.
"""

import mmap
import numbers

import numpy as np

__all__ = ["RowView", "is_memory_mapped", "shared_file_map"]

# How far up an array's ``.base`` chain to look for the memory map behind it.
_MAX_BASE_DEPTH = 16


def _base_chain(array):
    """Yield ``array`` and the objects up its ``.base`` chain (a RowView's base too)."""
    for _ in range(_MAX_BASE_DEPTH):
        if array is None:
            return
        yield array
        array = getattr(array, "base", None)


def is_memory_mapped(array):
    """Return whether ``array`` is, or is a view of, a memory-mapped file."""
    # A memmap's rows copied out by fancy indexing are a plain array, so the
    # test is the mmap object at the end of the chain, not the type.
    return any(isinstance(link, mmap.mmap) for link in _base_chain(array))


def shared_file_map(array):
    """Return the ``mmap.mmap`` behind ``array`` if it maps a file shared, else None.

    Only a ``numpy.memmap`` opened with mode "r", "r+" or "w+" qualifies. Its
    pages can be dropped from the process and read back from the file, while
    mode "c" (copy-on-write) pages may hold changes that exist nowhere else.
    """
    for link in _base_chain(array):
        if isinstance(link, np.memmap) and isinstance(link.base, mmap.mmap):
            return link.base if link.mode in ("r", "r+", "w+") else None
    return None


class RowView:
    """Rows ``indices`` of ``base``, read from ``base`` only when sliced.

    It has the ``shape``, ``dtype`` and ``ndim`` of ``base[indices]``.
    Indexing it (``view[3]``, ``view[10:50]``, ``view[index_array]``) reads
    those rows and returns a NumPy array, and ``numpy.asarray(view)`` reads
    all of them. :meth:`select` returns a narrower view without reading. As with
    a NumPy view, later writes to ``base`` show through.

    Parameters
    ----------
    base : numpy.ndarray
        The array to read, usually a ``numpy.memmap``.
    indices : array of int
        Rows of ``base``, in order; repeats are allowed.
    """

    def __init__(self, base, indices):
        self.base = base
        self.indices = np.asarray(indices, dtype=np.intp)
        if self.indices.ndim != 1:
            raise ValueError(
                f"RowView indices must be 1-D; got shape {self.indices.shape}. Pass "
                "a 1-D array of row numbers."
            )

    @classmethod
    def of(cls, array, key):
        """Return the rows ``key`` (index array or boolean mask) of ``array`` as a view."""
        if isinstance(array, cls):
            return array.select(key)
        return cls(array, np.arange(array.shape[0])[key])

    def select(self, key):
        """Return the view of rows ``key`` (index array, boolean mask or slice) of this view."""
        return type(self)(self.base, self.indices[key])

    @property
    def shape(self):
        """Shape of the selected rows, ``(len(indices),) + base.shape[1:]``."""
        return (len(self.indices),) + tuple(self.base.shape[1:])

    @property
    def dtype(self):
        """Data type of ``base``."""
        return self.base.dtype

    @property
    def ndim(self):
        """Number of dimensions of ``base``."""
        return self.base.ndim

    @property
    def size(self):
        """Number of values in the selected rows."""
        return int(np.prod(self.shape))

    @property
    def nbytes(self):
        """Bytes the selected rows take once read."""
        return self.size * self.dtype.itemsize

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, key):
        rest = ()
        if isinstance(key, tuple):
            key, rest = key[0], key[1:]
        if isinstance(key, list):
            key = np.asarray(key)

        rows = self.indices[key]
        if isinstance(key, numbers.Integral):
            return np.asarray(self.base[(rows, *rest)])

        # One fancy-indexing read of the selected rows, in the view's order.
        selected = np.asarray(self.base[rows])
        return selected[(slice(None), *rest)] if rest else selected

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError(
                "A RowView reads its rows into a new array, so it cannot be converted "
                "without a copy; call numpy.asarray(view) without copy=False."
            )
        array = np.asarray(self.base[self.indices])
        return array if dtype is None else array.astype(dtype, copy=False)

    def __repr__(self):
        return (
            f"RowView({len(self.indices)} of {self.base.shape[0]} rows, "
            f"shape={self.shape}, dtype={self.dtype})"
        )
