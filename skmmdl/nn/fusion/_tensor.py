"""Tensor fusion: the outer product of all modality features."""

import math

import torch
from torch import nn


def _append_one(z):
    return torch.cat([z, z.new_ones(z.shape[0], 1)], dim=1)


class TensorFusion(nn.Module):
    """Flattened outer product of ``[z_m; 1]`` over all modalities.

    ``z = vec([z_1; 1] (x) [z_2; 1] (x) ... (x) [z_M; 1])`` keeps every
    unimodal term and every cross-modal product (Zadeh et al., 2017, "Tensor
    Fusion Network for Multimodal Sentiment Analysis"). Output width:
    ``prod(d_m + 1)``, which grows fast with the number of modalities; see
    :class:`LowRankTensorFusion` for a compact alternative. No parameters.
    """

    min_modalities = 1
    max_modalities = None

    def __init__(self, input_dims):
        super().__init__()
        self.input_dims = tuple(input_dims)
        self.output_dim = math.prod(dim + 1 for dim in self.input_dims)

    def forward(self, features):
        features = list(features)
        fused = _append_one(features[0])
        for z in features[1:]:
            fused = (fused.unsqueeze(2) * _append_one(z).unsqueeze(1)).flatten(1)
        return fused
