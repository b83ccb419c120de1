"""MNIST images in memory: uint8 tensors until a batch is sliced, [0, 1] floats after.

There is no per-sample Dataset, which would dominate the run time on a CPU: a split
is loaded once as uint8 tensors and every loop slices batches from it. Reading the
IDX files and making the splits is `qae.mnist`'s job (only the split stage needs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import torch

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # torchvision's Normalize((0.1307,), (0.3081,)) in the posts


def load_split(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """A split file the split stage wrote: {"images": uint8 (N, 28, 28), "labels": (N,)},
    or {"index": (M,)} for the validation rows."""
    return torch.load(path, map_location="cpu", weights_only=True)


TRAINING_IMAGES = ("autoencoder", "all")  # unlabeled training: the autoencoder half, or both halves


def load_training_images(split: str | os.PathLike, other: str | os.PathLike, which: str) -> torch.Tensor:
    """The images a model trains on without labels: `split`'s ("autoencoder"), or
    `split`'s followed by those of `other`, the classifier's half ("all")."""
    if which not in TRAINING_IMAGES:
        raise ValueError(f"which images: one of {TRAINING_IMAGES}, not {which!r}")
    images = load_split(split)["images"]
    return torch.cat([images, load_split(other)["images"]]) if which == "all" else images


def as_unit_images(images: torch.Tensor) -> torch.Tensor:
    """uint8 (0..255) or float ([0, 1]) images, (N, 28, 28) or (N, 1, 28, 28) ->
    float32 (N, 1, 28, 28) in [0, 1], on the same device."""
    if images.dim() == 3:
        images = images.unsqueeze(1)
    if images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
        raise ValueError(f"expected images of shape (N, 28, 28) or (N, 1, 28, 28), got {tuple(images.shape)}")
    if images.dtype == torch.uint8:
        return images.float().div_(255)
    if not images.is_floating_point():
        raise ValueError(f"expected uint8 or float images, got {images.dtype}")
    return images.float()


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, 28, 28) or (N, 28, 28) floats in [0, 1] -> (N, 28, 28) uint8, rounded."""
    if images.dim() == 4:
        images = images.squeeze(1)
    return images.mul(255).round_().clamp_(0, 255).to(torch.uint8)


def batch_slices(n: int, batch_size: int) -> Iterator[slice]:
    """Consecutive slices covering range(n), `batch_size` at a time."""
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def first_of_each_digit(labels: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """(classes,) index of the first image of each digit 0..classes-1 in `labels`."""
    return torch.stack([(labels == d).nonzero()[0, 0] for d in range(classes)])
