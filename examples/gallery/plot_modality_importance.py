"""
Which modality does the model use?
==================================

:func:`skmmdl.inspection.modality_importance` shuffles one whole modality
across the test pairs and measures the drop in accuracy. A large drop means
the model relies on that modality.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skmmdl import MMDLClassifier, ModalityTransformer
from skmmdl.datasets import load_avmnist_sample
from skmmdl.inspection import modality_importance

data = load_avmnist_sample()


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
        max_epochs=2, optimizer=torch.optim.Adam, lr=1e-3, batch_size=16,
        random_state=0, verbose=0,
    )),
])
subset = np.arange(400)
model.fit(data.X_train[subset], data.y_train[subset])

result = modality_importance(model, data.X_test, data.y_test, n_repeats=3, random_state=0)
print(f"Baseline test accuracy: {result.baseline_score:.3f}")
for name, mean, std in zip(
    data.modality_names, result.importances_mean, result.importances_std
):
    print(f"{name}: accuracy drop {mean:.3f} +/- {std:.3f}")

figure, axis = plt.subplots(figsize=(4, 3))
axis.bar(data.modality_names, result.importances_mean, yerr=result.importances_std, capsize=4)
axis.set_ylabel("accuracy drop when shuffled")
figure.tight_layout()
plt.show()
