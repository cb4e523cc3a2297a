"""Reduce MNIST images to their leading principal components."""

import numpy as np
from sklearn.decomposition import PCA

__all__ = ["ImageReducer"]


class ImageReducer:
    """Project images onto the leading PCA components and back.

    Parameters
    ----------
    pca_variance : float in (0, 1]
        The fraction of the variance of the fitting images to keep. The
        number of components is the smallest whose cumulative explained
        variance ratio exceeds it (scikit-learn's rule for a float
        ``n_components``). At 1.0 no PCA is fitted and images pass unchanged.

    Attributes
    ----------
    n_components_ : int
        Components kept (784 when ``pca_variance`` is 1.0).
    explained_variance_ratio_ : float
        Fraction of the fitting images' variance the kept components explain.
    """

    def __init__(self, pca_variance):
        self.pca_variance = pca_variance

    def fit(self, images):
        """Fit the PCA to images of shape (n_images, 28, 28)."""
        flat = images.reshape(images.shape[0], -1)
        if self.pca_variance == 1.0:
            self.pca_ = None
            self.n_components_ = flat.shape[1]
            self.explained_variance_ratio_ = 1.0
            return self

        # Both solvers give the same components. With more images than pixels,
        # "covariance_eigh" decomposes the 784 x 784 covariance matrix, which
        # is about ten times faster than a full SVD of 60,000 images. With
        # fewer images, the SVD of the images is the smaller problem.
        n_images, n_pixels = flat.shape
        solver = "covariance_eigh" if n_images > n_pixels else "full"
        self.pca_ = PCA(n_components=self.pca_variance, svd_solver=solver)
        self.pca_.fit(flat.astype(np.float32))
        self.n_components_ = int(self.pca_.n_components_)
        self.explained_variance_ratio_ = float(self.pca_.explained_variance_ratio_.sum())
        return self

    def reconstruct(self, images):
        """Return the images rebuilt from the kept components.

        Parameters
        ----------
        images : ndarray of shape (n_images, 28, 28), dtype uint8

        Returns
        -------
        flat : ndarray of shape (n_images, 784), dtype uint8
            Rounded and clipped to 0-255.
        """
        flat = images.reshape(images.shape[0], -1)
        if self.pca_ is None:
            return np.array(flat, dtype=np.uint8)

        projected = self.pca_.transform(flat.astype(np.float32))
        rebuilt = self.pca_.inverse_transform(projected)
        np.clip(rebuilt, 0.0, 255.0, out=rebuilt)
        return np.rint(rebuilt).astype(np.uint8)
