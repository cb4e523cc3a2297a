"""Save training state after every epoch and resume an interrupted ``fit`` from it.

skorch's ``Checkpoint`` writes parameters, optimizer state and history to
separate files, so a process killed between two writes leaves a set that does
not match. Here one file contains everything and replaces the previous one
with ``os.replace``, which is atomic on POSIX file systems. A kill at any
moment therefore leaves either the previous complete checkpoint or the new one.
"""

import json
import logging
import numbers
import os
import pickle
from pathlib import Path

import torch
from skorch.callbacks import Callback, LRScheduler
from skorch.history import History

from .exceptions import CheckpointMismatchError

__all__ = ["CHECKPOINT_FILE", "CheckpointMixin", "SaveCheckpoint"]

logger = logging.getLogger(__name__)

CHECKPOINT_FILE = "checkpoint.pt"
_FORMAT_VERSION = 1

# Estimator parameters that must match for a checkpoint to continue the same run.
# max_epochs, verbose, device and callbacks may change between the runs.
_RUN_PARAMETERS = (
    "fusion", "modality", "rank", "fusion_dim", "hidden_dim", "encoder_channels",
    "encoder_blocks", "mlp_dims", "batch_size", "lr", "validation_fraction",
)


def _as_json(value):
    return json.dumps(value, default=repr, sort_keys=True)


def run_settings(net, n_samples):
    """Return the settings that identify a training run, as JSON strings by name."""
    settings = {name: _as_json(getattr(net, name)) for name in _RUN_PARAMETERS}
    optimizer = net.optimizer
    settings["optimizer"] = _as_json(getattr(optimizer, "__qualname__", repr(optimizer)))
    settings["optimizer__*"] = _as_json(net.get_params_for("optimizer"))
    settings["classes_"] = _as_json(net.classes_.tolist())
    settings["input_shapes_"] = _as_json([list(shape) for shape in net.input_shapes_])
    settings["n_samples"] = _as_json(n_samples)
    if isinstance(net.random_state, numbers.Integral):
        # None and RandomState draw a fresh seed per fit, so resuming reuses the saved seed.
        settings["random_state"] = _as_json(net.random_state)
    return settings


def _lr_schedulers(net):
    return {
        name: callback for name, callback in net.callbacks_
        if isinstance(callback, LRScheduler) and hasattr(callback, "lr_scheduler_")
    }


class SaveCheckpoint(Callback):
    """Write ``checkpoint.pt`` to ``directory`` at the end of every epoch.

    The file contains the module's ``state_dict``, every optimizer's state, the
    state of skorch ``LRScheduler`` callbacks, the history, the seed and the
    run settings. :class:`CheckpointMixin` adds this callback after all others,
    so that the saved history has the epoch's scores and the learning rate
    schedulers have stepped.
    """

    def __init__(self, directory):
        self.directory = directory

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.settings_ = run_settings(net, X.n_samples)

    def on_epoch_end(self, net, **kwargs):
        state = {
            "format_version": _FORMAT_VERSION,
            "epochs": len(net.history),
            "module": net.module_.state_dict(),
            "optimizers": {
                name: getattr(net, name + "_").state_dict() for name in net._optimizers
            },
            "lr_schedulers": {
                name: callback.lr_scheduler_.state_dict()
                for name, callback in _lr_schedulers(net).items()
            },
            "history": json.dumps(net.history.to_list()),
            "random_seed": int(net.random_seed_),
            "settings": self.settings_,
        }
        directory = Path(self.directory)
        path = directory / CHECKPOINT_FILE
        partial = directory / f".{CHECKPOINT_FILE}.{os.getpid()}.partial"
        with open(partial, "wb") as file:
            torch.save(state, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
        logger.debug("Saved epoch %d to %s", state["epochs"], path)


def load_checkpoint(path, device):
    """Read a checkpoint file; raise ValueError naming the file if it cannot be read."""
    try:
        # weights_only unpickles only tensors, numbers and strings, which is all the
        # file contains, so a file planted in a shared directory cannot run code.
        state = torch.load(path, map_location=device, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError) as exc:
        raise ValueError(
            f"Checkpoint file {path} could not be read ({exc}). Delete it to train "
            "from scratch."
        ) from exc
    version = state.get("format_version") if isinstance(state, dict) else None
    if version != _FORMAT_VERSION:
        raise ValueError(
            f"Checkpoint file {path} has format version {version!r}; this skmmdl "
            f"reads version {_FORMAT_VERSION}. Delete it to train from scratch."
        )
    return state


class CheckpointMixin:
    """skorch net mixin: save after every epoch into ``checkpoint_dir``, resume on ``fit``.

    A fit whose network is freshly initialised (empty history) loads
    ``checkpoint_dir/checkpoint.pt`` if it exists, then trains only the
    epochs that remain to reach ``max_epochs``. A ``warm_start`` fit or a
    later ``partial_fit`` continues from the current weights and does not load.
    In both cases the learning-rate schedulers continue where they stopped,
    with or without ``checkpoint_dir``.
    The estimator needs ``checkpoint_dir``, ``random_seed_``, ``classes_`` and
    ``input_shapes_``.
    """

    def initialize_callbacks(self):
        super().initialize_callbacks()
        if self.checkpoint_dir is None:
            return self
        directory = Path(self.checkpoint_dir)
        if directory.exists() and not directory.is_dir():
            raise ValueError(
                f"checkpoint_dir={str(self.checkpoint_dir)!r} is a file, not a "
                "directory. Pass a directory path (it is created if missing)."
            )
        saver = SaveCheckpoint(directory).initialize()
        self.callbacks_ = [*self.callbacks_, ("save_checkpoint", saver)]
        return self

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        self._checkpoint_resumed = None
        self._schedule_to_restore = None
        if self.history:
            # A warm_start fit or a later partial_fit continues the schedule.
            self._schedule_to_restore = self._schedule_state()
        if self.checkpoint_dir is not None:
            Path(self.checkpoint_dir).mkdir(parents=True, exist_ok=True)
            if not self.history:
                self._checkpoint_resumed = self._resume_from_checkpoint(X)
                self._schedule_to_restore = self._checkpoint_resumed
        return super().partial_fit(X, y, classes=classes, **fit_params)

    def _schedule_state(self):
        return {
            "lr_schedulers": {
                name: callback.lr_scheduler_.state_dict()
                for name, callback in _lr_schedulers(self).items()
            },
            "optimizers": {
                name: getattr(self, name + "_").state_dict() for name in self._optimizers
            },
        }

    def _resume_from_checkpoint(self, X):
        directory = Path(self.checkpoint_dir)
        path = directory / CHECKPOINT_FILE
        if not path.exists():
            return None
        state = load_checkpoint(path, self.device)

        expected = run_settings(self, X.n_samples)
        saved = state["settings"]
        for name in sorted(set(expected) | set(saved)):
            if expected.get(name) != saved.get(name):
                raise CheckpointMismatchError(
                    f"The checkpoint in {directory} was saved by a fit with {name}="
                    f"{saved.get(name)}, but this fit has {name}={expected.get(name)}. "
                    "Fit with the saved settings and data to resume, or delete "
                    f"{directory} (or set checkpoint_dir to a new directory) to "
                    "train from scratch."
                )

        self.module_.load_state_dict(state["module"])
        for name, optimizer_state in state["optimizers"].items():
            getattr(self, name + "_").load_state_dict(optimizer_state)
        self.history_ = History(json.loads(state["history"]))
        self.random_seed_ = state["random_seed"]
        logger.info("Resumed from %s after epoch %d", path, state["epochs"])
        return state

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        resumed = getattr(self, "_checkpoint_resumed", None)
        schedule = getattr(self, "_schedule_to_restore", None)
        self._checkpoint_resumed = self._schedule_to_restore = None
        if schedule is not None:
            self._restore_lr_schedulers(schedule)
        if resumed is not None and epochs is None:
            epochs = max(0, self.max_epochs - resumed["epochs"])
        return super().fit_loop(X, y, epochs=epochs, **fit_params)

    def _restore_lr_schedulers(self, state):
        # LRScheduler.on_train_begin builds a new scheduler from len(history), and
        # its constructor steps once more (StepLR then decays twice). Putting back
        # the saved scheduler state and learning rates makes the next epoch match.
        # Without a scheduler the learning rate is left alone, so that a
        # set_params(lr=...) between two warm_start fits takes effect.
        schedulers = _lr_schedulers(self)
        restored = [name for name in state["lr_schedulers"] if name in schedulers]
        if not restored:
            return
        for name in restored:
            schedulers[name].lr_scheduler_.load_state_dict(state["lr_schedulers"][name])
        for name, optimizer_state in state["optimizers"].items():
            optimizer = getattr(self, name + "_")
            for group, saved_group in zip(optimizer.param_groups, optimizer_state["param_groups"]):
                group["lr"] = saved_group["lr"]
