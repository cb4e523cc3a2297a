"""The compute floor: FLOPs of a training step and of a prediction, and a measured matmul rate."""

import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from _common import AUDIO_SHAPE, IMAGE_SHAPE, N_CLASSES, network_kwargs, selected_modalities
from skmmdl.nn import MultimodalNetwork

SHAPES = (IMAGE_SHAPE, AUDIO_SHAPE)


def build_network(name, seed=0):
    """Build the reference network ``name`` with seeded weights."""
    torch.manual_seed(seed)
    shapes = [SHAPES[m] for m in selected_modalities(name)]
    return MultimodalNetwork(shapes, N_CLASSES, **network_kwargs(name))


def flops_per_sample(name, batch_size=40):
    """Return (training step, prediction) FLOPs per sample counted by FlopCounterMode.

    The training step is the forward pass, the cross-entropy loss and the
    backward pass; the optimizer update is elementwise and not counted.
    """
    network = build_network(name)
    inputs = [torch.rand((batch_size,) + SHAPES[m]) for m in selected_modalities(name)]
    targets = torch.randint(0, N_CLASSES, (batch_size,))

    with FlopCounterMode(display=False) as counter:
        loss = torch.nn.functional.cross_entropy(network(*inputs), targets)
        loss.backward()
    training = counter.get_total_flops() / batch_size

    network.eval()
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        network(*inputs)
    prediction = counter.get_total_flops() / batch_size
    return training, prediction


def matmul_gflops(dtype=torch.float32, size=1024, repeats=20):
    """Return the median rate of a ``size`` x ``size`` matmul in GFLOP/s on the current threads."""
    a = torch.rand(size, size).to(dtype)
    b = torch.rand(size, size).to(dtype)
    for _ in range(3):
        torch.mm(a, b)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        rates.append(2 * size**3 / (time.perf_counter() - start) / 1e9)
    rates.sort()
    return rates[len(rates) // 2]
