"""Seeding of a net's torch and NumPy randomness from its ``random_seed_``."""

import contextlib

import torch

__all__ = ["SeedingMixin"]


class SeedingMixin:
    """Derive every random stream of a fit from ``random_seed_``.

    Weight initialisation runs under ``random_seed_`` and each epoch's shuffle
    under ``[random_seed_, epoch]``, so a run resumed at any epoch gets the
    same batches as an uninterrupted one. The global torch RNG is restored
    after each seeded block.
    """

    @contextlib.contextmanager
    def _seeded_torch(self, offset):
        """Run torch code under the seed ``random_seed_ + offset``, then restore the global RNG."""
        devices = []
        if torch.device(self.device).type == "cuda":
            devices = [torch.device(self.device).index or 0]
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed((self.random_seed_ + offset) % 2**63)
            yield

    def _epoch_seed(self):
        return [self.random_seed_, len(self.history)]
