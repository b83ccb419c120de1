"""Every method on one rate-accuracy axis: records, Pareto fronts, bits at a target accuracy.

A record is {"method", "setting", "bits_per_image", "accuracy"}; the baselines stage
writes them for the classic codecs, and `sweep_records` makes them from an autoencoder
sweep's results table, so one more family of models (quantization-aware training, say)
is one more `--sweep NAME=results.json` on the command line. Pure functions only.
"""

from __future__ import annotations

from typing import Any

TARGETS = {"bits_at_97": 0.97, "bits_at_98": 0.98}
COLUMNS = ["method", "setting", "bits_per_image", "accuracy"]


def sweep_records(results: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    """Records of an autoencoder sweep (`metrics/results.json` rows), at the entropy
    coder's bits per image where the table has them, else at dims x bits. Rows of
    codecs that search their codes add a `METHOD_rounded` record: the encoder's
    rounding alone (at its ideal code length, within 0.1% of the coder's)."""

    def record(r: dict[str, Any], name: str, bits: float, accuracy: float) -> dict[str, Any]:
        setting = f"dims={r['dims']}, bits={r['bits']}" + (f", weight={r['rate_weight']}" if "rate_weight" in r else "")
        return {"method": name, "setting": setting, "bits_per_image": bits, "accuracy": accuracy}

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


def bits_at(records: list[dict[str, Any]], accuracy: float) -> float | None:
    """The fewest bits per image among records reaching `accuracy`; None if none does."""
    return min((r["bits_per_image"] for r in records if r["accuracy"] >= accuracy), default=None)


def methods(records: list[dict[str, Any]]) -> list[str]:
    """Method names in order of first appearance."""
    return list(dict.fromkeys(r["method"] for r in records))


def summary(records: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Metrics for `dvc metrics`: {method: {"bits_at_97": ..., "bits_at_98": ...}}."""
    return {
        m: {
            name: (None if (b := bits_at([r for r in records if r["method"] == m], target)) is None else round(b, 2))
            for name, target in TARGETS.items()
        }
        for m in methods(records)
    }
