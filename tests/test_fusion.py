"""Fusion layers: training, gradients, persistence, devices and output widths.

Each test builds the real network (encoders, fusion, head) on tiny learnable
data. The low-rank tensor fusion checks cover the PyKale 0.2 defect of
factors kept in a plain list, which the optimizer, ``state_dict`` and
``.to(device)`` never saw.
"""

import numpy as np
import pytest
import torch

from skmmdl import MMDLClassifier
from skmmdl.nn import MultimodalNetwork
from skmmdl.nn.fusion import (
    FUSION_ALIASES,
    FUSIONS,
    LowRankTensorFusion,
    canonical_fusion_name,
    make_fusion,
)

ALL_FUSIONS = sorted(FUSIONS) + sorted(FUSION_ALIASES)
BIMODAL_FUSIONS = [
    name for name in ALL_FUSIONS if canonical_fusion_name(name).startswith("bimodal")
]
# Fusions whose network-level fusion module has weights ("early" owns the shared MLP).
TRAINABLE_FUSIONS = [
    name for name in ALL_FUSIONS if canonical_fusion_name(name) not in ("concat", "tensor")
]
INPUT_SHAPES = [(1, 16, 16), (5,)]
N_CLASSES = 3


def make_network(fusion, seed=0, input_shapes=INPUT_SHAPES, **kwargs):
    """Return a small MultimodalNetwork for 16 x 16 images and 5-feature vectors."""
    torch.manual_seed(seed)
    settings = dict(encoder_channels=4, mlp_dims=(16,), hidden_dim=32, rank=4)
    settings.update(kwargs)
    return MultimodalNetwork(input_shapes, N_CLASSES, fusion=fusion, **settings)


def to_tensors(train_data, stop=16):
    """Return the first ``stop`` images, vectors and labels of ``train_data`` as tensors."""
    images, _, vectors, y = train_data
    return (
        torch.from_numpy(np.array(images[:stop])),
        torch.from_numpy(np.array(vectors[:stop])),
        torch.from_numpy(np.array(y[:stop])),
    )


def sgd_step(network, images, vectors, y):
    """Take one SGD step of cross-entropy on the batch, in training mode."""
    network.train()
    optimizer = torch.optim.SGD(network.parameters(), lr=0.1)
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(network(images, vectors), y)
    loss.backward()
    optimizer.step()


def changed_after_step(named_parameters, network, batch):
    """Return, for each trainable parameter, whether one SGD step changed it."""
    trainable = [(name, p) for name, p in named_parameters if p.requires_grad]
    before = {name: p.detach().clone() for name, p in trainable}
    sgd_step(network, *batch)
    return {name: not torch.equal(before[name], p.detach()) for name, p in trainable}


@pytest.mark.parametrize("fusion", ALL_FUSIONS)
def test_fusion_trains_above_chance(fusion, train_data, test_data, small_net):
    images, _, vectors, y = train_data
    test_images, _, test_vectors, test_y = test_data
    clf = MMDLClassifier(fusion, **small_net).fit((images, vectors), y)
    accuracy = clf.score((test_images, test_vectors), test_y)
    assert accuracy >= 0.7, f"{fusion}: held-out accuracy {accuracy:.2f}, chance is 0.33"


@pytest.mark.parametrize("fusion", ["concat", "tensor", "lrtf"])
def test_three_modalities_train_above_chance(fusion, train_data, test_data, small_net):
    images, spectrograms, vectors, y = train_data
    test_images, test_spectrograms, test_vectors, test_y = test_data
    clf = MMDLClassifier(fusion, **small_net).fit((images, spectrograms, vectors), y)
    assert clf.n_modalities_ == 3
    accuracy = clf.score((test_images, test_spectrograms, test_vectors), test_y)
    assert accuracy >= 0.7, f"{fusion}: held-out accuracy {accuracy:.2f}, chance is 0.33"


@pytest.mark.parametrize("fusion", TRAINABLE_FUSIONS)
def test_step_changes_every_fusion_param(fusion, train_data):
    network = make_network(fusion)
    named = list(network.fusion.named_parameters())
    assert named, f"{fusion} has no parameters to check"
    changed = changed_after_step(named, network, to_tensors(train_data))
    for name, was_changed in changed.items():
        assert was_changed, f"{fusion}: fusion parameter {name} did not change after one step"


@pytest.mark.parametrize("fusion", ALL_FUSIONS)
def test_step_changes_every_network_param(fusion, train_data):
    network = make_network(fusion)
    named = list(network.named_parameters())
    changed = changed_after_step(named, network, to_tensors(train_data))
    for name, was_changed in changed.items():
        assert was_changed, f"{fusion}: parameter {name} did not change after one step"


@pytest.mark.parametrize("fusion", ["concat", "tensor"])
def test_parameter_free_fusion_has_no_params(fusion):
    network = make_network(fusion)
    assert list(network.fusion.parameters()) == []


@pytest.mark.parametrize("fusion", ALL_FUSIONS)
def test_state_dict_round_trip(fusion, train_data):
    images, vectors, y = to_tensors(train_data)
    trained = make_network(fusion, seed=0)
    sgd_step(trained, images, vectors, y)  # also moves the BatchNorm running statistics
    fresh = make_network(fusion, seed=1)
    trained.eval()
    fresh.eval()
    with torch.no_grad():
        expected = trained(images, vectors)
        assert not torch.equal(fresh(images, vectors), expected)
        fresh.load_state_dict(trained.state_dict())
        restored = fresh(images, vectors)
    assert torch.equal(restored, expected)


@pytest.mark.parametrize("fusion", ALL_FUSIONS)
def test_to_device_moves_fusion(fusion, device, train_data):
    images, vectors, _ = to_tensors(train_data)
    network = make_network(fusion).to(device)
    for name, tensor in network.fusion.state_dict().items():
        assert tensor.device.type == device, f"{fusion}: {name} stayed on {tensor.device}"
    network.eval()
    with torch.no_grad():
        logits = network(images.to(device), vectors.to(device))
    assert logits.device.type == device


@pytest.mark.parametrize("fusion", ALL_FUSIONS)
def test_to_meta_moves_every_tensor(fusion, train_data):
    # The meta device exists without a GPU, so this runs everywhere. A tensor kept
    # outside the parameters and buffers would stay a real tensor here, and one
    # created on a fixed device in forward would raise a device mismatch.
    images, vectors, _ = to_tensors(train_data)
    network = make_network(fusion).to("meta")
    for name, tensor in network.state_dict().items():
        assert tensor.is_meta, f"{fusion}: {name} was not moved to the meta device"
    logits = network(images.to("meta"), vectors.to("meta"))
    assert logits.is_meta
    assert logits.shape == (16, N_CLASSES)


def test_lrtf_factors_in_state_dict():
    fusion = LowRankTensorFusion([4, 6, 3], output_dim=5, rank=2)
    keys = set(fusion.state_dict())
    for position in range(3):
        assert f"factors.{position}" in keys


def test_lrtf_factors_in_parameters():
    fusion = LowRankTensorFusion([4, 6], output_dim=5, rank=2)
    parameter_ids = {id(p) for p in fusion.parameters()}
    for position, factor in enumerate(fusion.factors):
        assert id(factor) in parameter_ids, f"factor {position} is not a parameter"


def test_lrtf_factor_shapes():
    fusion = LowRankTensorFusion([4, 6], output_dim=5, rank=2)
    assert [tuple(f.shape) for f in fusion.factors] == [(2, 5, 5), (2, 7, 5)]


def test_lrtf_factors_in_optimizer(train_data, small_net):
    images, _, vectors, y = train_data
    clf = MMDLClassifier("lrtf", **dict(small_net, max_epochs=1)).fit((images, vectors), y)
    optimized = {id(p) for group in clf.optimizer_.param_groups for p in group["params"]}
    for position, factor in enumerate(clf.module_.fusion.factors):
        assert id(factor) in optimized, f"factor {position} is not in the optimizer"


def test_lrtf_rank_one_matches_formula():
    # With rank 1 and unit rank weight, lrtf is a linear map of the tensor
    # fusion [z_1; 1] (x) [z_2; 1] whose weight is the outer product of the factors.
    torch.manual_seed(0)
    fusion = LowRankTensorFusion([2, 3], output_dim=1, rank=1)
    with torch.no_grad():
        fusion.rank_weights.fill_(1.0)
    first, second = torch.randn(4, 2), torch.randn(4, 3)
    ones = torch.ones(4, 1)
    first_factor = fusion.factors[0][0, :, 0]
    second_factor = fusion.factors[1][0, :, 0]
    expected = (torch.cat([first, ones], 1) @ first_factor) * (
        torch.cat([second, ones], 1) @ second_factor
    )
    with torch.no_grad():
        fused = fusion([first, second])
    torch.testing.assert_close(fused[:, 0], expected)


@pytest.mark.parametrize("fusion", ALL_FUSIONS)
def test_batch_of_one_in_eval(fusion, train_data):
    images, vectors, _ = to_tensors(train_data, stop=1)
    network = make_network(fusion).eval()
    with torch.no_grad():
        logits = network(images, vectors)
    assert logits.shape == (1, N_CLASSES)


@pytest.mark.parametrize("fusion", ALL_FUSIONS)
def test_output_width_matches_declared(fusion):
    layer = make_fusion(fusion, [4, 6], output_dim=None, rank=3)
    fused = layer([torch.randn(2, 4), torch.randn(2, 6)])
    assert fused.shape == (2, layer.output_dim)


@pytest.mark.parametrize("fusion", ["bimodal_vector", "bimodal_scalar"])
def test_gating_width_is_first_modality(fusion):
    layer = make_fusion(fusion, [7, 3])
    assert layer.output_dim == 7


@pytest.mark.parametrize("fusion", ALL_FUSIONS)
def test_head_fits_fusion_width(fusion, train_data):
    images, vectors, _ = to_tensors(train_data, stop=4)
    network = make_network(fusion).eval()
    with torch.no_grad():
        features = [
            encoder(x.reshape(x.shape[0], *shape))
            for encoder, x, shape in zip(network.encoders, (images, vectors), INPUT_SHAPES)
        ]
        fused = network.fusion(features)
    assert fused.shape[1] == network.head.layers[0].in_features


@pytest.mark.parametrize(
    ("fusion", "expected"),
    [("concat", 10), ("tensor", 35), ("lrtf", 10), ("bimodal_matrix", 10)],
)
def test_default_output_width(fusion, expected):
    assert make_fusion(fusion, [4, 6], rank=2).output_dim == expected


@pytest.mark.parametrize("fusion", ["lrtf", "bimodal_matrix"])
def test_fusion_dim_sets_width(fusion):
    assert make_fusion(fusion, [4, 6], output_dim=9, rank=2).output_dim == 9


@pytest.mark.parametrize("fusion", BIMODAL_FUSIONS)
def test_bimodal_rejects_three_modalities(fusion):
    with pytest.raises(ValueError, match="exactly 2 modalities, but X has 3"):
        make_fusion(fusion, [4, 5, 6])


@pytest.mark.parametrize("fusion", BIMODAL_FUSIONS)
def test_bimodal_rejects_one_modality(fusion):
    with pytest.raises(ValueError, match="exactly 2 modalities, but X has 1"):
        make_fusion(fusion, [4])


@pytest.mark.parametrize("fusion", BIMODAL_FUSIONS)
def test_bimodal_network_rejects_three(fusion):
    with pytest.raises(ValueError, match="exactly 2 modalities, but X has 3"):
        make_network(fusion, input_shapes=[(1, 16, 16), (5,), (3,)])


def test_unknown_fusion_lists_names():
    with pytest.raises(ValueError, match="Unknown fusion 'sum'") as error:
        make_fusion("sum", [4, 6])
    for name in ALL_FUSIONS:
        assert repr(name)[1:-1] in str(error.value)


@pytest.mark.parametrize(("alias", "name"), sorted(FUSION_ALIASES.items()))
def test_alias_builds_same_layer(alias, name):
    assert type(make_fusion(alias, [4, 6], rank=2)) is type(make_fusion(name, [4, 6], rank=2))
