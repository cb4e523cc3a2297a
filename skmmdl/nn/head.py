"""Classification head applied to the fused features."""

from torch import nn

__all__ = ["MLPHead"]


class MLPHead(nn.Module):
    """Linear -> ReLU -> Linear classifier that returns unnormalised logits.

    Parameters
    ----------
    input_dim : int
        Width of the fused features.
    hidden_dim : int
        Width of the hidden layer (100 in the AV-MNIST reference network).
    n_classes : int
        Number of output logits.
    """

    def __init__(self, input_dim, hidden_dim, n_classes):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(input_dim, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, n_classes),
        )

    def forward(self, x):
        return self.layers(x)
