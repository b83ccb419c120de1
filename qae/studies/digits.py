"""Post 002: can an autoencoder tell the digits apart without labels?

Cluster assignments (the most active neuron of a softmax code, or clusters of any
autoencoder's codes) are scored against the digits the way the post does: map each
cluster to the digit it holds most often and count the images that mapping labels
correctly. Labels are used only here, to score, never to fit a clustering.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from qae.images import MNIST_MEAN, MNIST_STD, as_unit_images
from qae.models import AutoencoderConfig, SoftmaxAutoencoder
from qae.runtime import make_deterministic, pick_device
from qae.train import EpochLog, fit, training_record

CLUSTER_METHODS = ("kmeans", "tsne_gmm")
SOFTMAX_OPTIMIZERS = ("sgd", "adam")  # post 002's SGD with momentum, or Adam
SOFTMAX_RECIPES = ("post", "corrected")  # post: normalized images in and as the MSE target (post 002's notebook)


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
    # One thread: scikit-learn's parallel sums (k-means, t-SNE) may round differently with
    # another thread count; with one, every machine gets the same clusters.
    with threadpool_limits(1):
        z = codes.double().numpy()
        if z.shape[1] > pca_dims:
            z = PCA(pca_dims, random_state=seed).fit_transform(z)
        if method == "kmeans":
            return KMeans(clusters, n_init=10, random_state=seed).fit_predict(z), None
        embedding = TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(z)
        mixture = GaussianMixture(clusters, n_init=5, random_state=seed).fit(embedding)
        return mixture.predict(embedding), embedding


def confusion_rows(actual: torch.Tensor, assigned: np.ndarray, mapping: np.ndarray) -> list[dict[str, int]]:
    """One record per image for DVC's confusion template: the actual digit, the neuron or
    cluster, and the digit that cluster is mapped to (`predicted`)."""
    return [
        {"actual": int(a), "cluster": int(k), "predicted": int(mapping[k])}
        for a, k in zip(np.asarray(actual).tolist(), np.asarray(assigned).tolist(), strict=True)
    ]


def score(actual: torch.Tensor, assigned: np.ndarray) -> dict[str, Any]:
    """The post's scoring of cluster ids against digits: the confusion matrix, the
    cluster -> digit mapping, its accuracy and how many digits it predicts at all."""
    confusion = confusion_matrix(actual, assigned)
    return {
        "confusion": confusion,
        "mapping": cluster_to_digit(confusion),
        "mapping_accuracy": mapping_accuracy(confusion),
        "digits_covered": digits_covered(confusion),
    }


def train_softmax(
    images: torch.Tensor,
    epochs: int,
    batch_size: int,
    optimizer: str,
    lr: float,
    momentum: float,
    seed: int,
    progress: bool = True,
    recipe: str = "corrected",
    on_epoch: EpochLog | None = None,
) -> tuple[SoftmaxAutoencoder, dict[str, Any]]:
    """Post 002's training, without labels: MSE, SGD with momentum (`optimizer="sgd"`,
    the post's) or Adam; the model and its training record. `recipe="corrected"`: [0, 1]
    pixels in and out. `recipe="post"`, post 002's notebook as written: the encoder reads
    images normalized with MNIST's mean and std and the sigmoid output is fitted to the
    same normalized images, which it cannot reach (background -0.42, ink up to 2.8)."""
    if recipe not in SOFTMAX_RECIPES:
        raise ValueError(f"unknown softmax recipe {recipe!r}; one of {', '.join(SOFTMAX_RECIPES)}")
    start = time.perf_counter()
    generator = make_deterministic(seed)
    device = pick_device()
    model = SoftmaxAutoencoder(AutoencoderConfig("softmax", 10, recipe)).to(device)
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)

    def batch_loss(xb: torch.Tensor) -> torch.Tensor:
        x = as_unit_images(xb)
        target = (x - MNIST_MEAN) / MNIST_STD if recipe == "post" else x
        return F.mse_loss(model(x), target)

    data = (images.to(device),)
    desc = "softmax autoencoder"
    history = fit(
        model, opt, batch_loss, data, epochs, batch_size, generator, desc, progress=progress, on_epoch=on_epoch
    )
    record = {"recipe": recipe, "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer, "lr": lr}
    record["momentum"] = momentum
    return model, training_record({**record, "seed": seed, "images": len(images)}, history, device, start)


POST_002_MAPPING_ACCURACY = 0.40  # post 002's softmax-neuron mapping, on its test set
