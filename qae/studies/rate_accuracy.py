"""Every method on one rate-accuracy axis: records, Pareto fronts, bits at a target accuracy.

The stage reads the records every codec study writes, as they are: each says what it is
(study, method, seed) and which operating point (dims, bits, rate level, or a setting),
with its real coded bits per image and accuracy; one more family is one more
`--records FILE` on the stage's command line. `on_axis` keeps what the axis needs,
{"method", "setting", "coded_bits", "accuracy"}. Pure functions only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from qae.findings import row_estimate
from qae.rate import TARGETS, bits_at

COLUMNS = ["method", "setting", "coded_bits", "accuracy"]
POINT_FIELDS = ("dims", "bits", "rate_weight", "feature_weight")  # what names a model's operating point, in order


def setting(record: dict[str, Any]) -> str:
    """How a record names its operating point: its own `setting`, or its point's fields."""
    if "setting" in record:
        return record["setting"]
    return ", ".join(f"{k}={record[k]}" for k in POINT_FIELDS if k in record)


KEPT = ("second_accuracy", "mse", "seeds")  # what else a point carries where its record has it


def point(record: dict[str, Any]) -> dict[str, Any]:
    """One record as a point on the axis: method, setting, coded bits and accuracy, the
    accuracy's interval (over seeds and the test images) and KEPT."""
    p = {"method": record["method"], "setting": setting(record), "coded_bits": record["coded_bits"]}
    p["accuracy"] = record["accuracy"]
    if "images" in record or "accuracy_low" in record:
        e = row_estimate(record, "accuracy")
        p |= {"accuracy_low": e.low, "accuracy_high": e.high}
    return p | {k: record[k] for k in KEPT if record.get(k) is not None}


def on_axis(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records as points on the axis. A record of a codec that searches its codes
    adds a `METHOD_rounded` point: the encoder's rounding alone (at its ideal code length,
    within 0.1% of the coder's)."""
    points = [point(r) for r in records]
    points += [
        {
            "method": f"{r['method']}_rounded",
            "setting": setting(r),
            "coded_bits": r["rounded_model_bits"],
            "accuracy": r["rounded_accuracy"],
        }
        for r in records
        if "rounded_accuracy" in r
    ]
    return points


def pareto_front(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records no other record beats on both axes (at most as many bits and at least
    as accurate, better on one), by increasing bits."""
    front: list[dict[str, Any]] = []
    for r in sorted(records, key=lambda r: (r["coded_bits"], -r["accuracy"])):
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
        m: {name: bits_at([r for r in records if r["method"] == m], target) for name, target in TARGETS.items()}
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
            best = min(reached, key=lambda r: r["coded_bits"]) if reached else None
            row[name] = None if best is None else best["coded_bits"]
            row[f"{name}_accuracy"] = None if best is None else best["accuracy"]
            row[f"{name}_second_accuracy"] = None if best is None else best.get("second_accuracy")
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
    "semantic": "class-first code: a learned cluster, then pixel detail",
    "feature_rd": "rate-distortion model, codes searched for label-free features",
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
