"""Mini-batches sliced straight from the per-modality arrays.

skorch's default ``DataLoader`` indexes one sample at a time and collates the
samples back into a batch. Slicing whole batches from the arrays does the same
work in one NumPy call per modality, and each batch is cast to float32 only
when it is taken, so uint8 or memory-mapped data stays in its storage dtype.
"""

import mmap

import numpy as np
import torch

from ._row_view import shared_file_map

__all__ = ["ArrayBatchLoader"]

# Bytes read from memory-mapped files between two releases of their pages.
_RELEASE_EVERY_BYTES = 8 * 2**20


class ArrayBatchLoader:
    """Iterable of ``(inputs, targets)`` batches over a tuple of arrays.

    Parameters
    ----------
    modalities : sequence of array
        One array per modality, samples along the first axis.
    targets : array of int or None
        Class codes for each sample, or None at prediction time.
    indices : array of int or None
        The samples to iterate over; None means all of them, in order.
    batch_size : int
        Samples per batch; -1 means all samples in one batch.
    shuffle : bool
        Whether to permute the samples on every pass.
    seed_fn : callable or None
        Called at the start of every pass; returns the seed of that pass's
        permutation, so that a given epoch always gets the same order.
    device : str or torch.device
        Where the batches go.
    scales : sequence of float or None
        Factor by which each modality's batch is multiplied after the cast
        to float32 (``1 / 255`` for uint8 pixels); None in place of the
        sequence or of one entry leaves the values as stored.
    merge_single_last : bool
        Append a last batch of one sample to the batch before it, because
        BatchNorm cannot normalise a single sample in training mode.

    Notes
    -----
    A shuffled epoch touches every page of a memory-mapped modality, and
    touched pages count in the process's resident memory until the kernel
    needs them back. So after every 8 MiB of batches, and at the end of a
    pass, the loader drops the file's pages from the process
    (``madvise(MADV_DONTNEED)``): they stay in the page cache, and the next
    batch that needs them maps them again. The step is small because a page
    fault may map cached neighbouring pages too (Linux's fault-around), so
    the mapped pages grow faster than the batches: with a 64 MiB step, a fit
    on 763 MiB of uint8 data still peaked at 838 MiB of resident memory, and
    at 579 MiB with 8 MiB. Copy-on-write maps (mode "c") are left alone,
    because their pages may hold changes that are not in the file.
    """

    def __init__(
        self,
        modalities,
        targets=None,
        *,
        indices=None,
        batch_size,
        shuffle=False,
        seed_fn=None,
        device="cpu",
        scales=None,
        merge_single_last=False,
    ):
        self.modalities = tuple(modalities)
        self.targets = targets
        n_samples = self.modalities[0].shape[0]
        self.indices = None if indices is None else np.asarray(indices, dtype=np.intp)
        self.n_samples = n_samples if self.indices is None else len(self.indices)
        self.batch_size = self.n_samples if batch_size in (-1, None) else int(batch_size)
        self.shuffle = shuffle
        self.seed_fn = seed_fn
        self.device = device
        self.scales = (None,) * len(self.modalities) if scales is None else tuple(scales)
        self.merge_single_last = merge_single_last
        self._file_maps = _shared_file_maps(self.modalities)

    def _batch_bounds(self):
        bounds = [
            (start, min(start + self.batch_size, self.n_samples))
            for start in range(0, self.n_samples, max(1, self.batch_size))
        ]
        if self.merge_single_last and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
            bounds[-2] = (bounds[-2][0], bounds[-1][1])
            bounds.pop()
        return bounds

    def __len__(self):
        return len(self._batch_bounds())

    def __iter__(self):
        order = self.indices
        if self.shuffle:
            seed = self.seed_fn() if self.seed_fn is not None else None
            rng = np.random.default_rng(seed)
            order = rng.permutation(self.n_samples if order is None else order)

        mapped_bytes = 0
        for start, stop in self._batch_bounds():
            if order is None:
                selection = slice(start, stop)
            else:
                # Sorted rows read memory-mapped files front to back; the order
                # of samples inside a batch does not change the gradient.
                selection = np.sort(order[start:stop])
            batches = [array[selection] for array in self.modalities]
            inputs = tuple(
                self._to_tensor(batch, scale) for batch, scale in zip(batches, self.scales)
            )
            targets = None
            if self.targets is not None:
                targets = torch.as_tensor(self.targets[selection]).to(self.device)

            if self._file_maps:
                mapped_bytes += sum(batch.nbytes for batch in batches)
                if mapped_bytes >= _RELEASE_EVERY_BYTES:
                    self._release_file_pages()
                    mapped_bytes = 0
            yield inputs, targets

        self._release_file_pages()

    def _release_file_pages(self):
        for file_map in self._file_maps:
            file_map.madvise(mmap.MADV_DONTNEED)

    def _to_tensor(self, batch, scale=None):
        if not batch.flags.writeable or not batch.flags.c_contiguous:
            # A slice of a read-only memory map; torch needs its own copy.
            batch = np.array(batch, order="C")
        tensor = torch.from_numpy(batch).to(self.device, non_blocking=True)
        converted = tensor.dtype != torch.float32
        if converted:
            tensor = tensor.float()
        if scale is not None:
            # A float32 batch on the CPU may share memory with the caller's
            # array, so only a converted copy is scaled in place.
            tensor = tensor.mul_(scale) if converted else tensor * scale
        return tensor


def _shared_file_maps(modalities):
    """Return the distinct shared file maps behind ``modalities`` that support madvise."""
    if not hasattr(mmap, "MADV_DONTNEED"):
        return []
    found = {}
    for array in modalities:
        file_map = shared_file_map(array)
        if file_map is not None:
            found[id(file_map)] = file_map
    return list(found.values())


class ModalityDataset(torch.utils.data.Dataset):
    """Minimal map-style dataset that keeps ``X`` (Modalities) and ``y`` for skorch.

    skorch's splits and scoring callbacks read ``dataset.X`` and ``dataset.y``;
    :class:`ArrayBatchLoader` slices them a batch at a time.
    """

    def __init__(self, X, y=None):
        self.X = X
        self.y = y

    def __len__(self):
        return self.X.n_samples

    def __getitem__(self, index):
        inputs = tuple(array[index] for array in self.X)
        return inputs, (None if self.y is None else self.y[index])
