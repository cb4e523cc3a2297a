"""Shared fixtures: tiny multimodal data whose classes are learnable, devices and fitted models.

Every array is small (a few dozen samples, 16 x 16 images) because the test
machines may have two CPU cores and no GPU. The data arrays are read-only, so
a test fails if the package writes into the caller's input.
"""

import numpy as np
import pytest
import torch

from skmmdl import MMDLClassifier, Modalities

N_CLASSES = 3

# Small encoders and a short Adam run learn the synthetic classes in seconds. The default
# SGD (lr=0.05) leaves lrtf near chance for about 20 epochs on this data, because its
# xavier-initialised factors start small and their product has small gradients.
SMALL_NET = dict(
    encoder_channels=4,
    mlp_dims=(16,),
    hidden_dim=32,
    batch_size=8,
    max_epochs=3,
    optimizer=torch.optim.Adam,
    lr=0.01,
    verbose=0,
    random_state=0,
)


def make_multimodal(n_samples, seed, n_classes=N_CLASSES):
    """Return ``(images, spectrograms, vectors, y)`` where each modality alone predicts ``y``.

    Class ``k`` lights a horizontal band of rows in the images (N, 16, 16) and
    in the spectrograms (N, 1, 24, 24), and shifts feature ``k`` of the
    vectors (N, 5). Uniform noise keeps the samples distinct.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)

    images = 0.5 * rng.random((n_samples, 16, 16), dtype=np.float32)
    spectrograms = 0.5 * rng.random((n_samples, 1, 24, 24), dtype=np.float32)
    vectors = 0.5 * rng.standard_normal((n_samples, 5)).astype(np.float32)
    for sample, label in enumerate(y):
        images[sample, 5 * label : 5 * label + 5, :] += 1.0
        spectrograms[sample, 0, 8 * label : 8 * label + 8, :] += 1.0
        vectors[sample, label] += 2.0

    arrays = (images, spectrograms, vectors, y)
    for array in arrays:
        array.flags.writeable = False
    return arrays


@pytest.fixture(scope="session")
def train_data():
    """48 training samples: images, spectrograms, vectors and labels 0, 1, 2."""
    return make_multimodal(48, seed=0)


@pytest.fixture(scope="session")
def test_data():
    """24 held-out samples drawn like ``train_data`` with another seed."""
    return make_multimodal(24, seed=1)


@pytest.fixture
def small_net():
    """Keyword arguments of a small, fast, seeded MMDLClassifier (a fresh dict per test)."""
    return dict(SMALL_NET)


@pytest.fixture(scope="session")
def fitted_clf(train_data):
    """Concat-fusion classifier trained on (images, vectors) and shared, so tests must not modify it."""
    images, _, vectors, y = train_data
    return MMDLClassifier(**SMALL_NET).fit(Modalities((images, vectors)), y)


@pytest.fixture(
    params=[
        "cpu",
        pytest.param(
            "cuda",
            marks=pytest.mark.skipif(
                not torch.cuda.is_available(), reason="CUDA is not available"
            ),
        ),
    ]
)
def device(request):
    """Each test that takes ``device`` runs on the CPU and, where available, on CUDA."""
    return request.param
