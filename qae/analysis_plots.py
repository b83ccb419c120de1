"""Figures of posts 002, 003 (section V) and 004 (matplotlib, PNG). Draws what the
stages computed; computes nothing that a metric depends on."""

from __future__ import annotations

import os
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import numpy as np
import torch

from qae.models import Autoencoder
from qae.plots import _image_grid, _save

DIGIT_COLORS = plt.cm.tab10(np.arange(10))


def save(fig: plt.Figure, path: str | os.PathLike) -> None:
    """Write `fig` as a PNG, atomically, and close it."""
    _save(fig, path)


def _digit_handles() -> list[matplotlib.lines.Line2D]:
    return [matplotlib.lines.Line2D([], [], ls="", marker="o", color=DIGIT_COLORS[d], label=str(d)) for d in range(10)]


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
    handles = [
        matplotlib.lines.Line2D([], [], ls="", marker="o", color=DIGIT_COLORS[d], label=str(d)) for d in range(10)
    ]
    ax.legend(handles=handles, title="digit", fontsize=8, loc="best", markerscale=1.2)
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_title("2-D codes of the test set; centroids and their box")
    return fig


def sample_grid(images: torch.Tensor, per_row: int) -> plt.Figure:
    """Decoded samples of the centroids' box, `per_row` to a row."""
    rows = [images[i : i + per_row] for i in range(0, len(images) - per_row + 1, per_row)]
    fig = _image_grid(rows, [""] * len(rows), "Codes drawn uniformly in the centroids' box, decoded")
    return fig


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


def confusion_figure(confusion: np.ndarray, mapping: np.ndarray, accuracy: float, title: str) -> plt.Figure:
    """Post 002's matrix: rows the actual digit, columns the neuron or cluster, ordered by
    the digit each is mapped to (labelled below), so a good mapping shows a diagonal."""
    order = np.argsort(mapping, kind="stable")
    counts = confusion[:, order]
    fig, ax = plt.subplots(figsize=(7, 6))
    image = ax.imshow(counts, cmap="Blues")
    for r in range(counts.shape[0]):
        for c in range(counts.shape[1]):
            dark = counts[r, c] > counts.max() / 2
            ax.text(c, r, str(counts[r, c]), ha="center", va="center", fontsize=7, color="w" if dark else "k")
    used = confusion.sum(0) > 0
    ax.set_xticks(range(len(order)), [f"{k}\n->{mapping[k]}" if used[k] else f"{k}\nunused" for k in order], fontsize=8)
    ax.set_yticks(range(counts.shape[0]))
    ax.set_xlabel("neuron / cluster -> the digit it is mapped to")
    ax.set_ylabel("actual digit")
    ax.set_title(f"{title}\nmapping accuracy {accuracy:.1%}")
    fig.colorbar(image, ax=ax, fraction=0.046)
    return fig


def embedding_figure(embedding: np.ndarray, labels: torch.Tensor, clusters: np.ndarray) -> plt.Figure:
    """The 2-D embedding that was clustered, coloured by actual digit, with each
    cluster's id at its median position."""
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.scatter(embedding[:, 0], embedding[:, 1], c=DIGIT_COLORS[labels.numpy()], s=2, alpha=0.5, linewidths=0)
    for k in np.unique(clusters):
        x, y = np.median(embedding[clusters == k], axis=0)
        ax.text(x, y, f"c{k}", fontsize=11, weight="bold", ha="center", bbox={"fc": "w", "alpha": 0.7, "lw": 0})
    handles = [
        matplotlib.lines.Line2D([], [], ls="", marker="o", color=DIGIT_COLORS[d], label=str(d)) for d in range(10)
    ]
    ax.legend(handles=handles, title="digit", fontsize=8, markerscale=1.2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("t-SNE of the autoencoder's codes (colour: actual digit; cN: clusters)")
    return fig


def loss_curves_figure(curves: list[dict[str, Any]], mean_loss: float, post: dict[int, list[float]]) -> plt.Figure:
    """Post 004's losses: one panel per code size, training loss against optimizer steps
    from PyTorch's initialization and from the mean image, the mean-image loss, and the
    post's reported losses (its epochs are 600 steps)."""
    dims = sorted({r["dims"] for r in curves})
    fig, axes = plt.subplots(1, len(dims), figsize=(4.5 * len(dims), 4), sharey=True, squeeze=False)
    for ax, d in zip(axes[0], dims, strict=True):
        for start, style, label in (("default", "o-", "as written"), ("mean", "s-", "fixed: starts at the mean image")):
            rows = [r for r in curves if r["dims"] == d and r["start"] == start]
            ax.plot([r["step"] for r in rows], [r["loss"] for r in rows], style, ms=3, label=label)
        if d in post:
            steps = [600 * (i + 1) for i in range(len(post[d]))]
            ax.plot(steps, post[d], "kx", ms=7, mew=2, label="post 004 (last batch)")
        ax.axhline(mean_loss, color="0.5", ls="--", lw=1, label="drawing the mean image")
        ax.set_title(f"d = {d}")
        ax.set_xlabel("optimizer steps (batches of 100)")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("training MSE per pixel")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("MLP autoencoder 784-100-d-100-784 (post 004)")
    return fig


def reconstructions_by_model(images: torch.Tensor, labels: torch.Tensor, models: dict[str, Autoencoder]) -> plt.Figure:
    """Post 004's figure: the first example of each digit in uint8 `images`, then its
    reconstruction by each model, one row per model, labelled by its key."""
    first = torch.stack([images[(labels == d).nonzero()[0, 0]] for d in range(10)])
    x = first.float().div(255).unsqueeze(1)
    rows = [model.reconstruct(x) for model in models.values()]
    return _image_grid([x, *rows], ["original", *models], "One of each digit and its reconstructions")
