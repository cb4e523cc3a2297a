"""skmmdl: multimodal deep learning classifiers for scikit-learn.

The estimator needs PyTorch, so it is imported on first use: importing
``skmmdl.datasets`` or ``skmmdl.Modalities`` does not load torch.
"""

from ._modalities import Modalities
from ._row_view import RowView

__version__ = "0.1.0"

__all__ = ["MMDLClassifier", "Modalities", "ModalityTransformer", "RowView", "__version__"]


def __getattr__(name):
    if name == "MMDLClassifier":
        from ._classifier import MMDLClassifier

        return MMDLClassifier
    if name == "ModalityTransformer":
        from ._compose import ModalityTransformer

        return ModalityTransformer
    raise AttributeError(f"module 'skmmdl' has no attribute {name!r}")
