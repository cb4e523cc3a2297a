"""AV-MNIST: build it from the raw MNIST and FSDD files, and load it.

This package uses NumPy, SciPy and scikit-learn only, never PyTorch, so it
can prepare data on machines without a deep learning stack.
"""

from ._load import load_avmnist, load_avmnist_sample
from ._make import make_avmnist

__all__ = ["load_avmnist", "load_avmnist_sample", "make_avmnist"]
