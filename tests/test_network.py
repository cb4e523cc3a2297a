"""MultimodalNetwork and its encoders, used as plain PyTorch modules."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from skmmdl.nn import LeNetEncoder, MLPEncoder, MultimodalNetwork
from skmmdl.nn.encoders import default_conv_blocks

N_CLASSES = 3


def as_tensor(array):
    return torch.from_numpy(np.array(array))


@pytest.mark.parametrize(("side", "expected"), [(2, 1), (16, 4), (24, 4), (28, 4), (112, 6)])
def test_default_conv_blocks(side, expected):
    assert default_conv_blocks(side, side) == expected


@pytest.mark.parametrize(
    ("input_shape", "n_blocks"),
    [((1, 16, 16), None), ((1, 24, 24), None), ((3, 28, 28), 2), ((1, 16, 20), 3)],
)
def test_lenet_output_dim_matches_features(input_shape, n_blocks):
    encoder = LeNetEncoder(input_shape, channels=4, n_blocks=n_blocks).eval()
    with torch.no_grad():
        features = encoder(torch.zeros(2, *input_shape))
    assert features.shape == (2, encoder.output_dim)


def test_lenet_rejects_small_input():
    with pytest.raises(ValueError, match="8 x 8 pixels is too small for 4 conv blocks"):
        LeNetEncoder((1, 8, 8), n_blocks=4)


def test_lenet_convs_have_no_bias():
    # BatchNorm follows every convolution, so a conv bias would never train.
    encoder = LeNetEncoder((1, 16, 16))
    convs = [layer for layer in encoder.modules() if isinstance(layer, nn.Conv2d)]
    assert len(convs) == 4
    for position, conv in enumerate(convs):
        assert conv.bias is None, f"conv {position} has a bias"


def test_mlp_encoder_output_dim():
    encoder = MLPEncoder(5, hidden_dims=(16, 8))
    assert encoder(torch.zeros(3, 5)).shape == (3, 8)
    assert encoder.output_dim == 8


def test_mlp_encoder_without_layers_is_identity():
    encoder = MLPEncoder(5, hidden_dims=())
    inputs = torch.randn(3, 5)
    assert encoder.output_dim == 5
    assert torch.equal(encoder(inputs), inputs)


def test_network_picks_encoder_by_shape():
    network = MultimodalNetwork([(1, 16, 16), (5,)], N_CLASSES, encoder_channels=4)
    assert isinstance(network.encoders[0], LeNetEncoder)
    assert isinstance(network.encoders[1], MLPEncoder)


def test_network_reshapes_flat_input(train_data):
    images, _, vectors, _ = train_data
    network = MultimodalNetwork([(1, 16, 16), (5,)], N_CLASSES, encoder_channels=4).eval()
    with torch.no_grad():
        from_images = network(as_tensor(images[:4]), as_tensor(vectors[:4]))
        from_flat = network(as_tensor(images[:4]).reshape(4, 256), as_tensor(vectors[:4]))
    assert torch.equal(from_images, from_flat)


def test_network_three_modalities(train_data):
    images, spectrograms, vectors, _ = train_data
    network = MultimodalNetwork(
        [(1, 16, 16), (1, 24, 24), (5,)], N_CLASSES, fusion="lrtf", rank=4, encoder_channels=2
    ).eval()
    with torch.no_grad():
        logits = network(
            as_tensor(images[:4]), as_tensor(spectrograms[:4]), as_tensor(vectors[:4])
        )
    assert logits.shape == (4, N_CLASSES)


def test_early_fusion_flattens_inputs():
    network = MultimodalNetwork([(1, 16, 16), (5,)], N_CLASSES, fusion="early", fusion_dim=12)
    for encoder in network.encoders:
        assert isinstance(encoder, nn.Flatten)
    assert network.head.layers[0].in_features == 12


def test_early_fusion_default_width():
    network = MultimodalNetwork([(1, 16, 16), (5,)], N_CLASSES, fusion="early")
    assert network.head.layers[0].in_features == 240


def test_per_modality_length_mismatch():
    with pytest.raises(ValueError, match="encoder_channels has 3 entries but X has 2 modalities"):
        MultimodalNetwork([(1, 16, 16), (5,)], N_CLASSES, encoder_channels=[4, 4, 4])


def test_per_modality_channels_apply():
    network = MultimodalNetwork([(1, 16, 16), (1, 24, 24)], N_CLASSES, encoder_channels=[2, 3])
    first_convs = [encoder.layers[0].out_channels for encoder in network.encoders]
    assert first_convs == [2, 3]


def test_unsupported_shape_raises():
    with pytest.raises(ValueError, match=r"No encoder for per-sample shape \(2, 3\)"):
        MultimodalNetwork([(2, 3)], N_CLASSES)


def test_unknown_fusion_raises():
    with pytest.raises(ValueError, match="Unknown fusion 'sum'. Valid names are: "):
        MultimodalNetwork([(5,)], N_CLASSES, fusion="sum")


def test_forward_on_device(device, train_data):
    images, _, vectors, _ = train_data
    network = MultimodalNetwork([(1, 16, 16), (5,)], N_CLASSES, encoder_channels=4)
    network = network.to(device).eval()
    with torch.no_grad():
        logits = network(as_tensor(images[:4]).to(device), as_tensor(vectors[:4]).to(device))
    assert logits.device.type == device


def test_plain_torch_loop_learns(train_data, test_data):
    images, _, vectors, y = (as_tensor(array) for array in train_data)
    test_images, _, test_vectors, test_y = (as_tensor(array) for array in test_data)
    torch.manual_seed(0)
    network = MultimodalNetwork(
        [(1, 16, 16), (5,)], N_CLASSES, fusion="lrtf", rank=4, encoder_channels=4,
        mlp_dims=(16,), hidden_dim=32,
    )
    optimizer = torch.optim.Adam(network.parameters(), lr=0.01)
    for _ in range(3):
        for start in range(0, len(y), 8):
            batch = slice(start, start + 8)
            optimizer.zero_grad()
            logits = network(images[batch], vectors[batch])
            torch.nn.functional.cross_entropy(logits, y[batch]).backward()
            optimizer.step()

    network.eval()
    with torch.no_grad():
        predicted = network(test_images, test_vectors).argmax(dim=1)
    accuracy = (predicted == test_y).float().mean().item()
    assert accuracy >= 0.7, f"held-out accuracy {accuracy:.2f}, chance is 0.33"


def test_nn_imports_no_sklearn_or_skorch():
    # The PyTorch modules must work without the estimator layer's dependencies.
    code = (
        "import sys, skmmdl.nn; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'skorch'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
