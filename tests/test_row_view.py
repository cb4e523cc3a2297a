"""RowView: the folds of memory-mapped modalities are indexed, not copied."""

import sys

import joblib
import numpy as np
import pytest
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmmdl import MMDLClassifier, Modalities, ModalityTransformer, RowView
from skmmdl._validation import as_modalities


@pytest.fixture
def mapped(tmp_path):
    """Twelve samples saved to .npy and loaded as memory maps; every value is its sample id."""
    images = np.arange(12, dtype=np.uint8)[:, None, None] * np.ones((1, 4, 4), np.uint8)
    vectors = np.arange(12, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    arrays = []
    for name, array in (("images", images), ("vectors", vectors)):
        np.save(tmp_path / f"{name}.npy", array)
        arrays.append(np.load(tmp_path / f"{name}.npy", mmap_mode="r"))
    return Modalities(arrays)


def test_index_array_of_memory_map_gives_views(mapped):
    subset = mapped[np.array([7, 2, 2])]

    assert all(isinstance(array, RowView) for array in subset)
    assert subset[0].base is mapped[0]
    assert subset[1].shape == (3, 3)


def test_views_read_the_selected_rows(mapped):
    subset = mapped[np.arange(12) % 4 == 1]

    np.testing.assert_array_equal(np.asarray(subset[0])[:, 0, 0], [1, 5, 9])
    np.testing.assert_array_equal(subset[1][1:], np.asarray(mapped[1])[[5, 9]])
    assert subset[1][2, 0] == 9


def test_nested_selection_composes_indices(mapped):
    inner = mapped[np.array([11, 3, 8, 0])][np.array([2, 0])]

    np.testing.assert_array_equal(inner[0].indices, [8, 11])
    np.testing.assert_array_equal(inner[1][np.array([1, 0])][:, 0], [11, 8])


def test_in_memory_arrays_are_still_copied(mapped):
    in_memory = Modalities(np.array(array) for array in mapped)

    subset = in_memory[np.array([1, 2])]

    assert all(type(array) is np.ndarray for array in subset)


def test_row_view_rejects_2d_indices(mapped):
    with pytest.raises(ValueError, match="RowView indices must be 1-D; got shape"):
        RowView(mapped[0], np.zeros((2, 2), dtype=int))


def test_joblib_workers_index_folds_without_copies(mapped):
    # joblib memory-maps arrays for its workers, so a worker that selects
    # a fold gets views too, and only the batches it reads become copies.
    in_memory = Modalities(np.repeat(np.array(array), 20000, axis=0) for array in mapped)

    kinds = joblib.Parallel(n_jobs=2, max_nbytes="1K")(
        joblib.delayed(lambda X, rows: [type(a).__name__ for a in X[rows]])(in_memory, rows)
        for rows in (np.arange(5), np.arange(5, 9))
    )

    assert kinds == [["RowView", "RowView"], ["RowView", "RowView"]]


def test_training_on_views_matches_training_on_copies(mapped):
    labels = np.arange(12) % 2
    in_memory = Modalities(np.array(array) for array in mapped)
    settings = dict(
        encoder_channels=2, hidden_dim=8, max_epochs=2, batch_size=4, input_scale=[1 / 12, None],
        random_state=0,
    )
    folds = KFold(3, shuffle=True, random_state=0)

    on_views = cross_val_score(MMDLClassifier(**settings), mapped, labels, cv=folds,
                               scoring="neg_log_loss")
    on_copies = cross_val_score(MMDLClassifier(**settings), in_memory, labels, cv=folds,
                                scoring="neg_log_loss")

    np.testing.assert_array_equal(on_views, on_copies)


def _resident_kib(path):
    """Return the kB of ``path`` mapped into this process (Linux /proc/self/smaps)."""
    total, inside = 0, False
    for line in open("/proc/self/smaps"):
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:
            inside = len(fields) >= 6 and fields[5] == str(path)
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")
def test_training_drops_read_pages_of_the_file(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "big.npy", rng.integers(0, 255, (600, 64, 64), dtype=np.uint8))
    images = np.load(tmp_path / "big.npy", mmap_mode="r")
    labels = np.arange(600) % 2
    np.asarray(images).sum()  # map every page, as an earlier pass would
    assert _resident_kib(tmp_path / "big.npy") > 2000

    MMDLClassifier(encoder_channels=2, hidden_dim=8, max_epochs=1, batch_size=100,
                   input_scale=1 / 255, random_state=0).fit(images, labels)

    assert _resident_kib(tmp_path / "big.npy") == 0


def test_copy_on_write_changes_survive_training(tmp_path):
    np.save(tmp_path / "images.npy", np.zeros((40, 8, 8), dtype=np.float32))
    images = np.load(tmp_path / "images.npy", mmap_mode="c")
    images[:, 0, 0] = 7.0  # changes that exist only in this process's pages
    labels = np.arange(40) % 2

    MMDLClassifier(encoder_channels=2, hidden_dim=8, max_epochs=1, batch_size=8,
                   random_state=0).fit(images, labels)

    np.testing.assert_array_equal(images[:, 0, 0], np.full(40, 7.0, dtype=np.float32))


def test_tuple_of_views_is_not_read(mapped):
    subset = mapped[np.array([3, 4])]

    X = as_modalities((subset[0], subset[1]))

    assert all(isinstance(array, RowView) for array in X)


def test_pipeline_with_transformers_runs_on_views(mapped):
    labels = np.arange(12) % 2
    pipe = Pipeline([
        ("prep", ModalityTransformer([("images", "passthrough"), ("vectors", StandardScaler())])),
        ("clf", MMDLClassifier(encoder_channels=2, hidden_dim=8, max_epochs=1, batch_size=4,
                               input_scale=[1 / 12, None], random_state=0)),
    ])

    scores = cross_val_score(pipe, mapped, labels, cv=KFold(3))

    assert scores.shape == (3,)
    assert np.all((scores >= 0) & (scores <= 1))


def test_row_view_rejects_conversion_without_copy(mapped):
    view = mapped[np.array([0, 1])][0]

    with pytest.raises(ValueError, match="cannot be converted without a copy"):
        np.asarray(view, copy=False)
