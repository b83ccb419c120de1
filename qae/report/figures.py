"""What every report's figures share: saving PNGs, image grids, axes and colours.

The figures themselves live in the report module of their study. Like all of
`qae.report`, this draws what it is given and computes no metric.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.lines import Line2D
from matplotlib.ticker import ScalarFormatter

from qae.io import atomic_path

LABELS = {
    "accuracy": "classifier accuracy on reconstructions",
    "mse": "MSE per pixel, [0, 1] pixels",
    "bits": "bits per code element",
    "total_bits": "bits per image (dims x bits)",
}
DIGIT_COLORS = plt.cm.tab10(np.arange(10))


def save(fig: plt.Figure, path: str | os.PathLike) -> None:
    """Write `fig` as a PNG, atomically and reproducibly (no timestamp), and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def colors(n: int, cmap: Any = plt.cm.viridis) -> np.ndarray:
    return cmap([i / max(n - 1, 1) for i in range(n)])


def log2_axis(ax: plt.Axes) -> None:
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(ScalarFormatter())  # 512, not 2^9


def digit_legend(ax: plt.Axes, **kwargs: Any) -> None:
    handles = [Line2D([], [], ls="", marker="o", color=DIGIT_COLORS[d], label=str(d)) for d in range(10)]
    ax.legend(handles=handles, title="digit", fontsize=8, markerscale=1.2, **kwargs)


def image_grid(rows: Sequence[torch.Tensor], row_labels: Sequence[str], title: str) -> plt.Figure:
    """Rows of (N, 1, 28, 28) images in [0, 1], one labelled row each."""
    n = len(rows[0])
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.8, len(rows) * 0.85), squeeze=False)
    for r, (images, label) in enumerate(zip(rows, row_labels, strict=True)):
        for c in range(n):
            ax = axes[r][c]
            ax.imshow(images[c, 0].cpu(), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(wspace=0.05, hspace=0.05, top=1 - 0.4 / fig.get_figheight())
    return fig


def write_figures(figures: dict[str, plt.Figure], out_dir: str | os.PathLike) -> list[Path]:
    """Save each figure as `<out_dir>/<name>.png`; the paths written."""
    paths = []
    for name, fig in figures.items():
        paths.append(Path(out_dir) / f"{name}.png")
        save(fig, paths[-1])
    return paths
