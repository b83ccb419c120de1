"""The sweep's report (posts 000/001): accuracy and MSE against bits, the reconstruction
grids, and the tables and numbers of reports/sweep.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import torch
from matplotlib.ticker import PercentFormatter

from qae.report.figures import LABELS, colors, image_grid, log2_axis
from qae.report.tables import markdown, num, pct


def _bits_label(bits: int | str) -> str:
    return "float32" if str(bits) == "fp32" else str(bits)


def sweep_figure(
    records: list[dict[str, Any]],
    x: str,
    y: str,
    bits_order: list[int | str],
    raw_accuracy: float | None = None,
    reference: dict[int | str, float] | None = None,
    reference_label: str = "",
) -> plt.Figure:
    """One line per dims of metric `y` against `x` ("bits", categorical, or "total_bits",
    log2), with the raw images' accuracy and a `reference` (accuracy per bits level at
    64 dims, e.g. a post's) for the accuracy panels."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    dims = sorted({r["dims"] for r in records})
    position = {str(b): i for i, b in enumerate(bits_order)}

    def xs(rows: list[dict[str, Any]]) -> list[float]:
        return [position[str(r["bits"])] if x == "bits" else r["total_bits"] for r in rows]

    for d, color in zip(dims, colors(len(dims)), strict=True):
        rows = sorted((r for r in records if r["dims"] == d), key=lambda r: position[str(r["bits"])])
        ax.plot(xs(rows), [r[y] for r in rows], "o-", color=color, label=f"{d} dims", ms=4)
    if y == "accuracy":
        if raw_accuracy is not None:
            ax.axhline(raw_accuracy, color="0.5", ls="--", lw=1, label="raw test images")
        if reference:
            points = [
                {"bits": b, "total_bits": 64 * (32 if str(b) == "fp32" else int(b))}
                for b in bits_order
                if b in reference
            ]
            ax.plot(xs(points), [reference[p["bits"]] for p in points], "kx", ms=8, mew=2, label=reference_label)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:
        ax.set_yscale("log")
    if x == "bits":
        ax.set_xticks(range(len(bits_order)), [_bits_label(b) for b in bits_order])
    else:
        log2_axis(ax)
    ax.set_xlabel(LABELS[x])
    ax.set_ylabel(LABELS[y])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    ax.set_title(f"{y.upper() if y == 'mse' else y.capitalize()} vs {LABELS[x]}")
    return fig


def figures(
    records: list[dict[str, Any]],
    bits_order: list[int | str],
    raw_accuracy: float,
    reference: dict[int | str, float],
    grid: list[torch.Tensor],
    grid_labels: list[str],
    digits: list[torch.Tensor],
    headline: str,
) -> dict[str, plt.Figure]:
    """Every figure of the sweep: four curves, and the headline model's reconstructions
    of the `grid` digits at each bits level and of one digit of each class."""
    drawn = {
        f"{y}_vs_{x}": sweep_figure(
            records, x, y, bits_order, raw_accuracy if y == "accuracy" else None, reference, "post 000, 64 dims"
        )
        for y in ("accuracy", "mse")
        for x in ("bits", "total_bits")
    }
    drawn["reconstructions"] = image_grid(grid, grid_labels, f"The headline model ({headline})")
    drawn["digits"] = image_grid(digits, ["original", "reconstructed"], f"One of each digit ({headline})")
    return drawn


def fields(
    table: pd.DataFrame,
    faithful: list[dict[str, Any]],
    reference: dict[int | str, float],
    bits_order: list[int | str],
    raw_accuracy: float,
    lossless: dict[str, float],
) -> dict[str, Any]:
    """The tables and numbers reports/sweep.md quotes."""
    dims = faithful[0]["dims"]
    corrected = table[table["dims"] == dims].set_index(table["bits"].astype(str)[table["dims"] == dims])
    post = {str(r["bits"]): r for r in faithful if r["dims"] == dims}
    order = [str(b) for b in bits_order]
    rows = {
        "bits per image": [num(corrected.loc[b, "total_bits"], 0) for b in order],
        "post 000 (reported)": [pct(reference.get(int(b) if b.isdigit() else b), 0) for b in order],
        "`recipe: post` (the posts' code as written)": [pct(post[b]["accuracy"]) for b in order],
        "`recipe: corrected` (the default)": [pct(corrected.loc[b, "accuracy"]) for b in order],
    }
    headline = pd.DataFrame(rows, index=[_bits_label(b) for b in order]).T.rename_axis("bits per code element")
    accuracy = table.pivot(index="dims", columns="bits", values="accuracy").reindex(columns=bits_order)
    coded = table.pivot(index="dims", columns="bits", values="coded_bits").reindex(columns=bits_order)
    return {
        "dims": dims,
        "headline_table": markdown(headline.reset_index()),
        "accuracy_table": markdown(accuracy.reset_index(), {b: pct for b in bits_order}),
        "coded_table": markdown(coded.reset_index(), {b: num for b in bits_order}),
        "raw_accuracy": pct(raw_accuracy, 2),
        "gzip_ratio": num(lossless["ratio"]),
        "gzip_bits": num(lossless["bits_per_image"], 0),
    }
