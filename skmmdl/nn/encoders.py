"""Per-modality encoders: a LeNet-style CNN for images and spectrograms, an MLP for vectors."""

import math

from torch import nn

from .pooling import MaxPool2x2

__all__ = ["LeNetEncoder", "MLPEncoder", "default_conv_blocks"]


def default_conv_blocks(height, width):
    """Return the number of conv blocks that pools an ``height`` x ``width`` input to 1 x 1.

    Each block halves the spatial size (floor), so ``floor(log2(min(height, width)))``
    blocks leave one pixel: 4 blocks for 28 x 28 MNIST digits, 6 for 112 x 112
    spectrograms, as in the AV-MNIST reference encoders.
    """
    return max(1, int(math.floor(math.log2(min(height, width)))))


class LeNetEncoder(nn.Module):
    """LeNet-style CNN that maps ``(N, C, H, W)`` images to ``(N, output_dim)`` features.

    The first block is a 5 x 5 convolution to ``channels`` channels; every further
    block is a 3 x 3 convolution that doubles the channels. Each block is
    conv -> BatchNorm -> 2 x 2 max-pool -> ReLU, and the last feature map is
    flattened, so ``output_dim`` is ``channels * 2**(n_blocks - 1)`` times the
    remaining spatial size.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample, ``(C, H, W)``.
    channels : int, default=6
        Output channels of the first block.
    n_blocks : int or None, default=None
        Number of conv blocks; None pools the input down to 1 x 1
        (see :func:`default_conv_blocks`).
    """

    def __init__(self, input_shape, channels=6, n_blocks=None):
        super().__init__()
        in_channels, height, width = input_shape
        if n_blocks is None:
            n_blocks = default_conv_blocks(height, width)
        if min(height, width) < 2**n_blocks:
            raise ValueError(
                f"An input of {height} x {width} pixels is too small for {n_blocks} "
                f"conv blocks, which halve the size each; use at most "
                f"{default_conv_blocks(height, width)} blocks or larger inputs."
            )

        blocks = []
        out_channels = channels
        for block in range(n_blocks):
            kernel_size = 5 if block == 0 else 3
            # No conv bias: BatchNorm subtracts the per-channel mean, so a bias here
            # would get a zero gradient and never train.
            blocks += [
                nn.Conv2d(
                    in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False
                ),
                nn.BatchNorm2d(out_channels),
                # Max-pooling before the ReLU gives the same outputs and gradients
                # as the usual ReLU -> pool order (ReLU is monotonic), with the
                # ReLU on a quarter of the values.
                MaxPool2x2(),
                nn.ReLU(),
            ]
            in_channels = out_channels
            out_channels *= 2
            height, width = height // 2, width // 2

        self.layers = nn.Sequential(*blocks, nn.Flatten())
        self.input_shape = tuple(input_shape)
        self.output_dim = in_channels * height * width

    def forward(self, x):
        return self.layers(x)


class MLPEncoder(nn.Module):
    """MLP that maps ``(N, D)`` feature vectors to ``(N, output_dim)`` features.

    Parameters
    ----------
    input_dim : int
        Number of input features ``D``.
    hidden_dims : sequence of int, default=(64,)
        Width of each Linear -> ReLU layer; the last one is ``output_dim``.
    """

    def __init__(self, input_dim, hidden_dims=(64,)):
        super().__init__()
        layers = []
        width = input_dim
        for hidden_dim in hidden_dims:
            layers += [nn.Linear(width, hidden_dim), nn.ReLU()]
            width = hidden_dim
        self.layers = nn.Sequential(*layers) if layers else nn.Identity()
        self.output_dim = width

    def forward(self, x):
        return self.layers(x)
