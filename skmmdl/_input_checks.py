"""Validation of MMDLClassifier's parameters, X and y before any training."""

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._modalities import Modalities
from ._params import validate_parameters
from ._validation import as_modalities, check_modality, sample_shape
from .nn.encoders import default_conv_blocks
from .nn.fusion import canonical_fusion_name, check_modality_count
from .nn.network import per_modality

__all__ = ["InputChecksMixin"]


class InputChecksMixin:
    """Checks that ``fit`` and ``predict`` run before touching the network.

    On a fitting call (``reset=True``) they also record what the network is
    built from: ``input_shapes_``, ``n_modalities_``, ``n_features_in_``,
    ``classes_`` and ``random_seed_``.
    """

    def _check_params(self):
        validate_parameters(self)
        canonical_fusion_name(self.fusion)
        if self.validation_fraction is not None and self.train_split is not None:
            raise ValueError(
                "Set either validation_fraction or train_split, not both; got "
                f"validation_fraction={self.validation_fraction!r} and "
                f"train_split={self.train_split!r}."
            )
        if isinstance(self.device, str) and self.device != "auto":
            try:
                torch.device(self.device)
            except RuntimeError as exc:
                raise ValueError(
                    f"The 'device' parameter of {type(self).__name__} must be 'auto', "
                    f"'cpu', 'cuda' or 'cuda:N'. Got {self.device!r} instead."
                ) from exc

    def _check_X(self, X, reset):
        """Validate ``X`` and return it as Modalities, selecting ``modality`` if set."""
        X = as_modalities(X)
        arrays = [check_modality(array, position) for position, array in enumerate(X)]

        X = Modalities(arrays)
        arrays = self._selected_modalities(X)
        n_modalities = len(arrays)
        if reset:
            requested = self._requested_shapes(n_modalities)
            self.input_shapes_ = [
                sample_shape(array, request, position)
                for position, (array, request) in enumerate(zip(arrays, requested))
            ]
            self.n_modalities_ = n_modalities
            self._check_encoders_fit()
            single_2d = len(X) == 1 and X[0].ndim == 2
            if single_2d:
                self.n_features_in_ = X[0].shape[1]
            elif hasattr(self, "n_features_in_"):
                del self.n_features_in_
            return X

        self._check_like_fit(X, arrays)
        return X

    def _requested_shapes(self, n_modalities):
        requested = self.input_shapes
        if requested == "auto":
            requested = ["auto"] * n_modalities
        return per_modality(requested, n_modalities, "input_shapes")

    def _selected_modalities(self, X):
        """Return the arrays the network takes: all of X, or only ``X[modality]``."""
        if self.modality is None:
            return list(X)
        if self.modality >= len(X):
            raise ValueError(
                f"modality={self.modality} is out of range: X has {len(X)} "
                f"modalities, so use 0 to {len(X) - 1} or None for all."
            )
        return [X[self.modality]]

    def _check_like_fit(self, X, arrays):
        if len(X) == 1 and X[0].ndim == 2 and hasattr(self, "n_features_in_"):
            if X[0].shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X[0].shape[1]} features, but {type(self).__name__} is "
                    f"expecting {self.n_features_in_} features as input."
                )
        if len(arrays) != self.n_modalities_:
            raise ValueError(
                f"X has {len(arrays)} modalities, but the model was fitted on "
                f"{self.n_modalities_}. Pass the same modalities in the same order."
            )
        requested = self._requested_shapes(len(arrays))
        for position, (array, shape) in enumerate(zip(arrays, self.input_shapes_)):
            if sample_shape(array, requested[position], position) != tuple(shape):
                raise ValueError(
                    f"Modality {position} has per-sample shape {tuple(array.shape[1:])}, "
                    f"but the model was fitted on {shape}. Resize the input to the "
                    "fitted shape."
                )

    def _check_encoders_fit(self):
        if canonical_fusion_name(self.fusion) == "early":
            return
        check_modality_count(self.fusion, self.n_modalities_)
        blocks = per_modality(self.encoder_blocks, self.n_modalities_, "encoder_blocks")
        per_modality(self.encoder_channels, self.n_modalities_, "encoder_channels")
        for position, (shape, n_blocks) in enumerate(zip(self.input_shapes_, blocks)):
            if len(shape) != 3:
                continue
            height, width = shape[1:]
            if min(height, width) < 2:
                raise ValueError(
                    f"Modality {position} has images of {height} x {width} pixels; the "
                    "CNN encoder needs at least 2 x 2. Pass it as a feature vector with "
                    f"input_shapes[{position}]=({height * width * shape[0]},)."
                )
            if n_blocks is not None and min(height, width) < 2**n_blocks:
                raise ValueError(
                    f"Modality {position} has images of {height} x {width} pixels, too "
                    f"small for encoder_blocks={n_blocks}, which halves the size each "
                    f"block; use at most {default_conv_blocks(height, width)} blocks."
                )

    def _check_y(self, y, n_samples, reset):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None. Pass the class labels of the training samples."
            )
        y = column_or_1d(np.asarray(y), warn=True)
        check_classification_targets(y)
        if len(y) != n_samples:
            raise ValueError(
                f"X has {n_samples} samples but y has {len(y)} labels; give one label "
                "per sample."
            )
        if reset:
            classes = np.unique(y)
            if len(classes) < 2:
                raise ValueError(
                    f"y contains 1 class ({classes[0]!r}); a classifier needs samples "
                    "of at least two classes."
                )
            self.classes_inferred_ = classes
        else:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y contains labels not seen in the first fit: {unseen.tolist()}. "
                    "Fit from scratch to learn new classes."
                )
        return y

    def _prepare_fit(self, X, y, reset):
        self._check_params()
        X = self._check_X(X, reset=reset)
        y = self._check_y(y, X.n_samples, reset=reset)
        if reset:
            self.random_seed_ = int(check_random_state(self.random_state).randint(2**31 - 1))
        return X, y
