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
    """The tables reports/qat.md prints: a row per (bits, dims), both trainings side by side."""
    wide = pd.DataFrame(records).pivot_table(
        index=["bits", "dims"], columns="training", values=["accuracy", "coded_bits"], aggfunc="first"
    )
    table = pd.DataFrame(
        {
            "dims x bits": [f"{d} x {b}" for b, d in wide.index],
            "coded bits per image": [num(v, 1) for v in wide[("coded_bits", "aware")]],
            "quantized after training": [pct(v) for v in wide[("accuracy", "post-training")]],
            "quantization-aware": [pct(v) for v in wide[("accuracy", "aware")]],
        }
    )
    gains = pd.DataFrame(
        {
            "bits per code element": [b.removeprefix("bits_") for b in summary],
            "most points added (at one dims)": [num(s["max_gain_points"]) for s in summary.values()],
            "points added, mean over dims": [num(s["mean_gain_points"]) for s in summary.values()],
        }
    )
    return {"table": markdown(table), "gains_table": markdown(gains)}
