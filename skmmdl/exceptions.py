"""Exceptions raised by skmmdl estimators."""

__all__ = ["CheckpointMismatchError", "CudaForkError", "NonFiniteLossError"]


class NonFiniteLossError(FloatingPointError):
    """Training loss or gradients became NaN or infinite.

    Raised before the optimizer step of the failing batch, so the network keeps
    the weights of the last step whose loss and gradients were finite.

    Attributes
    ----------
    epoch : int
        The epoch that failed, counted from 1 as in ``history_``.
    batch : int
        The batch of that epoch that failed, counted from 1.
    """

    def __init__(self, message, *, epoch, batch):
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch


class CheckpointMismatchError(ValueError):
    """A checkpoint directory contains a run whose settings differ from this ``fit``."""


class CudaForkError(RuntimeError):
    """CUDA was requested in a child process forked after the parent initialised CUDA."""
