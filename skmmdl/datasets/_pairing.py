"""Choose the MNIST images of a split and pair each with a recording."""

import numpy as np

__all__ = ["pair_recordings", "select_stratified"]


def select_stratified(labels, n_selected, rng):
    """Choose ``n_selected`` indices with the class proportions of ``labels``.

    Each class first gets its proportional share rounded down. The samples
    left over go to the classes with the largest remainders, the lower class
    first on ties. Within a class the indices are drawn without replacement.

    Returns
    -------
    indices : ndarray of int64
        Sorted, so the images keep their order in the MNIST file. All
        indices in order when ``n_selected`` equals ``len(labels)``.
    """
    n_available = labels.shape[0]
    if n_selected == n_available:
        return np.arange(n_available, dtype=np.int64)

    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * (n_selected / n_available)
    quotas = np.floor(exact).astype(np.int64)
    remainders = exact - quotas
    order = np.lexsort((classes, -remainders))
    quotas[order[: n_selected - quotas.sum()]] += 1

    chosen = [
        rng.choice(np.flatnonzero(labels == label), size=quota, replace=False)
        for label, quota in zip(classes, quotas)
    ]
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def pair_recordings(labels, pools, rng):
    """Pair every label with a recording of the same digit.

    Each digit's pool is shuffled and dealt out in turn, and reshuffled once
    it runs out, so every recording of a digit is used equally often (to
    within one) before any is used again.

    Parameters
    ----------
    labels : ndarray of shape (n_pairs,)
        The digits of the images.
    pools : dict of int to ndarray of int
        For each digit, the indices of its recordings.
    rng : numpy.random.Generator

    Returns
    -------
    recording_indices : ndarray of int64, shape (n_pairs,)
    """
    recording_indices = np.empty(labels.shape[0], dtype=np.int64)
    for digit in np.unique(labels):
        positions = np.flatnonzero(labels == digit)
        pool = np.asarray(pools[int(digit)], dtype=np.int64)
        n_rounds = -(-positions.shape[0] // pool.shape[0])
        dealt = np.concatenate([rng.permutation(pool) for _ in range(n_rounds)])
        recording_indices[positions] = dealt[: positions.shape[0]]
    return recording_indices
