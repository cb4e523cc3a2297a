"""Low-rank tensor fusion (Liu et al., 2018)."""

import torch
from torch import nn


class LowRankTensorFusion(nn.Module):
    """Tensor fusion with the weight tensor factorised into ``rank`` modality factors.

    With ``z'_m = [z_m; 1]`` and one factor ``W_m`` of shape
    ``(rank, d_m + 1, output_dim)`` per modality,

    ``h = sum_r lambda_r * prod_m (z'_m W_m[r]) + b``

    equals a tensor fusion followed by a linear layer whose weight tensor has
    rank ``rank``, at a cost linear in the number of modalities (Liu et al.,
    2018, "Efficient Low-rank Multimodal Fusion with Modality-Specific
    Factors"). Output width: ``output_dim``. Any number of modalities.

    Every factor is an ``nn.Parameter`` in a ``ParameterList``, so optimizers,
    ``state_dict`` and ``.to(device)`` all see it.

    Parameters
    ----------
    input_dims : sequence of int
        Width ``d_m`` of each modality's features.
    output_dim : int
        Width of the fused features.
    rank : int
        Number of rank-one terms.
    """

    min_modalities = 1
    max_modalities = None

    def __init__(self, input_dims, output_dim, rank):
        super().__init__()
        self.input_dims = tuple(input_dims)
        self.output_dim = output_dim
        self.rank = rank
        self.factors = nn.ParameterList(
            nn.Parameter(torch.empty(rank, dim + 1, output_dim)) for dim in self.input_dims
        )
        self.rank_weights = nn.Parameter(torch.empty(1, rank))
        self.bias = nn.Parameter(torch.zeros(1, output_dim))
        self.reset_parameters()

    def reset_parameters(self):
        for factor in self.factors:
            nn.init.xavier_normal_(factor)
        nn.init.xavier_normal_(self.rank_weights)
        nn.init.zeros_(self.bias)

    def forward(self, features):
        product = None
        for z, factor in zip(features, self.factors):
            z = torch.cat([z, z.new_ones(z.shape[0], 1)], dim=1)
            # (N, d+1) x (rank, d+1, out) -> (rank, N, out)
            projected = torch.matmul(z, factor)
            product = projected if product is None else product * projected
        # Weighted sum over the rank dimension: (1, rank) x (N, rank, out) -> (N, out).
        fused = torch.matmul(self.rank_weights, product.permute(1, 0, 2)).squeeze(1)
        return fused + self.bias
