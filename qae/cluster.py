"""Clusters without labels, and how to score them against labels.

`cluster_codes` groups any (N, d) representation (an autoencoder's codes, say): k-means,
or a Gaussian mixture on a 2-D t-SNE of it. Scoring follows post 002: map each cluster to
the digit it holds most often and count the images that mapping labels correctly. Labels
only score, never fit.
"""

from __future__ import annotations

import numpy as np
import torch

CLUSTER_METHODS = ("kmeans", "tsne_gmm")
TSNE_THREADS = 2  # see cluster_codes


def confusion_matrix(actual: torch.Tensor, assigned: torch.Tensor, classes: int = 10, clusters: int = 10) -> np.ndarray:
    """(classes, clusters) counts: row = actual digit, column = cluster (or neuron)."""
    counts = np.zeros((classes, clusters), dtype=np.int64)
    np.add.at(counts, (np.asarray(actual), np.asarray(assigned)), 1)
    return counts


def cluster_to_digit(confusion: np.ndarray) -> np.ndarray:
    """The post's mapping: each cluster (column) to the digit it holds most often."""
    return confusion.argmax(0)


def mapping_accuracy(confusion: np.ndarray) -> float:
    """Share of images whose cluster's mapped digit is their digit (post 002: 40%)."""
    return float(confusion.max(0).sum() / confusion.sum())


def digits_covered(confusion: np.ndarray) -> int:
    """How many distinct digits the mapping predicts at all (10 when no digit is lost)."""
    return len(set(cluster_to_digit(confusion[:, confusion.sum(0) > 0]).tolist()))


def cluster_codes(
    codes: torch.Tensor, method: str, clusters: int, seed: int, perplexity: float = 30.0, pca_dims: int = 50
) -> tuple[np.ndarray, np.ndarray | None]:
    """Cluster (N, d) codes without labels; returns (N,) cluster ids and the 2-D
    embedding that was clustered (None for k-means on the codes themselves).

    Codes longer than `pca_dims` are first reduced to their `pca_dims` principal
    components (distances as before, less noise). kmeans: k-means on them. tsne_gmm:
    a 2-D t-SNE of them, which keeps each code's nearest neighbours close, then a
    Gaussian mixture of `clusters` components, the best of 5 starts by likelihood.
    """
    from sklearn.cluster import KMeans  # imported here: scikit-learn takes a second to import
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    if method not in CLUSTER_METHODS:
        raise ValueError(f"unknown cluster method {method!r}; one of {', '.join(CLUSTER_METHODS)}")
    # Fixed thread counts: scikit-learn's parallel sums may round differently with another
    # count, and with fixed ones every machine gets the same clusters. t-SNE's only
    # parallel sum adds one partial sum per thread: with two, the order they finish in
    # cannot change it, and its embedding runs 1.7x faster than with one.
    with threadpool_limits(1):
        z = codes.double().numpy()
        if z.shape[1] > pca_dims:
            z = PCA(pca_dims, random_state=seed).fit_transform(z)
        if method == "kmeans":
            return KMeans(clusters, n_init=10, random_state=seed).fit_predict(z), None
    with threadpool_limits(TSNE_THREADS):
        embedding = TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(z)
    with threadpool_limits(1):
        mixture = GaussianMixture(clusters, n_init=5, random_state=seed).fit(embedding)
        return mixture.predict(embedding), embedding
