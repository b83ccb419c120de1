"""Post 003, section V: the geometry of a 2-D code space.

Class centroids of the codes, their bounding box, uniform samples and a regular grid
in it, each grid point's nearest centroid (its basin), and D(x, y): the squared
distance in image space between the decoded grid point and its decoded nearest
centroid. Two numbers put the post's "smooth but not homogeneous" on a scale that
`dvc metrics diff` can compare: how far D jumps between neighbouring grid points,
inside a basin and across a basin border. Pure tensor math; the decoder is passed in,
drawing is `qae.report.figures`' job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from qae.models import Autoencoder


def class_centroids(codes: torch.Tensor, labels: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """(N, d) codes, (N,) integer labels -> (classes, d): the mean code of each class."""
    sums = torch.zeros(classes, codes.shape[1], dtype=codes.dtype).index_add_(0, labels.long(), codes)
    counts = torch.bincount(labels.long(), minlength=classes)
    if (counts == 0).any():
        raise ValueError(f"no codes for classes {(counts == 0).nonzero().flatten().tolist()}")
    return sums / counts[:, None].to(codes.dtype)


def bounding_box(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(K, d) points -> the (d,) lower and upper corners of the smallest box holding them."""
    return points.min(0).values, points.max(0).values


def uniform_in_box(low: torch.Tensor, high: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """(n, d) points drawn uniformly in the box [low, high] (the post's sampling)."""
    return low + (high - low) * torch.rand(n, len(low), generator=generator, dtype=low.dtype)


def grid_in_box(low: torch.Tensor, high: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A steps x steps grid over the 2-D box, corners included: (steps,) x values,
    (steps,) y values, and the (steps * steps, 2) points, row-major (y outer, x inner)."""
    xs = torch.linspace(float(low[0]), float(high[0]), steps, dtype=low.dtype)
    ys = torch.linspace(float(low[1]), float(high[1]), steps, dtype=low.dtype)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return xs, ys, torch.stack([gx.flatten(), gy.flatten()], dim=1)


def nearest(points: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    """(N, d) points, (K, d) centroids -> (N,) index of each point's nearest centroid."""
    return torch.cdist(points, centroids).argmin(1)


def distance_surface(
    decode: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor, centroids: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """D at each point: the squared image-space distance between decode(point) and the
    decoded nearest centroid. `decode` maps (N, d) codes to (N, ...) images. Returns
    (N,) D and (N,) basin (the nearest centroid's index)."""
    basin = nearest(points, centroids)
    images = decode(points).flatten(1)
    anchors = decode(centroids).flatten(1)
    return (images - anchors[basin]).pow(2).sum(1), basin


def surface_metrics(surface: torch.Tensor, basins: torch.Tensor, jump_factor: float) -> dict[str, float]:
    """Smoothness and homogeneity numbers of D on a (rows, cols) grid with its basins.

    Over all pairs of 4-neighbours on the grid: `max_jump`, the largest |dD|;
    `max_jump_in_basin`, the same inside basins (how smooth the decoder is);
    `max_jump_at_border`, across basin borders; `discontinuous_borders`, the fraction of
    border pairs whose |dD| exceeds `jump_factor` times the 99th percentile of the jumps
    inside basins; and `border_asymmetry`, the mean over border pairs of
    |dD| / max(D, D'), 0 when D is continuous at every border (a homogeneous space: the
    border's images as far from both decoded centroids; up to the grid's resolution) and
    1 when one side is 0.
    """
    jumps, peaks, border = [], [], []
    for axis in (0, 1):
        a, b = surface.narrow(axis, 0, surface.shape[axis] - 1), surface.narrow(axis, 1, surface.shape[axis] - 1)
        jumps.append((a - b).abs().flatten())
        peaks.append(torch.maximum(a, b).flatten())
        border.append((basins.diff(dim=axis) != 0).flatten())
    jump, peak, at_border = torch.cat(jumps), torch.cat(peaks), torch.cat(border)
    inside, across = jump[~at_border], jump[at_border]
    if len(inside) == 0 or len(across) == 0:
        raise ValueError("the grid needs points inside basins and pairs across a border")
    typical = torch.quantile(inside.double(), 0.99).item()
    return {
        "max_jump": float(jump.max()),
        "max_jump_in_basin": float(inside.max()),
        "max_jump_at_border": float(across.max()),
        "discontinuous_borders": float((across > jump_factor * typical).double().mean()),
        "border_asymmetry": float((across / peak[at_border].clamp_min(1e-12)).double().mean()),
    }


@torch.inference_mode()
def study(
    model: Autoencoder,
    images: torch.Tensor,
    labels: torch.Tensor,
    steps: int,
    samples: int,
    jump_factor: float,
    seed: int,
) -> dict[str, Any]:
    """Section V of post 003 on a trained autoencoder with a 2-D code and the (test)
    `images` and `labels`: codes, centroids, `samples` decoded uniform samples of the
    centroids' box, and D with its basins on a steps x steps grid over the box, plus
    `metrics` (`surface_metrics` and the mean of D)."""
    if model.config.width != 2:
        raise ValueError(f"the latent study needs a 2-D code, got a {model.config.width}-dim autoencoder")

    def decode(z: torch.Tensor) -> torch.Tensor:  # float codes, as the model's bottleneck passes them
        return model.decode(z.float(), None).cpu()

    codes = model.encode_float(images).cpu()
    centroids = class_centroids(codes, labels)
    low, high = bounding_box(centroids)
    drawn = uniform_in_box(low, high, samples, torch.Generator().manual_seed(seed))
    xs, ys, points = grid_in_box(low, high, steps)
    surface, basins = distance_surface(decode, points, centroids)
    surface, basins = surface.reshape(steps, steps), basins.reshape(steps, steps)
    metrics = {**surface_metrics(surface, basins, jump_factor), "mean_distance": float(surface.mean())}
    return {
        "codes": codes, "centroids": centroids, "samples": decode(drawn), "xs": xs, "ys": ys,
        "surface": surface, "basins": basins, "metrics": metrics,
    }  # fmt: skip


def nearest_other(centroids: torch.Tensor) -> dict[int, int]:
    """Each class's nearest other class, by the distance between their centroids."""
    distances = torch.cdist(centroids, centroids).fill_diagonal_(torch.inf)
    return {i: int(j) for i, j in enumerate(distances.argmin(1).tolist())}
