"""ModalityTransformer: one scikit-learn transformer per modality of Modalities."""

import numpy as np
from sklearn.base import TransformerMixin, clone
from sklearn.utils import Bunch
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted

from ._modalities import Modalities
from ._validation import as_modalities

__all__ = ["ModalityTransformer"]

_SPECIAL = ("passthrough", "drop")


# auto_wrap_output_keys=None leaves out scikit-learn's set_output wrapper, because a
# pandas or polars container cannot hold Modalities.
class ModalityTransformer(TransformerMixin, _BaseComposition, auto_wrap_output_keys=None):
    """Apply one scikit-learn transformer to each modality, like ``ColumnTransformer``.

    Each transformer gets its modality as a 2-D array: an ``(N, d1, d2, ...)``
    modality is reshaped to ``(N, d1 * d2 * ...)``, transformed, and reshaped
    back to ``(N, d1, d2, ...)`` when the transformer keeps the number of
    features (a scaler), or returned 2-D when it changes it (PCA). The
    transformers are fitted on the data passed to ``fit`` only, so inside a
    :class:`~sklearn.pipeline.Pipeline` under cross-validation each fold's
    statistics come from its training samples.

    Parameters of a transformer are routed by name, as in ``Pipeline``:
    ``audio__with_std=False``, or ``prep__audio__with_std`` from a pipeline
    step named ``prep``, so ``GridSearchCV`` can tune them.

    Parameters
    ----------
    transformers : list of (str, transformer) tuples
        One entry per modality, in the order of the modalities of ``X``. A
        transformer is an estimator with ``fit`` and ``transform``,
        ``"passthrough"`` (keep the modality unchanged) or ``"drop"`` (remove
        the modality from the output). Names must be unique and must not
        contain ``"__"``.

    Attributes
    ----------
    transformers_ : list of (str, transformer) tuples
        The fitted clones of the transformers, with ``"passthrough"`` and
        ``"drop"`` kept as given.
    named_transformers_ : sklearn.utils.Bunch
        The fitted transformers by name.
    n_modalities_ : int
        Number of modalities seen in ``fit``.
    sample_shapes_ : list of tuple
        Per-sample shape of each modality seen in ``fit``.

    See Also
    --------
    sklearn.compose.ColumnTransformer : the same idea for columns of a 2-D array.
    skmmdl.Modalities : the input and output type.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmmdl import Modalities, ModalityTransformer
    >>> rng = np.random.default_rng(0)
    >>> X = Modalities((rng.random((6, 4, 4)), 10 + 5 * rng.random((6, 3))))
    >>> prep = ModalityTransformer([("image", "passthrough"), ("vector", StandardScaler())])
    >>> Xt = prep.fit_transform(X)
    >>> Xt[0].shape, Xt[1].shape
    ((6, 4, 4), (6, 3))
    >>> bool(np.allclose(Xt[1].mean(axis=0), 0))
    True
    >>> prep.set_params(vector__with_mean=False).get_params()["vector__with_mean"]
    False
    """

    def __init__(self, transformers):
        self.transformers = transformers

    def get_params(self, deep=True):
        """Return the parameters, including ``<name>__<param>`` of each transformer."""
        return self._get_params("transformers", deep=deep)

    def set_params(self, **params):
        """Set parameters, including a whole transformer by name or ``<name>__<param>``."""
        self._set_params("transformers", **params)
        return self

    def _check_transformers(self):
        if not isinstance(self.transformers, (list, tuple)) or not self.transformers:
            raise ValueError(
                "transformers must be a non-empty list of (name, transformer) tuples, "
                f"one per modality; got {self.transformers!r}."
            )
        for entry in self.transformers:
            if not (isinstance(entry, (list, tuple)) and len(entry) == 2):
                raise ValueError(
                    "Each entry of transformers must be a (name, transformer) tuple; "
                    f"got {entry!r}."
                )
        names = [name for name, _ in self.transformers]
        self._validate_names(names)
        for name, transformer in self.transformers:
            if isinstance(transformer, str):
                if transformer not in _SPECIAL:
                    raise ValueError(
                        f"Transformer {name!r} is the string {transformer!r}; the only "
                        f"strings allowed are {list(_SPECIAL)}."
                    )
            elif not (hasattr(transformer, "fit") and hasattr(transformer, "transform")):
                raise TypeError(
                    f"Transformer {name!r} must implement fit and transform, or be "
                    f"'passthrough' or 'drop'; got {type(transformer).__name__}."
                )

    def _check_X(self, X, reset):
        X = as_modalities(X)
        if len(X) != len(self.transformers):
            raise ValueError(
                f"X has {len(X)} modalities but transformers has {len(self.transformers)} "
                "entries. Give one (name, transformer) entry per modality, in order."
            )
        shapes = [tuple(array.shape[1:]) for array in X]
        if reset:
            self.n_modalities_ = len(X)
            self.sample_shapes_ = shapes
        elif shapes != self.sample_shapes_:
            raise ValueError(
                f"X has per-sample shapes {shapes}, but {type(self).__name__} was "
                f"fitted on {self.sample_shapes_}."
            )
        return X

    def fit(self, X, y=None):
        """Fit each transformer on its modality.

        Parameters
        ----------
        X : Modalities or tuple of array-like
            One array per modality, samples along the first axis.
        y : array-like of shape (n_samples,) or None
            Passed to every transformer's ``fit``.

        Returns
        -------
        self : ModalityTransformer
        """
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        """Fit each transformer on its modality and return the transformed Modalities."""
        self._check_transformers()
        X = self._check_X(X, reset=True)
        fitted = []
        outputs = []
        for (name, transformer), array in zip(self.transformers, X):
            if isinstance(transformer, str):
                fitted.append((name, transformer))
                if transformer == "passthrough":
                    outputs.append(array)
                continue
            transformer = clone(transformer)
            flat = np.reshape(array, (array.shape[0], -1))
            transformed = transformer.fit_transform(flat, y)
            fitted.append((name, transformer))
            outputs.append(_restore_shape(transformed, array.shape))
        self.transformers_ = fitted
        self.named_transformers_ = Bunch(**dict(fitted))
        return _as_output(outputs)

    def transform(self, X):
        """Transform each modality with its fitted transformer.

        Parameters
        ----------
        X : Modalities or tuple of array-like
            The same modalities, in the same order and per-sample shapes, as
            in ``fit``.

        Returns
        -------
        Xt : Modalities
            The transformed modalities, without those set to ``"drop"``.
        """
        check_is_fitted(self, "transformers_")
        X = self._check_X(X, reset=False)
        outputs = []
        for (_, transformer), array in zip(self.transformers_, X):
            if transformer == "drop":
                continue
            if transformer == "passthrough":
                outputs.append(array)
                continue
            flat = np.reshape(array, (array.shape[0], -1))
            outputs.append(_restore_shape(transformer.transform(flat), array.shape))
        return _as_output(outputs)


def _restore_shape(transformed, original_shape):
    """Reshape a 2-D result to the modality's shape when the feature count is unchanged."""
    transformed = np.asarray(transformed)
    if transformed.ndim == 2 and transformed.shape[1] == int(np.prod(original_shape[1:])):
        return transformed.reshape(original_shape)
    return transformed


def _as_output(outputs):
    if not outputs:
        raise ValueError(
            "Every modality is set to 'drop', so nothing is left to transform; "
            "keep at least one modality."
        )
    return Modalities(outputs)
