"""Post 002: can an autoencoder tell the digits apart without labels?

Cluster assignments (the most active neuron of a softmax code, or clusters of any
autoencoder's codes) are scored against the digits the way the post does: map each
cluster to the digit it holds most often and count the images that mapping labels
correctly. Labels are used only here, to score, never to fit a clustering.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from qae.cluster import cluster_to_digit, confusion_matrix, digits_covered, mapping_accuracy
from qae.images import MNIST_MEAN, MNIST_STD, as_unit_images
from qae.models import Autoencoder, AutoencoderConfig
from qae.runtime import make_deterministic, pick_device
from qae.train import EpochLog, fit, training_record

SOFTMAX_OPTIMIZERS = ("sgd", "adam")  # post 002's SGD with momentum, or Adam
SOFTMAX_RECIPES = ("post", "corrected")  # post: normalized images in and as the MSE target (post 002's notebook)


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
) -> tuple[Autoencoder, dict[str, Any]]:
    """Post 002's training, without labels: MSE, SGD with momentum (`optimizer="sgd"`,
    the post's) or Adam; the model and its training record. `recipe="corrected"`: [0, 1]
    pixels in and out. `recipe="post"`, post 002's notebook as written: the encoder reads
    images normalized with MNIST's mean and std and the sigmoid output is fitted to the
    same normalized images, which it cannot reach (background -0.42, ink up to 2.8)."""
    if recipe not in SOFTMAX_RECIPES:
        raise ValueError(f"unknown softmax recipe {recipe!r}; one of {', '.join(SOFTMAX_RECIPES)}")
    generator = make_deterministic(seed)
    device = pick_device()
    model = Autoencoder(AutoencoderConfig("softmax", 10, recipe=recipe)).to(device)
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
    return model, training_record({**record, "seed": seed, "images": len(images)}, history, device)


POST_002_MAPPING_ACCURACY = 0.40  # post 002's softmax-neuron mapping, on its test set
