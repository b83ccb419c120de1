"""The quantization-aware training report: both trainings side by side in a figure
and the table of reports/qat.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import PercentFormatter

from qae.findings import CONFIDENCE, seeds_phrase
from qae.report.figures import LABELS, log2_axis
from qae.report.tables import markdown, num, pct, pct_spread
from qae.studies.qat import gain


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


def fields(rows: list[dict[str, Any]], summary: dict[str, Any]) -> dict[str, Any]:
    """The tables reports/qat.md prints: a row per (bits, dims), both trainings side by side,
    each scorer's accuracy over seeds, and whether the difference is beyond noise."""
    by = {(r["training"], r["dims"], r["bits"]): r for r in rows}
    points = sorted({(b, d) for _, d, b in by})
    after, aware = ({(d, b): by[t, d, b] for b, d in points} for t in ("post-training", "aware"))
    table = pd.DataFrame(
        {
            "dims x bits": [f"{d} x {b}" for b, d in points],
            "coded bits per image (aware)": [num(aware[d, b]["coded_bits"], 1) for b, d in points],
            "rounded after training": [pct_spread(after[d, b]) for b, d in points],
            "quantization-aware": [pct_spread(aware[d, b]) for b, d in points],
            "second scorer: after / aware": [
                f"{pct(after[d, b].get('second_accuracy'))} / {pct(aware[d, b].get('second_accuracy'))}"
                for b, d in points
            ],
            "aware vs after (both scorers)": [VERDICTS[gain(aware[d, b], after[d, b])] for b, d in points],
        }
    )
    gains = pd.DataFrame(
        {
            "bits per code element": [b.removeprefix("bits_") for b in summary],
            "most points added (at one dims)": [num(s["max_gain_points"], 2) for s in summary.values()],
            "points added, mean over dims": [num(s["mean_gain_points"], 2) for s in summary.values()],
            "dims where aware is higher / lower beyond noise": [
                f"{s['dims_higher']} / {s['dims_lower']} of {s['dims']}" for s in summary.values()
            ],
        }
    )
    seeds = min(s["seeds"] for s in summary.values())
    return {
        "table": markdown(table),
        "gains_table": markdown(gains),
        "seeds": seeds_phrase(seeds),
        "confidence": CONFIDENCE,
    }


VERDICTS = {1: "higher", -1: "lower", 0: "within noise"}
