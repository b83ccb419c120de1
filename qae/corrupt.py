"""Corruptions of [0, 1] image batches, for robustness tests and denoising training
(post 003). Each draws from a generator, so a seed fixes every noise sample and patch."""

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


def training_corruption(kind: str, std: float, size: int) -> Corruption:
    """The corruption a denoising autoencoder trains on: noise, occlusion, or both."""

    def corrupt(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if kind in ("occlusion", "both"):
            x = occlude(x, size, generator)
        if kind in ("noise", "both"):
            x = gaussian_noise(x, std, generator)
        return x

    return corrupt


def robustness_levels(noise_std: list[float], patch: list[int]) -> list[tuple[str, float]]:
    """(kind, level) pairs of the robustness sweep: each noise std, then each patch side."""
    return [("noise", s) for s in noise_std] + [("occlusion", p) for p in patch]


def corruption(kind: str, level: float) -> Corruption:
    """The test-time corruption of one robustness level."""
    if kind == "noise":
        return lambda x, g: gaussian_noise(x, level, g)
    return lambda x, g: occlude(x, int(level), g)
