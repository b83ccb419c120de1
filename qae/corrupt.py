"""Corruptions of [0, 1] image batches: gaussian noise and occlusion (post 003's
robustness tests and denoising training). Each draws from a generator, so a seed fixes
every noise sample and patch. Which corruptions a study applies is the study's business."""

from __future__ import annotations

from collections.abc import Callable

import torch

# A corruption maps a [0, 1] batch to a corrupted copy, drawing from a generator.
Corruption = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def gaussian_noise(x: torch.Tensor, std: float, generator: torch.Generator) -> torch.Tensor:
    """`x` plus N(0, std^2) noise per pixel; not clipped, so the noise is exactly that."""
    if std == 0:
        return x
    noise = torch.randn(x.shape, generator=generator).to(x.device)
    return x + std * noise


def occlude(x: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    """(N, 1, H, W) `x` with a `size` x `size` square set to 0 at a random position
    (inside the image) in each image."""
    if size == 0:
        return x
    n, _, h, w = x.shape
    if size > min(h, w):
        raise ValueError(f"occlusion patch {size} is larger than the {h}x{w} image")
    top = torch.randint(0, h - size + 1, (n, 1, 1), generator=generator).to(x.device)
    left = torch.randint(0, w - size + 1, (n, 1, 1), generator=generator).to(x.device)
    rows = torch.arange(h, device=x.device)[None, :, None]
    cols = torch.arange(w, device=x.device)[None, None, :]
    inside = (rows >= top) & (rows < top + size) & (cols >= left) & (cols < left + size)  # (N, H, W)
    return x.masked_fill(inside.unsqueeze(1), 0.0)
