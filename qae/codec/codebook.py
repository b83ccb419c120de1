"""Codebooks in pixel space: vector quantization at its plainest.

A codebook is a (K, 784) float tensor of [0, 1] images; an image is sent as the index of
its nearest codeword and drawn as that codeword. k-means fits one to training images
without labels.
"""

from __future__ import annotations

import torch

from qae.images import as_unit_images


def nearest_codeword(images: torch.Tensor, codebook: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """Index of each (N, 784) row's nearest (Euclidean) row of `codebook` (K, 784)."""
    squared = (codebook * codebook).sum(1)  # |x|^2 is the same for every codeword: left out
    # |c|^2 - 2 x.c, in place in the product: a (batch, K) temporary less per batch.
    return torch.cat([(xb @ codebook.T).mul_(-2).add_(squared).argmin(1) for xb in images.split(batch_size)])


def kmeans(images: torch.Tensor, k: int, iterations: int, seed: int, tolerance: float = 0.0) -> torch.Tensor:
    """Lloyd's k-means of flattened [0, 1] images: (k, 784) codewords, started at k
    distinct images drawn with `seed`. A codeword left without images stays put. At most
    `iterations` iterations; fewer once an iteration moves under a `tolerance` share of
    the images to another codeword (large codebooks settle in a few)."""
    if not 1 <= k <= len(images):
        raise ValueError(f"k-means: k={k} codewords need at least as many images, got {len(images)}")
    x = as_unit_images(images).flatten(1)
    generator = torch.Generator().manual_seed(seed)
    codebook = x[torch.randperm(len(x), generator=generator)[:k]].clone()
    before = None
    for _ in range(iterations):
        assigned = nearest_codeword(x, codebook)
        counts = torch.bincount(assigned, minlength=k)
        sums = torch.zeros_like(codebook).index_add_(0, assigned, x)
        kept = counts > 0
        codebook[kept] = sums[kept] / counts[kept, None]
        if before is not None and (assigned != before).float().mean() < tolerance:
            break
        before = assigned
    return codebook
