"""The README's numbers: the headline table and the findings' figures, formatted from
the studies' metrics (the readme stage writes README.md from its template)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from qae.rate import TARGETS
from qae.report.tables import markdown, num, pct


def fields(
    sweep: list[dict[str, Any]],
    faithful: list[dict[str, Any]],
    methods: dict[str, dict[str, float | None]],
    names: dict[str, str],
    compressor: dict[str, Any],
    conv: dict[str, Any],
    digits: dict[str, Any],
    lowdims: dict[str, Any],
    classifier: dict[str, float],
    dims: int,
) -> dict[str, Any]:
    """Every number README.md quotes."""
    at = {str(r["bits"]): r["accuracy"] for r in sweep if r["dims"] == dims}
    post = {str(r["bits"]): r["accuracy"] for r in faithful if r["dims"] == dims}
    shown = ["semantic", "compressor_rd", "compressor", "nearest_neighbour", "kmeans", "pca", "autoencoder_qat"]
    shown += ["autoencoder"]
    shown += ["jpeg_payload", "gzip"]
    table = pd.DataFrame(
        {
            "method": [names[m] for m in shown if m in methods],
            f"bits per image for {pct(TARGETS['bits_at_97'], 0)}": [
                num(methods[m]["bits_at_97"]) for m in shown if m in methods
            ],
            f"for {pct(TARGETS['bits_at_98'], 0)}": [num(methods[m]["bits_at_98"]) for m in shown if m in methods],
            f"for {pct(TARGETS['bits_at_99'], 0)}": [num(methods[m]["bits_at_99"]) for m in shown if m in methods],
        }
    )
    d3 = lowdims["dims_3"] if "dims_3" in lowdims else next(v for k, v in lowdims.items() if k.startswith("dims_"))
    return {
        "table": markdown(table),
        "target_97": pct(TARGETS["bits_at_97"], 0),
        "target_98": pct(TARGETS["bits_at_98"], 0),
        "raw_accuracy": pct(classifier["test_accuracy"], 2),
        "dims": dims,
        "post_2": pct(post.get("2")),
        "post_4": pct(post.get("4")),
        "corrected_2": pct(at.get("2")),
        "corrected_4": pct(at.get("4")),
        "rd_97": num(compressor["rd"]["bits_at_97"]),
        "rd_98": num(compressor["rd"]["bits_at_98"]),
        "pca_97": num(methods["pca"]["bits_at_97"]),
        "semantic_97": num(methods["semantic"]["bits_at_97"]),
        "semantic_98": num(methods["semantic"]["bits_at_98"]),
        "spearman_l2": num(conv["spearman"]["weight_decay"], 2),
        "clusters_accuracy": pct(digits["clusters"]["mapping_accuracy"]),
        "softmax_accuracy": pct(digits["softmax"]["mapping_accuracy"]),
        "lowdims_fixed": num(d3["mean"]["train_loss"], 3),
        "lowdims_mean_image": num(lowdims["mean_image_loss"], 3),
    }


def key_figures(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The few numbers per study that `dvc exp show` lists beside the headline
    (metrics/summary.json), taken from the studies' own summaries (`summaries[study]`,
    each study's metrics/<study>/summary.json), which keep the rest."""
    lowdims = summaries["lowdims"]
    smallest = min((k for k in lowdims if k.startswith("dims_")), key=lambda k: int(k.removeprefix("dims_")))
    return {
        "sweep": {k: summaries["sweep"][k] for k in ("best_accuracy", "bits_at_97", "bits_at_98")},
        "conv": {
            "best_val_loss": summaries["conv"]["best_val_loss"],
            "spearman_l2": summaries["conv"]["spearman"]["weight_decay"],
        },
        "latent": {"discontinuous_borders": summaries["latent"]["discontinuous_borders"]},
        "digits": {f"{name}_accuracy": s["mapping_accuracy"] for name, s in summaries["digits"].items()},
        "lowdims": {
            "mean_image_loss": lowdims["mean_image_loss"],
            **{f"smallest_{start}_loss": m["train_loss"] for start, m in lowdims[smallest].items()},
        },
        "qat": {f"{bits}_mean_gain_points": s["mean_gain_points"] for bits, s in summaries["qat"].items()},
        "compressor_rd": {k: summaries["compressor"]["rd"][k] for k in ("bits_at_97", "bits_at_98")},
        "rate_accuracy": {k: summaries["rate_accuracy"][k] for k in ("bits_at_97", "bits_at_98")},
    }
