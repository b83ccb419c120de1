"""Post 003, section V's report: the 2-D code space in figures, and the numbers of
reports/latent.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

from qae.report.figures import DIGIT_COLORS, digit_legend, image_grid
from qae.report.tables import num, pct


def _mark_centroids(ax: plt.Axes, centroids: torch.Tensor) -> None:
    ax.scatter(centroids[:, 0], centroids[:, 1], marker="*", s=260, c="orange", edgecolors="k", zorder=3, clip_on=False)
    for digit, (x, y) in enumerate(centroids.tolist()):
        ax.annotate(
            str(digit), (x, y), xytext=(6, 6), textcoords="offset points", fontsize=12, weight="bold", clip_on=False
        )


def latent_scatter(codes: torch.Tensor, labels: torch.Tensor, centroids: torch.Tensor) -> plt.Figure:
    """Post 003's figure 5: the test codes coloured by digit, the class centroids as
    stars, and the centroids' bounding box the samples are drawn from."""
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.scatter(codes[:, 0], codes[:, 1], c=DIGIT_COLORS[labels.numpy()], s=2, alpha=0.4, linewidths=0)
    low, high = centroids.min(0).values, centroids.max(0).values
    ax.add_patch(plt.Rectangle(low.tolist(), *(high - low).tolist(), fill=False, ls="--", color="0.3"))
    _mark_centroids(ax, centroids)
    digit_legend(ax, loc="best")
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_title("2-D codes of the test set; centroids and their box")
    return fig


def sample_grid(images: torch.Tensor, per_row: int) -> plt.Figure:
    """Decoded samples of the centroids' box, `per_row` to a row."""
    rows = [images[i : i + per_row] for i in range(0, len(images) - per_row + 1, per_row)]
    return image_grid(rows, [""] * len(rows), "Codes drawn uniformly in the centroids' box, decoded")


def distance_surface_3d(
    xs: torch.Tensor, ys: torch.Tensor, surface: torch.Tensor, centroids: torch.Tensor
) -> plt.Figure:
    """Post 003's figure 6: D(x, y) as a surface, the centroids (D = 0) in orange."""
    fig = plt.figure(figsize=(9, 7))
    ax = fig.add_subplot(projection="3d")
    gx, gy = np.meshgrid(xs.numpy(), ys.numpy())
    ax.plot_surface(gx, gy, surface.numpy(), cmap="viridis", linewidth=0, antialiased=False, rcount=100, ccount=100)
    ax.scatter(centroids[:, 0], centroids[:, 1], np.zeros(len(centroids)), c="orange", s=40, depthshade=False)
    for digit, (x, y) in enumerate(centroids.tolist()):
        ax.text(x, y, 0, f" {digit}", fontsize=10, weight="bold")
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_zlabel("D: squared distance to the nearest centroid's image")
    ax.view_init(elev=35, azim=-60)
    ax.set_title("D(x, y) over the centroids' box")
    return fig


def distance_top_view(
    xs: torch.Tensor, ys: torch.Tensor, surface: torch.Tensor, basins: torch.Tensor, centroids: torch.Tensor
) -> plt.Figure:
    """Post 003's figure 7: D(x, y) from above, basin borders in white, labelled centroids."""
    fig, ax = plt.subplots(figsize=(8, 6.5))
    extent = (float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1]))
    image = ax.imshow(surface.numpy(), origin="lower", extent=extent, aspect="auto", cmap="viridis")
    # Borders: grid points whose right or upper neighbour lies in another basin.
    b = basins.numpy()
    border = np.zeros(b.shape, dtype=bool)
    border[:, :-1] |= b[:, 1:] != b[:, :-1]
    border[:-1, :] |= b[1:, :] != b[:-1, :]
    overlay = np.zeros((*b.shape, 4))
    overlay[border] = (1, 1, 1, 0.9)
    ax.imshow(overlay, origin="lower", extent=extent, aspect="auto", interpolation="nearest")
    _mark_centroids(ax, centroids)
    fig.colorbar(image, ax=ax, label="D: squared distance to the nearest centroid's image")
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_title("D(x, y) from above: basins of the nearest centroid", pad=14)
    return fig


def figures(study: dict[str, Any], labels: torch.Tensor, samples_per_row: int) -> dict[str, plt.Figure]:
    """Every figure of the latent study, from the tensors the latent stage saved."""
    s = study
    return {
        "codes": latent_scatter(s["codes"], labels, s["centroids"]),
        "samples": sample_grid(s["samples"], samples_per_row),
        "distance_3d": distance_surface_3d(s["xs"], s["ys"], s["surface"], s["centroids"]),
        "distance_top": distance_top_view(s["xs"], s["ys"], s["surface"], s["basins"], s["centroids"]),
    }


def fields(metrics: dict[str, float], grid: int, jump_factor: float, neighbours: dict[int, int]) -> dict[str, Any]:
    """The numbers reports/latent.md quotes; `neighbours` maps each digit to the digit
    of its nearest centroid."""
    return {
        "grid": grid,
        "jump_factor": f"{jump_factor:g}",
        "max_jump_in_basin": num(metrics["max_jump_in_basin"]),
        "max_jump_at_border": num(metrics["max_jump_at_border"]),
        "max_jump": num(metrics["max_jump"]),
        "discontinuous_borders": pct(metrics["discontinuous_borders"], 0),
        "border_asymmetry": pct(metrics["border_asymmetry"], 0),
        "mean_distance": num(metrics["mean_distance"]),
        "neighbours": ", ".join(f"{a} -> {b}" for a, b in neighbours.items()),
    }
