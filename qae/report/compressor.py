"""The compressor study's report: the rate-distortion model's operating points with and
without the code search, and the tables of reports/compressor.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import PercentFormatter

from qae.findings import CONFIDENCE, row_estimate
from qae.rate import TARGETS
from qae.report.tables import markdown, num, pct


def rd_figure(qat: list[dict[str, Any]], rd: list[dict[str, Any]], targets: list[float]) -> plt.Figure:
    """Accuracy against coded bits per image: the rate-distortion model's codes searched
    (one point per rate weight) and rounded, and the quantization-aware models."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    rd = sorted(rd, key=lambda r: r["coded_bits"])
    ax.plot([r["coded_bits"] for r in rd], [r["accuracy"] for r in rd], "o-", label="rate-distortion, codes searched")
    for r in rd:
        ax.annotate(f"{r['rate_weight']:g}", (r["coded_bits"], r["accuracy"]), xytext=(4, -10),
                    textcoords="offset points", fontsize=8)  # fmt: skip
    rounded = sorted(rd, key=lambda r: r["rounded_model_bits"])
    ax.plot([r["rounded_model_bits"] for r in rounded], [r["rounded_accuracy"] for r in rounded], "s--",
            mfc="white", label="rate-distortion, the encoder's rounding")  # fmt: skip
    qat = sorted(qat, key=lambda r: r["coded_bits"])
    ax.plot([r["coded_bits"] for r in qat], [r["accuracy"] for r in qat], "^--", label="quantization-aware")
    for target in targets:
        ax.axhline(target, color="0.75", lw=0.8, zorder=0)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("coded bits per image")
    ax.set_ylabel("classifier accuracy on the decoded images")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("The compressors: labels are the rate levels' weights")
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
