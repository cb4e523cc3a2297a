"""Device handling: resolve device="auto" per call and guard CUDA in forked workers."""

import contextlib

import torch

from .exceptions import CudaForkError

__all__ = ["DeviceMixin", "check_fork_safe", "resolve_device"]


def _in_bad_fork():
    # torch sets this flag in a child forked after the parent initialised CUDA,
    # and raises RuntimeError there when CUDA is initialised again. The getattr
    # keeps this working if a torch build lacks the private function.
    is_in_bad_fork = getattr(torch.cuda, "_is_in_bad_fork", None)
    return bool(is_in_bad_fork()) if is_in_bad_fork is not None else False


def check_fork_safe(device):
    """Raise CudaForkError if ``device`` may use CUDA in a bad forked child.

    ``device`` is the estimator's ``device`` parameter as the user set it.
    ``"auto"`` counts as a CUDA request, because a bad fork only happens where
    the parent process used CUDA. Nothing is raised for the CPU or other
    devices, so CPU work in forked workers keeps working.
    """
    if device is None:
        return
    if isinstance(device, str) and device == "auto":
        wants_cuda = True
    else:
        wants_cuda = torch.device(device).type == "cuda"
    if wants_cuda and _in_bad_fork():
        raise CudaForkError(
            f"device={str(device)!r} was requested in a child process that was forked "
            "after the parent process initialised CUDA, where CUDA cannot be used. "
            "Start workers with the 'spawn' or 'forkserver' start method (joblib's "
            "default 'loky' backend does this), or set device='cpu' in the workers."
        )


def resolve_device(device):
    """Return ``"cuda"`` or ``"cpu"`` for ``"auto"``; return any other device unchanged."""
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class DeviceMixin:
    """Resolve a skorch net's ``device="auto"`` only while a call runs.

    skorch reads ``self.device`` in many places and expects a concrete
    device. Resolving it per call, and on unpickling, keeps ``get_params``
    returning ``"auto"``, so a model trained on a GPU machine still reports
    ``"auto"`` and loads on a CPU-only one.
    """

    @contextlib.contextmanager
    def _resolved_device(self):
        """Set ``self.device`` to the concrete device for the duration of a call.

        skorch reads ``self.device`` in many places; "auto" is resolved here and
        restored afterwards, so that ``get_params`` still returns what the user set.
        """
        requested = self.device
        check_fork_safe(requested)
        self.device = resolve_device(requested)
        try:
            yield
        finally:
            self.device = requested

    def __setstate__(self, state):
        requested = state.get("device")
        state["device"] = resolve_device(requested)
        super().__setstate__(state)
        # skorch maps an explicit "cuda" to "cpu" with a DeviceWarning when CUDA
        # is missing; only "auto" goes back to what was saved.
        if isinstance(requested, str) and requested == "auto":
            self.device = requested
