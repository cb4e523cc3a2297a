"""MaxPool2x2 gives nn.MaxPool2d(2)'s values and gradients on both of its paths."""

import copy

import pytest
import torch
from torch import nn

from skmmdl.nn import MaxPool2x2, MultimodalNetwork


@pytest.mark.parametrize("shape", [(3, 4, 16, 16), (2, 3, 9, 7), (5, 1, 2, 3)])
@pytest.mark.parametrize("memory_format", [torch.contiguous_format, torch.channels_last])
def test_inference_path_matches_max_pool2d(shape, memory_format):
    generator = torch.Generator().manual_seed(0)
    # Small integers give many ties and repeated maxima inside a window.
    x = torch.randint(-2, 3, shape, generator=generator).float()
    x = x.contiguous(memory_format=memory_format)
    x[0, 0, 0, 0] = float("nan")

    with torch.no_grad():
        pooled = MaxPool2x2()(x)

    torch.testing.assert_close(pooled, nn.MaxPool2d(2)(x), rtol=0, atol=0, equal_nan=True)


def test_training_path_matches_max_pool2d_gradient():
    generator = torch.Generator().manual_seed(1)
    x = torch.randint(-2, 3, (2, 3, 9, 7), generator=generator).float().requires_grad_()
    upstream = torch.randn(2, 3, 4, 3, generator=generator)

    MaxPool2x2()(x).backward(upstream)
    ours = x.grad.clone()
    x.grad = None
    nn.MaxPool2d(2)(x).backward(upstream)

    assert torch.equal(ours, x.grad)


def test_inference_path_keeps_network_output():
    torch.manual_seed(0)
    network = MultimodalNetwork([(1, 28, 28), (1, 32, 32)], n_classes=4).eval()
    reference = copy.deepcopy(network)
    for encoder in reference.encoders:
        encoder.layers = nn.Sequential(
            *[nn.MaxPool2d(2) if isinstance(layer, MaxPool2x2) else layer
              for layer in encoder.layers]
        )
    inputs = (torch.randn(6, 1, 28, 28), torch.randn(6, 1, 32, 32))

    with torch.inference_mode():
        assert torch.equal(network(*inputs), reference(*inputs))
