"""Modalities: a tuple of per-modality arrays that scikit-learn slices by sample."""

import pickle

import numpy as np
import pytest
from sklearn.model_selection import KFold, train_test_split
from sklearn.utils import _safe_indexing

from skmmdl import Modalities


@pytest.fixture
def modalities():
    """Ten samples whose first-axis index is stored in every value, so slices are traceable."""
    images = np.arange(10, dtype=np.float32)[:, None, None] * np.ones((1, 4, 4), np.float32)
    vectors = np.arange(10, dtype=np.int64)[:, None] * np.ones((1, 3), np.int64)
    return Modalities((images, vectors))


def sample_ids(X):
    """Return the sample ids encoded in each modality of ``X`` (one list per modality)."""
    return [np.asarray(array).reshape(len(array), -1)[:, 0].tolist() for array in X]


def test_int_index_returns_modality(modalities):
    assert modalities[1].shape == (10, 3)


def test_negative_int_index_returns_last_modality(modalities):
    assert modalities[-1] is modalities[1]


def test_numpy_int_index_returns_modality(modalities):
    assert modalities[np.int64(0)].shape == (10, 4, 4)


def test_index_array_selects_samples(modalities):
    subset = modalities[np.array([7, 2, 2])]
    assert isinstance(subset, Modalities)
    assert sample_ids(subset) == [[7, 2, 2], [7, 2, 2]]


def test_index_list_selects_samples(modalities):
    subset = modalities[[0, 9]]
    assert sample_ids(subset) == [[0, 9], [0, 9]]


def test_bool_mask_selects_samples(modalities):
    mask = np.arange(10) % 3 == 0
    subset = modalities[mask]
    assert sample_ids(subset) == [[0, 3, 6, 9], [0, 3, 6, 9]]


def test_slice_selects_modalities(modalities):
    rest = modalities[1:]
    assert type(rest) is tuple
    assert len(rest) == 1
    assert rest[0] is modalities[1]


def test_arange_selects_sample_range(modalities):
    subset = modalities[np.arange(2, 8, 2)]
    assert isinstance(subset, Modalities)
    assert sample_ids(subset) == [[2, 4, 6], [2, 4, 6]]


def test_make_rebuilds_modalities(modalities):
    rebuilt = Modalities._make((modalities[0], *modalities[1:]))
    assert isinstance(rebuilt, Modalities)
    assert sample_ids(rebuilt) == sample_ids(modalities)


def test_key_with_ellipsis_selects_samples(modalities):
    subset = modalities[np.array([1, 5]), ...]
    assert sample_ids(subset) == [[1, 5], [1, 5]]


def test_safe_indexing_selects_samples(modalities):
    subset = _safe_indexing(modalities, np.array([4, 3]))
    assert sample_ids(subset) == [[4, 3], [4, 3]]


def test_shape_counts_samples(modalities):
    assert modalities.shape == (10,)


def test_len_counts_modalities(modalities):
    assert len(modalities) == 2


def test_n_samples_property(modalities):
    assert modalities.n_samples == 10


def test_sample_selection_keeps_per_sample_shape(modalities):
    subset = modalities[np.arange(3)]
    assert subset[0].shape == (3, 4, 4)
    assert subset[1].shape == (3, 3)


def test_repr_names_shapes(modalities):
    text = repr(modalities)
    assert "n_samples=10" in text
    assert "(10, 4, 4) float32" in text


def test_pickle_round_trip(modalities):
    restored = pickle.loads(pickle.dumps(modalities))
    assert isinstance(restored, Modalities)
    assert len(restored) == 2
    for original, loaded in zip(modalities, restored):
        np.testing.assert_array_equal(original, loaded)


def test_arrays_stored_without_copy():
    images = np.zeros((3, 2, 2))
    assert Modalities((images,))[0] is images


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError, match=r"modality 0: 5, modality 1: 7"):
        Modalities((np.zeros((5, 2)), np.zeros((7, 2))))


def test_empty_sequence_raises():
    with pytest.raises(ValueError, match="at least one array"):
        Modalities(())


def test_non_array_element_raises():
    with pytest.raises(TypeError, match="Modality 1 must be an array.*got list"):
        Modalities((np.zeros((2, 2)), [[1, 2], [3, 4]]))


def test_train_test_split_slices_every_modality(modalities):
    train, test = train_test_split(modalities, test_size=0.3, random_state=0)
    assert isinstance(train, Modalities)
    assert train.shape == (7,)
    assert test.shape == (3,)
    train_images, train_vectors = sample_ids(train)
    assert train_images == train_vectors
    assert sorted(train_images + sample_ids(test)[0]) == list(range(10))


def test_train_test_split_keeps_pairing_with_y(modalities):
    y = np.arange(10) * 10
    train, _, y_train, _ = train_test_split(modalities, y, test_size=0.3, random_state=1)
    assert [10 * sample for sample in sample_ids(train)[0]] == y_train.tolist()


def test_kfold_slices_every_modality(modalities):
    seen = []
    for train_index, test_index in KFold(n_splits=5).split(modalities):
        fold = modalities[test_index]
        assert sample_ids(fold) == [test_index.tolist(), test_index.tolist()]
        assert modalities[train_index].shape == (8,)
        seen += test_index.tolist()
    assert sorted(seen) == list(range(10))


def test_memmap_modality_not_copied(tmp_path):
    path = tmp_path / "images.npy"
    np.save(path, np.arange(24, dtype=np.float32).reshape(6, 2, 2))
    images = np.load(path, mmap_mode="r")
    X = Modalities((images,))
    assert X[0] is images
    assert X[np.array([1, 2])][0][0, 0, 0] == 4.0
