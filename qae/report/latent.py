"""Post 003, section V's report: the 2-D code space in figures, and the numbers of
reports/latent.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.lines import Line2D

from qae.report.figures import DIGIT_COLORS, HALO, MARK_EDGE, MARK_FACE, digit_legend, image_grid
from qae.report.tables import num, pct

CENTROID = {"marker": "*", "s": 240, "c": MARK_FACE, "edgecolors": MARK_EDGE, "linewidths": 1.2}
DIRECTIONS = [(1, 1), (1, 0), (0, 1), (-1, 1), (-1, 0), (1, -1), (0, -1), (-1, -1)]  # north-east first, as usual
RADII = (12, 20, 30)  # points from the centroid to its label's centre: near first, farther where crowded


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Overlapping area of boxes (x0, y0, x1, y1)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def label_offsets(points: np.ndarray, area: tuple[float, float, float, float], size: float = 12) -> list[tuple]:
    """Where to write each point's label, as an offset in points from it: the nearest
    candidate around it whose box overlaps the fewest other points and labels and stays
    in `area` (x0, y0, x1, y1); the most crowded points choose first. `points` are (N, 2)
    positions in points (1/72 inch), `size` the label's height."""
    half = np.array([size * 0.4, size * 0.55])  # a one-character label's half box
    marks = [np.concatenate([p - 7, p + 7]) for p in points]  # the star's box
    distance = np.linalg.norm(points[:, None] - points[None], axis=-1) + np.eye(len(points)) * 1e9
    crowded = np.argsort(-(1 / distance).sum(1), kind="stable")
    placed: dict[int, tuple] = {}
    taken: list[np.ndarray] = []  # the boxes of the labels placed so far
    for i in crowded:
        best, best_cost = None, np.inf
        for rank, (radius, (dx, dy)) in enumerate((r, d) for r in RADII for d in DIRECTIONS):
            offset = np.array([dx, dy]) / np.hypot(dx, dy) * radius
            box = np.concatenate([points[i] + offset - half, points[i] + offset + half])
            cost = sum(_overlap(box, m) for j, m in enumerate(marks) if j != i)
            cost += sum(_overlap(box, other) for other in taken)
            outside = box[0] < area[0] or box[1] < area[1] or box[2] > area[2] or box[3] > area[3]
            cost += 1e4 * outside + rank * 1e-3  # inside the axes first, then the nearest, usual spot
            if cost < best_cost:
                best, best_box, best_cost = tuple(offset), box, cost
        placed[i] = best
        taken.append(best_box)
    return [placed[i] for i in range(len(points))]


def _mark_centroids(ax: plt.Axes, centroids: torch.Tensor) -> None:
    """The centroids as black stars rimmed white (a colour no digit has), each labelled
    with its digit where the label overlaps no other star or label. Call it once the
    axes' size and limits are final: labels are placed in their current geometry."""
    xy = centroids.numpy()
    ax.scatter(xy[:, 0], xy[:, 1], **CENTROID, zorder=4, clip_on=False)
    ax.autoscale_view()
    to_points = 72 / ax.figure.dpi
    points = ax.transData.transform(xy) * to_points
    frame = ax.get_window_extent()
    area = (frame.x0 * to_points, frame.y0 * to_points, frame.x1 * to_points, frame.y1 * to_points)
    for digit, ((x, y), offset) in enumerate(zip(centroids.tolist(), label_offsets(points, area), strict=True)):
        leader = {"arrowstyle": "-", "lw": 0.8, "color": "0.15", "shrinkA": 0, "shrinkB": 6}
        ax.annotate(str(digit), (x, y), xytext=offset, textcoords="offset points", ha="center", va="center",
                    fontsize=12, weight="bold", path_effects=HALO, zorder=5, annotation_clip=False,
                    arrowprops=leader if np.hypot(*offset) > RADII[0] else None)  # fmt: skip


def latent_scatter(codes: torch.Tensor, labels: torch.Tensor, centroids: torch.Tensor) -> plt.Figure:
    """Post 003's figure 5: the test codes coloured by digit, the class centroids as
    labelled stars, and the centroids' bounding box the samples are drawn from."""
    fig, ax = plt.subplots(figsize=(8, 6.5))
    xy = codes.numpy()
    ax.scatter(xy[:, 0], xy[:, 1], c=DIGIT_COLORS[labels.numpy()], s=3, alpha=0.5, linewidths=0)
    low, high = centroids.min(0).values, centroids.max(0).values
    ax.add_patch(plt.Rectangle(low.tolist(), *(high - low).tolist(), fill=False, ls="--", color="0.3"))
    digit_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # off the codes
    box = Line2D([], [], color="0.3", ls="--", label="the centroids' box")
    star = Line2D([], [], ls="", marker="*", ms=15, mfc=MARK_FACE, mec=MARK_EDGE, label="a digit's centroid")
    ax.add_artist(ax.get_legend())
    ax.legend(handles=[star, box], loc="lower left", bbox_to_anchor=(1.01, 0.0), borderaxespad=0, fontsize=9)
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_title("2-D codes of the test set, coloured by digit; centroids and their box")
    _mark_centroids(ax, centroids)
    return fig


def sample_grid(images: torch.Tensor, per_row: int) -> plt.Figure:
    """Decoded samples of the centroids' box, `per_row` to a row."""
    rows = [images[i : i + per_row] for i in range(0, len(images) - per_row + 1, per_row)]
    return image_grid(rows, [""] * len(rows), "Codes drawn uniformly in the centroids' box, decoded")


def distance_surface_3d(
    xs: torch.Tensor, ys: torch.Tensor, surface: torch.Tensor, centroids: torch.Tensor
) -> plt.Figure:
    """Post 003's figure 6: D(x, y) as a surface, the centroids (D = 0) as black stars."""
    fig = plt.figure(figsize=(9, 7))
    ax = fig.add_subplot(projection="3d", computed_zorder=False)  # else the surface hides the centroids
    gx, gy = np.meshgrid(xs.numpy(), ys.numpy())
    ax.plot_surface(gx, gy, surface.numpy(), cmap="viridis", linewidth=0, antialiased=False, rcount=100, ccount=100,
                    zorder=1)  # fmt: skip
    ax.scatter(*centroids.numpy().T, np.zeros(len(centroids)), **CENTROID | {"s": 120}, depthshade=False,
               zorder=3)  # fmt: skip
    for digit, (x, y) in enumerate(centroids.tolist()):
        ax.text(x, y, 0, f"  {digit}", fontsize=11, weight="bold", path_effects=HALO, zorder=4)
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
    fig.colorbar(image, ax=ax, label="D: squared distance to the nearest centroid's image")
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_title("D(x, y) from above: basins of the nearest centroid (borders white, centroids starred)", pad=14)
    _mark_centroids(ax, centroids)  # after the colorbar, which shrinks the axes the labels are placed in
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
