"""Late fusion: concatenate the encoders' features."""

import torch
from torch import nn


class ConcatFusion(nn.Module):
    """Concatenate the modality features: ``z = [z_1; z_2; ...; z_M]``.

    Output width: ``sum(d_m)``. It has no parameters and takes any number of
    modalities; with one modality it is the identity.
    """

    min_modalities = 1
    max_modalities = None

    def __init__(self, input_dims):
        super().__init__()
        self.input_dims = tuple(input_dims)
        self.output_dim = sum(self.input_dims)

    def forward(self, features):
        return torch.cat(list(features), dim=1)
