"""The compressor study's report: the rate-distortion model's operating points with and
without the code search, and the tables of reports/compressor.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from qae.findings import CONFIDENCE, row_estimate
from qae.rate import TARGETS
from qae.report.figures import HALO, LABELS, caption, error_bars, log2_axis, percent_axis, spread_note, target_lines
from qae.report.tables import markdown, num, pct

NAMES = {  # as reports/rate_accuracy.md names them (METHOD_NAMES), unless the stage passes its own
    "compressor_rd": "rate-distortion model, codes searched",
    "compressor_rd_rounded": "rate-distortion model, the encoder's rounding",
    "compressor": "deep autoencoder, quantization-aware",
}


def rd_figure(
    qat: list[dict[str, Any]],
    rd: list[dict[str, Any]],
    targets: list[float],
    names: dict[str, str] | None = None,
) -> plt.Figure:
    """Accuracy against coded bits per image: the rate-distortion model's codes searched
    (one point per rate weight, labelled with it) and rounded, and the quantization-aware
    models (labelled dims x bits); the target accuracies labelled. `names` maps the
    methods `compressor_rd`, `compressor_rd_rounded` and `compressor` to their names in
    the tables. Error bars where the records carry `accuracy_low`/`accuracy_high` or
    `coded_bits_min`/`coded_bits_max`."""
    names = NAMES | (names or {})
    fig, ax = plt.subplots(figsize=(8, 5))
    rd = sorted(rd, key=lambda r: r["coded_bits"])
    ax.plot([r["coded_bits"] for r in rd], [r["accuracy"] for r in rd], "o-", color="tab:red", ms=7, zorder=3,
            label=names["compressor_rd"])  # fmt: skip
    error_bars(ax, rd, "coded_bits", "accuracy", "tab:red", zorder=2)
    for r in rd:
        ax.annotate(f"w = {r['rate_weight']:g}", (r["coded_bits"], r["accuracy"]), xytext=(7, -5), va="top",
                    textcoords="offset points", fontsize=9, color="tab:red", path_effects=HALO)  # fmt: skip
    rounded = sorted(rd, key=lambda r: r["rounded_model_bits"])
    ax.plot([r["rounded_model_bits"] for r in rounded], [r["rounded_accuracy"] for r in rounded], "o--",
            color="tab:red", mfc="white", ms=7, label=names["compressor_rd_rounded"])  # fmt: skip
    qat = sorted(qat, key=lambda r: r["coded_bits"])
    ax.plot([r["coded_bits"] for r in qat], [r["accuracy"] for r in qat], "^-", color="tab:blue", ms=7, zorder=3,
            label=names["compressor"])  # fmt: skip
    error_bars(ax, qat, "coded_bits", "accuracy", "tab:blue", zorder=2)
    for r in qat:
        ax.annotate(f"{r['dims']} x {r['bits']}", (r["coded_bits"], r["accuracy"]), xytext=(6, -4), va="top",
                    textcoords="offset points", fontsize=9, color="tab:blue", path_effects=HALO)  # fmt: skip
    ax.margins(0.08)  # room for the points' labels
    low, high = ax.get_ylim()
    ax.set_ylim(low, max(high, max(targets, default=high) + 0.003))  # each target's label inside the axes
    target_lines(ax, targets)
    log2_axis(ax)
    ax.set_xlabel(LABELS["coded_bits"])
    ax.set_ylabel("classifier accuracy on the decoded images")
    percent_axis(ax)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9, loc="lower right")
    ax.set_title("The compressors: w, the rate level's weight; dims x bits, a quantization-aware model")
    caption(ax, spread_note([*rd, *qat], ["accuracy", "coded_bits"]))
    return fig


def fields(
    qat: list[dict[str, Any]], rd: list[dict[str, Any]], summary: dict[str, Any], recipe: dict[str, Any]
) -> dict:
    """The tables and numbers reports/compressor.md quotes: every accuracy with its interval
    over the test images (each model trains with `seed` only) and the second scorer's."""
    qat_table = pd.DataFrame(
        {
            "dims x bits": [f"{r['dims']} x {r['bits']}" for r in qat],
            "coded bits per image": [num(r["coded_bits"]) for r in qat],
            "accuracy (interval)": [interval(r) for r in qat],
            "second scorer": [pct(r.get("second_accuracy")) for r in qat],
            "MSE per pixel": [num(r["mse"], 4) for r in qat],
        }
    )
    rd_table = pd.DataFrame(
        {
            "rate level's weight": [f"{r['rate_weight']:g}" for r in rd],
            "coded bits per image": [num(r["coded_bits"]) for r in rd],
            "accuracy (interval)": [interval(r) for r in rd],
            "second scorer": [pct(r.get("second_accuracy")) for r in rd],
            "MSE per pixel": [num(r["mse"], 4) for r in rd],
            "rounding alone: bits": [num(r["rounded_model_bits"]) for r in rd],
            "rounding alone: accuracy": [pct(r["rounded_accuracy"]) for r in rd],
        }
    )
    return {
        "qat_table": markdown(qat_table),
        "rd_table": markdown(rd_table),
        "rd_bits_at_97": num(summary["rd"]["bits_at_97"]),
        "rd_bits_at_98": num(summary["rd"]["bits_at_98"]),
        "qat_bits_at_97": num(summary["qat"]["bits_at_97"]),
        "qat_bits_at_98": num(summary["qat"]["bits_at_98"]),
        "levels": len(recipe["rate_weights"]),
        "target_97": pct(TARGETS["bits_at_97"], 0),
        "target_98": pct(TARGETS["bits_at_98"], 0),
        "epochs": recipe["epochs"],
        "rd_dims": recipe["dims"],
        "confidence": CONFIDENCE,
    }


def interval(record: dict[str, Any]) -> str:
    """A record's accuracy and its interval over the test images: "98.4% (98.1-98.6%)"."""
    e = row_estimate(record, "accuracy")
    return f"{pct(record['accuracy'])} ({pct(e.low).rstrip('%')}-{pct(e.high)})"
