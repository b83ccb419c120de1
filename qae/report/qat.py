"""The quantization-aware training report: both trainings side by side in a figure
and the table of reports/qat.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from qae.findings import CONFIDENCE
from qae.report.figures import (
    HALO,
    LABELS,
    caption,
    error_bars,
    log2_axis,
    log_axis,
    percent_axis,
    spread_note,
)
from qae.report.phrases import seeds_phrase
from qae.report.tables import markdown, num, pct, pct_spread
from qae.studies.qat import gain

TRAININGS = {  # as the table names them; quantization-aware solid, the baseline dashed and hollow
    "aware": ("quantization-aware", {"ls": "-", "marker": "o"}),
    "post-training": ("quantized after training", {"ls": "--", "marker": "s", "mfc": "white"}),
}


def _bits(record: dict[str, Any]) -> float:
    # The coder's real payload, as the table counts it; nominal bits for records without one.
    return record.get("coded_bits", record["total_bits"])


def qat_figure(records: list[dict[str, Any]]) -> plt.Figure:
    """Accuracy and MSE against coded bits per image: quantized after training (dashed)
    and quantization-aware (solid), one colour per bits per code element; each point is
    one code size, its dims written beside the solid line's points. Where records carry
    `accuracy_low`/`accuracy_high`, `mse_min`/`mse_max` or `coded_bits_min`/`coded_bits_max`,
    points get error bars."""
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 5))
    bits = sorted({r["bits"] for r in records})
    palette = plt.cm.tab10(range(len(bits)))
    for i, (b, color) in enumerate(zip(bits, palette, strict=True)):
        for training, (name, style) in TRAININGS.items():
            rows = sorted((r for r in records if r["bits"] == b and r["training"] == training), key=lambda r: r["dims"])
            label = f"{b} bit{'s' if b != 1 else ''} per element, {name}"
            for ax, metric in zip(axes, ("accuracy", "mse"), strict=True):
                ax.plot([_bits(r) for r in rows], [r[metric] for r in rows], color=color, ms=5, label=label,
                        zorder=3, **style)  # fmt: skip
                error_bars(ax, rows, "coded_bits", metric, color, xs=[_bits(r) for r in rows], zorder=2)
                if training == "aware":
                    _label_dims(ax, rows, metric, color, first=i % 2 == 0)
    for ax, metric in zip(axes, ("accuracy", "mse"), strict=True):
        log2_axis(ax)
        ax.set_xlabel(LABELS["coded_bits"] if any("coded_bits" in r for r in records) else LABELS["total_bits"])
        ax.set_ylabel(LABELS[metric])
        ax.grid(alpha=0.3)
    percent_axis(axes[0])
    axes[0].margins(y=0.1)  # room for the dims above the top points
    log_axis(axes[1])
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=9.5, frameon=False,
               bbox_to_anchor=(0.5, 0.01))  # fmt: skip
    fig.suptitle("Quantization-aware training (solid) vs quantizing after training (dashed)\n"
                 "Each point is one code size; the numbers beside the solid lines are its dims")  # fmt: skip
    fig.subplots_adjust(wspace=0.25, top=0.86, bottom=0.25)
    caption(fig, spread_note(records, ["accuracy", "mse", "coded_bits"]))
    return fig


def _label_dims(ax: plt.Axes, rows: list[dict[str, Any]], metric: str, color: Any, first: bool) -> None:
    """Each point's dims beside it, on the side of the line away from the other bits
    level's: above-left of the `first` line where accuracy rises (below-right of the
    other), mirrored where MSE falls, so two lines' labels do not collide."""
    above = first == (metric == "accuracy")
    offset, ha, va = ((-5, 4), "right", "bottom") if above else ((5, -4), "left", "top")
    for r in rows:
        ax.annotate(str(r["dims"]), (_bits(r), r[metric]), xytext=offset, textcoords="offset points", ha=ha, va=va,
                    fontsize=9, color=color, path_effects=HALO, zorder=4)  # fmt: skip


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
