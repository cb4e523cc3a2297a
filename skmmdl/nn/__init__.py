"""PyTorch building blocks of skmmdl: encoders, fusion layers, head and network.

This subpackage imports neither scikit-learn nor skorch, so the modules can be
used in a plain PyTorch training loop.
"""

from .encoders import LeNetEncoder, MLPEncoder
from .fusion import FUSIONS, make_fusion
from .head import MLPHead
from .network import MultimodalNetwork
from .pooling import MaxPool2x2

__all__ = ["FUSIONS", "LeNetEncoder", "MLPEncoder", "MLPHead", "MaxPool2x2", "MultimodalNetwork", "make_fusion"]
