"""Every method on one rate-accuracy axis: records, Pareto fronts, bits at a target accuracy.

A record is {"method", "setting", "bits_per_image", "accuracy"}; the baselines stage
writes them for the classic codecs, and `sweep_records` makes them from an autoencoder
family's records, so one more family is one more `--sweep NAME=records.json` on the
stage's command line. Pure functions only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from qae.rate import TARGETS, bits_at

COLUMNS = ["method", "setting", "bits_per_image", "accuracy"]


def _setting(r: dict[str, Any]) -> str:
    parts = [f"dims={r['dims']}", f"bits={r['bits']}"]
    if "rate_weight" in r:
        parts.append(f"rate_weight={r['rate_weight']}")
    return ", ".join(parts)


def sweep_records(results: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    """Records of an autoencoder family, at the entropy coder's bits per image where
    the rows have them, else at dims x bits. Rows of codecs that search their codes add
    a `METHOD_rounded` record: the encoder's rounding alone (at its ideal code length,
    within 0.1% of the coder's)."""

    def record(r: dict[str, Any], name: str, bits: float, accuracy: float) -> dict[str, Any]:
        return {"method": name, "setting": _setting(r), "bits_per_image": bits, "accuracy": accuracy}

    records = [record(r, method, r.get("coded_bits", r["total_bits"]), r["accuracy"]) for r in results]
    records += [
        record(r, f"{method}_rounded", r["rounded_model_bits"], r["rounded_accuracy"])
        for r in results
        if "rounded_accuracy" in r
    ]
    return records


def pareto_front(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records no other record beats on both axes (at most as many bits and at least
    as accurate, better on one), by increasing bits."""
    front: list[dict[str, Any]] = []
    for r in sorted(records, key=lambda r: (r["bits_per_image"], -r["accuracy"])):
        if not front or r["accuracy"] > front[-1]["accuracy"]:
            front.append(r)
    return front


def methods(records: list[dict[str, Any]]) -> list[str]:
    """Method names in order of first appearance."""
    return list(dict.fromkeys(r["method"] for r in records))


def summary(records: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """{method: {"bits_at_97": ..., "bits_at_98": ...}}: the fewest bits per image each
    method needs for each target accuracy (None: never reached)."""
    return {
        m: {
            name: bits_at([r for r in records if r["method"] == m], target, "bits_per_image")
            for name, target in TARGETS.items()
        }
        for m in methods(records)
    }


def target_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Per method, the cheapest record reaching each target accuracy: its bits, accuracy
    and setting (a row per method, sorted by the bits for the first target)."""
    rows = []
    for m in methods(records):
        own = [r for r in records if r["method"] == m]
        row: dict[str, Any] = {"method": m}
        for name, target in TARGETS.items():
            reached = [r for r in own if r["accuracy"] >= target]
            best = min(reached, key=lambda r: r["bits_per_image"]) if reached else None
            row[name] = None if best is None else best["bits_per_image"]
            row[f"{name}_accuracy"] = None if best is None else best["accuracy"]
            row[f"{name}_setting"] = None if best is None else best["setting"]
        rows.append(row)
    first = next(iter(TARGETS))
    return pd.DataFrame(rows).sort_values(first, na_position="last", kind="stable").reset_index(drop=True)


def best_summary(records: list[dict[str, Any]], exclude: tuple[str, ...] = ("label",)) -> dict[str, Any]:
    """The headline for `dvc exp show`: the fewest bits per image any method (but the
    label floor) needs for each target, and which method that is."""
    table = target_table([r for r in records if r["method"] not in exclude])
    out: dict[str, Any] = {}
    for name in TARGETS:
        reached = table.dropna(subset=[name])
        best = reached.loc[reached[name].idxmin()] if not reached.empty else None
        out[name] = None if best is None else round(float(best[name]), 2)
    return out


METHOD_NAMES = {  # what each method is, for tables
    "label": "label (the floor: send the predicted class)",
    "compressor_rd": "rate-distortion model, codes searched",
    "compressor_rd_rounded": "rate-distortion model, the encoder's rounding",
    "compressor": "deep autoencoder, quantization-aware",
    "rvq": "residual VQ, the first q codebooks' indices",
    "fsq": "FSQ (finite scalar quantization), one index per group",
    "vqvae": "VQ-VAE, one codebook index",
    "semantic": "semantic codec: learned cluster + pixel detail",
    "pca": "PCA, k coefficients x b bits, entropy coded",
    "kmeans": "k-means codebook of pixels, log2 k bits",
    "nearest_neighbour": "nearest training image (60k codebook)",
    "autoencoder_qat": "linear autoencoder, quantization-aware",
    "autoencoder": "linear autoencoder (corrected recipe)",
    "jpeg_payload": "JPEG payload (file minus its header)",
    "webp_payload": "WebP payload",
    "jpeg": "JPEG file",
    "webp": "WebP file",
    "gzip": "gzip of the whole test set (lossless)",
    "png": "PNG (lossless)",
}
