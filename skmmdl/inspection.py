"""Model inspection for multimodal input: how much each modality contributes."""

import numpy as np
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch, check_random_state

from ._modalities import Modalities
from ._validation import as_modalities

__all__ = ["modality_importance"]


def modality_importance(estimator, X, y, *, scoring=None, n_repeats=5, random_state=None):
    """Measure each modality's importance as the score drop when it is shuffled.

    Like :func:`sklearn.inspection.permutation_importance`, but a whole
    modality is permuted across samples at once: sample ``i`` keeps its other
    modalities and receives the modality of another sample, which breaks the
    pairing while keeping the modality's distribution. The importance is the
    baseline score minus the score on the permuted data, so a modality the
    model ignores scores about 0.

    Parameters
    ----------
    estimator : fitted estimator
        Any fitted estimator, pipeline or search that takes Modalities.
    X : Modalities or tuple of array-like
        One array per modality, samples along the first axis; held-out data
        gives the importance for generalisation.
    y : array-like of shape (n_samples,)
        Targets.
    scoring : str, callable or None, default=None
        Scorer as in :func:`sklearn.metrics.check_scoring`; None uses the
        estimator's ``score`` method.
    n_repeats : int, default=5
        Number of permutations per modality.
    random_state : int, RandomState or None, default=None
        Seeds the permutations.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``importances`` of shape (n_modalities, n_repeats), their
        ``importances_mean`` and ``importances_std`` over the repeats, and
        ``baseline_score``, the score on the unpermuted data.

    Raises
    ------
    ValueError
        If ``n_repeats`` is not an int >= 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skmmdl import Modalities
    >>> from skmmdl.inspection import modality_importance
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(60) % 2
    >>> X = Modalities((y[:, None] + 0.1 * rng.random((60, 3)), rng.random((60, 3))))
    >>> concat = FunctionTransformer(lambda X: np.hstack(list(X)))
    >>> model = make_pipeline(concat, LogisticRegression()).fit(X, y)
    >>> result = modality_importance(model, X, y, n_repeats=3, random_state=0)
    >>> result.importances.shape
    (2, 3)
    >>> bool(result.importances_mean[0] > 0.3), bool(abs(result.importances_mean[1]) < 0.1)
    (True, True)
    """
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or n_repeats < 1:
        raise ValueError(f"n_repeats must be an int >= 1; got {n_repeats!r}.")
    X = as_modalities(X)
    scorer = check_scoring(estimator, scoring=scoring)
    rng = check_random_state(random_state)

    baseline = float(scorer(estimator, X, y))
    importances = np.empty((len(X), n_repeats))
    for position in range(len(X)):
        for repeat in range(n_repeats):
            permutation = rng.permutation(X.n_samples)
            arrays = list(X)
            arrays[position] = np.asarray(arrays[position])[permutation]
            importances[position, repeat] = baseline - float(scorer(estimator, Modalities(arrays), y))

    return Bunch(
        importances=importances,
        importances_mean=importances.mean(axis=1),
        importances_std=importances.std(axis=1),
        baseline_score=baseline,
    )
