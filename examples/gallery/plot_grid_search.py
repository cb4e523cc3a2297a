"""
Per-modality preprocessing in a grid search
===========================================

A :class:`~skmmdl.ModalityTransformer` reduces the spectrograms with PCA, so
the audio encoder becomes an MLP on the PCA components. ``GridSearchCV``
tunes the number of components through the parameter
``prep__audio__n_components``, and the PCA of every fold is fitted on that
fold's training pairs only.
"""

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skmmdl import MMDLClassifier, ModalityTransformer
from skmmdl.datasets import load_avmnist_sample

data = load_avmnist_sample()
# An index array selects samples; a slice would select modalities.
subset = np.arange(300)
X_train, y_train = data.X_train[subset], data.y_train[subset]

pipe = Pipeline([
    ("prep", ModalityTransformer([("image", "passthrough"), ("audio", PCA(random_state=0))])),
    ("clf", MMDLClassifier(
        max_epochs=1, optimizer=torch.optim.Adam, lr=1e-3, batch_size=16,
        random_state=0, verbose=0,
    )),
])
search = GridSearchCV(pipe, {"prep__audio__n_components": [8, 32]}, cv=2)
search.fit(X_train, y_train)

for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    print(params, f"mean CV accuracy {score:.3f}")
print("Best:", search.best_params_)

# %%
# The fitted PCA of the refitted pipeline turns each spectrogram into a vector:

audio_pca = search.best_estimator_.named_steps["prep"].named_transformers_.audio
print("PCA components:", audio_pca.n_components_)
print("Transformed test input:", search.best_estimator_.named_steps["prep"].transform(data.X_test))
