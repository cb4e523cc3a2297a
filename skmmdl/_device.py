"""Guard against using CUDA in a process forked after the parent initialised CUDA."""

import torch

from .exceptions import CudaForkError

__all__ = ["check_fork_safe"]


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
