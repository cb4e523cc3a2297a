"""Multiplicative interactions between exactly two modalities (Jayakumar et al., 2020)."""

import torch
from torch import nn


class _BimodalFusion(nn.Module):
    min_modalities = 2
    max_modalities = 2


class BimodalMatrixFusion(_BimodalFusion):
    """Project the first modality with a matrix generated from the second.

    ``h = z_1 W(z_2) + b(z_2)``, where ``W(z_2)`` is a ``(d_1, output_dim)``
    matrix and ``b(z_2)`` a vector, both linear in ``z_2`` (Jayakumar et al.,
    2020, "Multiplicative Interactions and Where to Find Them").
    Output width: ``output_dim``.
    """

    def __init__(self, input_dims, output_dim):
        super().__init__()
        self.input_dims = tuple(input_dims)
        first_dim, second_dim = self.input_dims
        self.output_dim = output_dim
        self.weight_generator = nn.Linear(second_dim, first_dim * output_dim)
        self.bias_generator = nn.Linear(second_dim, output_dim)

    def forward(self, features):
        first, second = features
        weight = self.weight_generator(second).view(-1, first.shape[1], self.output_dim)
        projected = torch.bmm(first.unsqueeze(1), weight).squeeze(1)
        return projected + self.bias_generator(second)


class BimodalVectorFusion(_BimodalFusion):
    """Gate the first modality elementwise with a vector generated from the second.

    ``h = z_1 * w(z_2) + b(z_2)`` with ``w`` and ``b`` linear maps to ``d_1``.
    Output width: ``d_1``, the first modality's width.
    """

    def __init__(self, input_dims):
        super().__init__()
        self.input_dims = tuple(input_dims)
        first_dim, second_dim = self.input_dims
        self.output_dim = first_dim
        self.weight_generator = nn.Linear(second_dim, first_dim)
        self.bias_generator = nn.Linear(second_dim, first_dim)

    def forward(self, features):
        first, second = features
        return first * self.weight_generator(second) + self.bias_generator(second)


class BimodalScalarFusion(_BimodalFusion):
    """Scale the first modality with one scalar generated from the second.

    ``h = z_1 * w(z_2) + b(z_2)`` with ``w`` and ``b`` linear maps to one
    number per sample. Output width: ``d_1``, the first modality's width.
    """

    def __init__(self, input_dims):
        super().__init__()
        self.input_dims = tuple(input_dims)
        first_dim, second_dim = self.input_dims
        self.output_dim = first_dim
        self.weight_generator = nn.Linear(second_dim, 1)
        self.bias_generator = nn.Linear(second_dim, 1)

    def forward(self, features):
        first, second = features
        return first * self.weight_generator(second) + self.bias_generator(second)
