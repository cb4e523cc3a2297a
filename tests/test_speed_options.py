"""input_scale, mixed_precision and the pool-then-ReLU order of the encoder blocks."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from skmmdl import MMDLClassifier
from skmmdl.nn import MultimodalNetwork


def _as_uint8(array):
    return np.clip(array * 100, 0, 255).astype(np.uint8)


def test_input_scale_equals_prescaled_data(train_data, small_net):
    images, _, vectors, y = train_data
    raw = (_as_uint8(images), _as_uint8(vectors))
    scale = np.float32(1 / 255)
    prescaled = tuple(array.astype(np.float32) * scale for array in raw)

    scaled_in_loader = MMDLClassifier(input_scale=1 / 255, **small_net).fit(raw, y)
    scaled_before = MMDLClassifier(**small_net).fit(prescaled, y)

    np.testing.assert_array_equal(
        scaled_in_loader.predict_proba(raw), scaled_before.predict_proba(prescaled)
    )


def test_input_scale_leaves_caller_arrays_unchanged(train_data, small_net):
    images, _, vectors, y = train_data
    writable = (images.copy(), vectors.copy())
    MMDLClassifier(input_scale=0.5, **small_net).fit(writable, y)
    np.testing.assert_array_equal(writable[0], images)
    np.testing.assert_array_equal(writable[1], vectors)


def test_input_scale_follows_selected_modality(train_data, small_net):
    images, _, vectors, y = train_data
    raw = (images, _as_uint8(vectors))
    only_vectors = MMDLClassifier(modality=1, input_scale=[None, 1 / 255], **small_net)
    reference = MMDLClassifier(modality=1, input_scale=1 / 255, **small_net)
    np.testing.assert_array_equal(
        only_vectors.fit(raw, y).predict_proba(raw), reference.fit(raw, y).predict_proba(raw)
    )


@pytest.mark.parametrize(
    "settings, match",
    [
        (dict(input_scale=0), "'input_scale' parameter"),
        (dict(input_scale=[1.0, "x"]), "'input_scale' parameter"),
        (dict(input_scale=[1.0]), "input_scale has 1 entries"),
        (dict(mixed_precision="float16"), "'mixed_precision' parameter"),
    ],
)
def test_speed_options_reject_invalid_values(train_data, small_net, settings, match):
    images, _, vectors, y = train_data
    with pytest.raises(ValueError, match=match):
        MMDLClassifier(**small_net, **settings).fit((images, vectors), y)


def test_bfloat16_returns_float32_probabilities(train_data, test_data, small_net):
    images, _, vectors, y = train_data
    clf = MMDLClassifier(mixed_precision="bfloat16", **small_net).fit((images, vectors), y)
    test_images, _, test_vectors, _ = test_data
    proba = clf.predict_proba((test_images, test_vectors))
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_pool_then_relu_matches_relu_then_pool():
    torch.manual_seed(0)
    network = MultimodalNetwork([(1, 16, 16)], n_classes=3)
    swapped = copy.deepcopy(network)
    for encoder in swapped.encoders:
        layers = list(encoder.layers)
        for start in range(0, len(layers) - 1, 4):
            layers[start + 2], layers[start + 3] = layers[start + 3], layers[start + 2]
        encoder.layers = nn.Sequential(*layers)
    assert isinstance(swapped.encoders[0].layers[2], nn.ReLU)

    inputs = torch.rand(8, 1, 16, 16)
    inputs[:, :, :4] = 0.0  # constant rows give ties inside the pooling windows
    targets = torch.arange(8) % 3
    for net in (network, swapped):
        nn.functional.cross_entropy(net(inputs), targets).backward()

    assert torch.equal(network(inputs), swapped(inputs))
    for original, reordered in zip(network.parameters(), swapped.parameters()):
        assert torch.equal(original.grad, reordered.grad)


def test_channels_last_matches_default_order(train_data, test_data, small_net):
    images, spectrograms, _, y = train_data
    default = MMDLClassifier(**small_net).fit((images, spectrograms), y)
    reordered = MMDLClassifier(channels_last=True, **small_net).fit((images, spectrograms), y)
    conv = reordered.module_.encoders[0].layers[0]
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)

    test_images, test_spectrograms, _, _ = test_data
    np.testing.assert_allclose(
        reordered.predict_proba((test_images, test_spectrograms)),
        default.predict_proba((test_images, test_spectrograms)),
        atol=1e-4,
    )


def test_channels_last_rejects_non_bool(train_data, small_net):
    images, _, vectors, y = train_data
    with pytest.raises(ValueError, match="'channels_last' parameter"):
        MMDLClassifier(channels_last="yes", **small_net).fit((images, vectors), y)
