"""
Late fusion on AV-MNIST
=======================

Train a late-fusion classifier on part of the AV-MNIST sample, then plot its
learning curve and its confusion matrix on the test pairs.

To keep the example fast, the 112 x 112 spectrograms are average-pooled to
28 x 28 by a :class:`~skmmdl.ModalityTransformer` step, and the model trains
for 2 epochs on 320 of 400 pairs, with the other 80 as validation data.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skmmdl import MMDLClassifier, ModalityTransformer
from skmmdl.datasets import load_avmnist_sample

data = load_avmnist_sample()
# An index array selects samples; a slice would select modalities.
subset = np.arange(400)
X_train, y_train = data.X_train[subset], data.y_train[subset]
print(X_train)


def pool_4x4(flat_spectrograms):
    """Average 4 x 4 blocks of flattened 112 x 112 spectrograms, giving 28 x 28."""
    blocks = flat_spectrograms.reshape(-1, 28, 4, 28, 4)
    return blocks.mean(axis=(2, 4)).reshape(len(flat_spectrograms), -1)


model = Pipeline([
    ("prep", ModalityTransformer([
        ("image", "passthrough"),
        ("audio", FunctionTransformer(pool_4x4)),
    ])),
    ("clf", MMDLClassifier(
        fusion="concat", max_epochs=2, optimizer=torch.optim.Adam, lr=1e-3,
        batch_size=16, validation_fraction=0.2, random_state=0, verbose=1,
    )),
])
model.fit(X_train, y_train)
print(f"Test accuracy: {model.score(data.X_test, data.y_test):.3f}")

# %%
# Learning curve
# --------------
# The history of the skorch net stores one row per epoch.

history = model.named_steps["clf"].history
epochs = history[:, "epoch"]
figure, axis = plt.subplots(figsize=(5, 3))
axis.plot(epochs, history[:, "train_loss"], marker="o", label="train_loss")
axis.plot(epochs, history[:, "valid_loss"], marker="o", label="valid_loss")
axis.set_xlabel("epoch")
axis.set_ylabel("loss")
axis.set_xticks(np.asarray(epochs))
axis.legend()
figure.tight_layout()

# %%
# Confusion matrix on the test pairs
# ----------------------------------

ConfusionMatrixDisplay.from_predictions(data.y_test, model.predict(data.X_test), colorbar=False)
plt.show()
