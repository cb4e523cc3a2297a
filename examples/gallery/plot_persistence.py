"""
Sharing a model without pickle
==============================

``joblib`` and ``pickle`` files can run any code when they are loaded.
:func:`skmmdl.persistence.dump` writes a skops file that holds only
parameters, arrays and text, and :func:`skmmdl.persistence.load` builds only
the types in its trusted list.
"""

import tempfile
from pathlib import Path

import numpy as np
import skops.io

from skmmdl import MMDLClassifier, persistence
from skmmdl.datasets import load_avmnist_sample

data = load_avmnist_sample()
images = data.X_train[0][:200]
y = data.y_train[:200]

# The image modality alone keeps this example short.
clf = MMDLClassifier(max_epochs=1, lr=0.1, random_state=0, verbose=0).fit(images, y)

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "model.skops"
    persistence.dump(clf, path)
    print("Types the file refers to:", skops.io.get_untrusted_types(file=path))
    loaded = persistence.load(path)

test_images = data.X_test[0]
same = np.array_equal(loaded.predict_proba(test_images), clf.predict_proba(test_images))
print("Identical probabilities after loading:", same)
print("Trusted by default:", persistence.trusted_types())
