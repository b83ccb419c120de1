"""The quantization-aware training report: both trainings side by side in a figure
and the table of reports/qat.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import PercentFormatter

from qae.report.figures import LABELS, log2_axis
from qae.report.tables import markdown, num, pct


def qat_figure(records: list[dict[str, Any]]) -> plt.Figure:
    """Accuracy and MSE against bits per image: quantized after training (dashed) and
    quantization-aware (solid), one color per bits per code element."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    bits = sorted({r["bits"] for r in records})
    for b, color in zip(bits, plt.cm.plasma([i / max(len(bits), 1) for i in range(len(bits))]), strict=True):
        for training, style in (("post-training", "o--"), ("aware", "o-")):
            rows = sorted((r for r in records if r["bits"] == b and r["training"] == training), key=lambda r: r["dims"])
            for ax, metric in zip(axes, ("accuracy", "mse"), strict=True):
                ax.plot([r["total_bits"] for r in rows], [r[metric] for r in rows], style, color=color, ms=4,
                        label=f"{b} bits, {training}")  # fmt: skip
    for ax, metric in zip(axes, ("accuracy", "mse"), strict=True):
        log2_axis(ax)
        ax.set_xlabel(LABELS["total_bits"])
        ax.set_ylabel(LABELS[metric])
        ax.grid(alpha=0.3)
    axes[0].yaxis.set_major_formatter(PercentFormatter(1.0))
    axes[1].set_yscale("log")
    axes[0].legend(fontsize=8)
    fig.suptitle("Quantization-aware training (solid) vs quantizing after training (dashed); points: dims")
    return fig


def fields(records: list[dict[str, Any]], summary: dict[str, Any]) -> dict[str, Any]:
    """The table and numbers reports/qat.md quotes: a column per (dims, bits), by bits per image."""
    table = pd.DataFrame(records)
    columns = table[["dims", "bits"]].drop_duplicates().assign(total=lambda t: t.dims * t.bits)
    columns = columns.sort_values(["bits", "dims"]).itertuples(index=False)
    rows: dict[str, list[str]] = {"coded bits per image": [], "quantized after training": [], "quantization-aware": []}
    names = []
    for c in columns:
        at = table[(table["dims"] == c.dims) & (table["bits"] == c.bits)].set_index("training")
        names.append(f"{c.dims} x {c.bits}")
        rows["coded bits per image"].append(num(at.loc["aware", "coded_bits"], 0))
        rows["quantized after training"].append(pct(at.loc["post-training", "accuracy"]))
        rows["quantization-aware"].append(pct(at.loc["aware", "accuracy"]))
    wide = pd.DataFrame(rows, index=names).T.rename_axis("dims x bits").reset_index()
    gains = pd.DataFrame(
        {
            "bits per code element": [b.removeprefix("bits_") for b in summary],
            "most points added (at one dims)": [num(s["max_gain_points"]) for s in summary.values()],
            "points added, mean over dims": [num(s["mean_gain_points"]) for s in summary.values()],
        }
    )
    return {"table": markdown(wide), "gains_table": markdown(gains)}
