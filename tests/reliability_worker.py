"""Training runs that tests/test_reliability.py starts in a separate process.

Usage::

    python reliability_worker.py fit OUTPUT.npz
        Fit with PARAMS and the step schedule, and save the weights and
        probabilities to OUTPUT.npz.
    python reliability_worker.py hang CHECKPOINT_DIR MARKER
        Fit with PARAMS and checkpoint_dir=CHECKPOINT_DIR. At the start of the
        second batch of epoch 3, create MARKER and sleep until killed.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback, LRScheduler

from skmmdl import MMDLClassifier

# SGD with momentum and a step schedule, so that a resumed run only matches an
# uninterrupted one if the optimizer and scheduler state were restored.
PARAMS = dict(
    encoder_channels=2,
    encoder_blocks=2,
    mlp_dims=(8,),
    hidden_dim=8,
    batch_size=8,
    max_epochs=4,
    optimizer=torch.optim.SGD,
    optimizer__momentum=0.9,
    lr=0.05,
    device="cpu",
    verbose=0,
    random_state=0,
)
HANG_EPOCH = 3
HANG_BATCH = 2


def step_schedule():
    return LRScheduler(policy=torch.optim.lr_scheduler.StepLR, step_size=2, gamma=0.5)


def make_data(n_samples=24, seed=0):
    """Return ``((images, vectors), y)``: 16 x 16 images and 5 features, 3 classes."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 3
    images = 0.5 * rng.random((n_samples, 16, 16), dtype=np.float32)
    vectors = 0.5 * rng.standard_normal((n_samples, 5)).astype(np.float32)
    for sample, label in enumerate(y):
        images[sample, 5 * label : 5 * label + 5, :] += 1.0
        vectors[sample, label] += 2.0
    return (images, vectors), y


class HangMidEpoch(Callback):
    """Create ``marker`` at the start of batch HANG_BATCH of epoch HANG_EPOCH, then sleep."""

    def __init__(self, marker):
        self.marker = marker

    def on_batch_begin(self, net, training=False, **kwargs):
        batches_begun = len(net.history[-1]["batches"])
        if training and len(net.history) == HANG_EPOCH and batches_begun == HANG_BATCH:
            Path(self.marker).touch()
            time.sleep(600)


def main(argv):
    mode = argv[0]
    X, y = make_data()
    if mode == "fit":
        clf = MMDLClassifier(**PARAMS, callbacks=[("schedule", step_schedule())]).fit(X, y)
        weights = {name: value.numpy() for name, value in clf.module_.state_dict().items()}
        np.savez(argv[1], proba=clf.predict_proba(X), **weights)
    elif mode == "hang":
        callbacks = [("schedule", step_schedule()), ("hang", HangMidEpoch(argv[2]))]
        MMDLClassifier(**PARAMS, callbacks=callbacks, checkpoint_dir=argv[1]).fit(X, y)
    else:
        raise SystemExit(f"unknown mode {mode!r}; use 'fit' or 'hang'")


if __name__ == "__main__":
    threads = os.environ.get("SKMMDL_TEST_TORCH_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    main(sys.argv[1:])
