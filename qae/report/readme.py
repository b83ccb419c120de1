"""The README's numbers and findings, formatted from the studies' metrics (the readme
stage writes README.md from its template). Every finding here is a sentence that
`qae.findings` built from estimates with their spread, so the front page says no more
than the metrics support; the run-time facts come from the committed benchmark."""

from __future__ import annotations

from typing import Any

import pandas as pd

from qae.findings import CONFIDENCE, Estimate, agree, compare, row_estimate
from qae.rate import TARGETS
from qae.report.phrases import (
    comparison,
    correlation_phrase,
    describe,
    feature_rd_finding,
    seeds_phrase,
    threshold_phrase,
)
from qae.report.tables import markdown, num, pct

SHOWN = [
    "semantic",
    "feature_rd",
    "compressor_rd",
    "compressor",
    "nearest_neighbour",
    "kmeans",
    "pca",
    "autoencoder_qat",
]
SHOWN += ["autoencoder", "jpeg_payload", "gzip"]  # the headline table's methods, beside the label floor
FINDING_BITS = (4, 2)  # the bits per element the first finding compares the two recipes at


def headline_table(points: list[dict[str, Any]], methods: dict[str, dict[str, Any]], names: dict[str, str]) -> str:
    """Fewest bits per image for each target accuracy per method, sorted by the first
    target's bits, the label floor first as a reference; a method that reaches no target
    shows its best accuracy and where, so no row is blank."""
    rows = []
    for m in ["label", *sorted((m for m in SHOWN if m in methods), key=lambda m: _order(methods[m]))]:
        own = [p for p in points if p["method"] == m]
        best = max(own, key=lambda p: (p["accuracy"], -p["coded_bits"]))
        row = {"method": names[m]}
        row |= {f"bits for {pct(t, 0)}": num(methods[m][name]) for name, t in TARGETS.items()}
        row["best accuracy (at bits)"] = f"{pct(best['accuracy'])} ({num(best['coded_bits'])})"
        rows.append(row)
    return markdown(pd.DataFrame(rows))


def _order(bits: dict[str, Any]) -> tuple:
    return tuple(float("inf") if bits[name] is None else bits[name] for name in TARGETS)


def recipes_finding(rows: list[dict[str, Any]], faithful: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """The posts' recipe as written against the corrected one, at the faithful dims and
    FINDING_BITS, by both scorers, and the coded bits each needs for each target."""
    dims = faithful[0]["dims"]
    at = {r["bits"]: r for r in rows if r["dims"] == dims}
    post = {r["bits"]: r for r in faithful if r["dims"] == dims}
    parts = []
    for b in (b for b in FINDING_BITS if b in at and b in post):
        signs = [compare(row_estimate(at[b], k), row_estimate(post[b], k)) for k in ("accuracy", "second_accuracy")]
        said = {1: "higher than", -1: "lower than", 0: "within noise of"}[agree(*signs)]
        parts.append(
            f"at {b} bits per element the corrected recipe's accuracy, "
            f"{describe(row_estimate(at[b], 'accuracy'), pct)}, is {said} the posts' "
            f"{describe(row_estimate(post[b], 'accuracy'), pct)}"
            + ("" if signs[0] == signs[1] else " (the two scorers disagree)")
        )
    per_seed = summary["per_seed"]
    targets = [(pct(t, 0), name) for name, t in TARGETS.items() if name != "bits_at_99"]
    needs = {
        recipe: ", ".join(threshold_phrase(t, per_seed[recipe][name], num) for t, name in targets)
        for recipe in ("corrected", "posts")
    }
    return (
        f"At {dims} dims, " + "; ".join(parts) + ". In coded bits per image, the corrected recipe (any dims): "
        f"{needs['corrected']}; the posts' recipe ({dims} dims): {needs['posts']}"
    )


def rd_finding(rd: list[dict[str, Any]], summary: dict[str, Any], pca: dict[str, Any]) -> str:
    """Where the rate-distortion model reaches each target, one seed, with the second
    scorer's accuracy at that point and quantized PCA beside it."""
    parts = []
    for name, t in TARGETS.items():
        bits = summary["rd"][name]
        if bits is None:
            continue
        point = min((r for r in rd if r["accuracy"] >= t), key=lambda r: r["coded_bits"])
        parts.append(
            f"{pct(t, 0)} at {num(bits)} bits per image (the second scorer: {pct(point.get('second_accuracy'))})"
        )
    pca_97 = pca["bits_at_97"]
    return (
        "; ".join(parts)
        + f" (1 seed), where quantized PCA needs {num(pca_97)} bits for {pct(TARGETS['bits_at_97'], 0)}"
        if parts
        else "no target accuracy (1 seed)"
    )


def class_first_finding(semantic: list[dict[str, Any]], label: dict[str, Any]) -> str:
    """The class-first code at its cheapest setting, by both scorers, with its MSE, beside
    the label floor: what its accuracy rests on."""
    cheapest = min(semantic, key=lambda r: r["coded_bits"])
    cnn, mlp = row_estimate(cheapest, "accuracy"), row_estimate(cheapest, "second_accuracy")
    agreeing = "the two scorers agree" if compare(cnn, mlp) == 0 else "the two scorers disagree"
    return (
        f"at {num(cheapest['coded_bits'])} bits per image (its cluster index alone) the classifier recognizes "
        f"{pct(cnn.mean)} of what it decodes and the second scorer {pct(mlp.mean)}: {agreeing}; its MSE is "
        f"{num(cheapest['mse'], 4)} per pixel (each cluster's mean image), and the label floor sends the class "
        f"for {num(label['coded_bits'])} bits at {pct(label['accuracy'])}"
    )


def lowdims_finding(seeds: list[dict[str, Any]]) -> str:
    """Post 004's smallest code size as written against the decoder started at the mean
    image, over every seed, with the mean image's own loss and the saturated share."""
    key = min((k for k in seeds[0] if k.startswith("dims_")), key=lambda k: int(k.removeprefix("dims_")))
    fixed = Estimate.of_spread([s[key]["mean"]["train_loss"] for s in seeds])
    as_written = Estimate.of_spread([s[key]["default"]["train_loss"] for s in seeds])
    saturated = Estimate.of_spread([s[key]["default"]["saturated"] for s in seeds])
    said = {1: "higher than", -1: "lower than", 0: "within noise of"}[compare(fixed, as_written)]
    return (
        f"at d = {key.removeprefix('dims_')}, starting the decoder at the mean image gives a training loss of "
        f"{describe(fixed, lambda v: num(v, 3))}, {said} the {describe(as_written, lambda v: num(v, 3))} "
        f"as written, where the mean image alone costs {num(seeds[0]['mean_image_loss'], 3)}; as written, "
        f"{describe(saturated, pct)} of the code's tanh units are saturated on the test images"
    )


def qat_finding(qat: dict[str, Any]) -> str:
    """At each bits level, at how many dims quantization-aware training is more (and less)
    accurate than rounding after training beyond noise, for both scorers."""
    parts = []
    for level, s in qat.items():
        bits = level.removeprefix("bits_")
        parts.append(
            f"at {bits} bit{'' if bits == '1' else 's'} it is more accurate at {s['dims_higher']} of {s['dims']} "
            f"dims and less accurate at {s['dims_lower']}"
        )
    seeds = min(s["seeds"] for s in qat.values())
    return "; ".join(parts) + f"; within noise at the rest ({seeds_phrase(seeds)}, both scorers)"


def fields(
    rows: list[dict[str, Any]],
    faithful: list[dict[str, Any]],
    sweep_summary: dict[str, Any],
    points: list[dict[str, Any]],
    methods: dict[str, dict[str, Any]],
    names: dict[str, str],
    compressor: dict[str, Any],
    rd: list[dict[str, Any]],
    semantic: list[dict[str, Any]],
    feature_rd: list[dict[str, Any]],
    budget_bits: float,
    conv: dict[str, Any],
    digits: dict[str, Any],
    lowdims: list[dict[str, Any]],
    qat: dict[str, Any],
    raw: dict[str, float],
    bench: dict[str, Any],
) -> dict[str, Any]:
    """Every number and finding README.md states."""
    label = next(p for p in points if p["method"] == "label")
    clusters, softmax = digits["clusters"], digits["softmax"]
    spearman, interval = conv["spearman"], conv["spearman_interval"]
    return {
        "table": headline_table(points, methods, names),
        "target_97": pct(TARGETS["bits_at_97"], 0),
        "target_98": pct(TARGETS["bits_at_98"], 0),
        "target_99": pct(TARGETS["bits_at_99"], 0),
        "raw_accuracy": pct(raw["accuracy"], 2),
        "raw_second_accuracy": pct(raw["second_accuracy"], 2),
        "confidence": CONFIDENCE,
        "recipes": recipes_finding(rows, faithful, sweep_summary),
        "rd": rd_finding(rd, compressor, methods["pca"]),
        "class_first": class_first_finding(semantic, label),
        "feature_rd": feature_rd_finding(feature_rd, rd, budget_bits),
        "search": correlation_phrase(
            "the validation loss", "the L2 penalty", spearman["weight_decay"], interval["weight_decay"], conv["trials"]
        ),
        "search_rest": "; ".join(
            correlation_phrase("it", name, spearman[h], interval[h], conv["trials"])
            for h, name in (("lr", "the learning rate"), ("dropout", "dropout"), ("epochs", "epochs"))
        ),
        "digits": comparison(
            "clustering an autoencoder's codes",
            Estimate.of_accuracy([clusters["mapping_accuracy"]], clusters["images"]),
            "post 002's softmax neuron",
            Estimate.of_accuracy([softmax["mapping_accuracy"]], softmax["images"]),
            pct,
            "mapping accuracy",
        ),
        "lowdims": lowdims_finding(lowdims),
        "qat": qat_finding(qat),
        "machine": bench.get("machine_text", "a machine bench/pipeline.md names"),
        "full_minutes": num(bench["total_s"] / 60, 0) if "total_s" in bench else "-",
        "quick_seconds": num(bench["quick_s"], 0) if "quick_s" in bench else "-",
        "venv_gb": num(bench["venv_bytes"] / 1e9, 1) if "venv_bytes" in bench else "-",
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
