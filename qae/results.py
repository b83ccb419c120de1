"""From per-item evaluation files to the tables and metrics people and DVC read.

`aggregate` reads only the (dims, bits) items the current params list, so values
dropped from the sweep leave no stale rows behind.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from qae.io import read_json, write_json, write_text
from qae.params import UNQUANTIZED

# total_bits: dims x bits, nominal; coded_bits: the entropy coder's payload; model_bits: the
# ideal length under its code model; entropy_bits: the test codes' plug-in entropy (qae.codec).
COLUMNS = ["dims", "bits", "code_bits", "total_bits", "coded_bits", "model_bits", "entropy_bits"]
COLUMNS += ["compression_ratio", "accuracy", "mse", "bce"]
SUMMARY_KEYS = ("accuracy", "mse", "coded_bits")


def eval_path(eval_dir: str | os.PathLike, dims: int, bits: int | str) -> Path:
    """Where eval_quantized writes the record of one (dims, bits) item."""
    return Path(eval_dir) / f"{dims}-{bits}.json"


def load_records(eval_dir: str | os.PathLike, dims: list[int], bits: list[int | str]) -> list[dict[str, Any]]:
    """One long-format record per (dims, bits) of the sweep, in sweep order."""
    records = []
    for d in dims:
        for b in bits:
            path = eval_path(eval_dir, d, b)
            if not path.exists():
                raise FileNotFoundError(f"{path} is missing: run `dvc repro eval_quantized@{d}-{b}`")
            code_bits = 32 if b == UNQUANTIZED else b
            records.append({"dims": d, "bits": b, "code_bits": code_bits, **read_json(path)})
    return records


def summary(records: list[dict[str, Any]], lossless: dict[str, float] | None = None) -> dict[str, Any]:
    """Nested metrics for `dvc metrics`: dims_64.bits_8.accuracy, ..., lossless.gzip.ratio."""
    nested: dict[str, Any] = {}
    for r in records:
        item = {k: round(r[k], 6) for k in SUMMARY_KEYS}
        nested.setdefault(f"dims_{r['dims']}", {})[f"bits_{r['bits']}"] = item
    if lossless is not None:
        nested["lossless"] = {"gzip": {k: round(v, 4) for k, v in lossless.items()}}
    return nested


def to_csv(records: list[dict[str, Any]], columns: list[str] = COLUMNS) -> str:
    """The records as CSV text, one row each, floats to 6 significant digits."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: (f"{r[k]:.6g}" if isinstance(r[k], float) else r[k]) for k in columns})
    return buf.getvalue()


def write_results(records: list[dict[str, Any]], lossless: dict[str, float], out_dir: str | os.PathLike) -> None:
    """results.json (long format, for plots), results.csv (for people), summary.json (metrics)."""
    out = Path(out_dir)
    write_json(out / "results.json", records)
    write_text(out / "results.csv", to_csv(records))
    write_json(out / "summary.json", summary(records, lossless))


# Post 000's reported accuracies at dims=64, the baseline our curves are drawn against.
POST_000_ACCURACY_AT_64 = {2: 0.60, 4: 0.90, 8: 0.97, 16: 0.98, 32: 0.98, UNQUANTIZED: 0.98}


def robustness_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Nested metrics of the robustness sweep: dims_4.plain.clean_mse, ...noise_1.0_accuracy,
    at the clean level and the strongest noise and occlusion."""
    nested: dict[str, Any] = {}
    strongest = {kind: max(r["level"] for r in records if r["corruption"] == kind) for kind in ("noise", "occlusion")}
    for r in records:
        item = nested.setdefault(f"dims_{r['dims']}", {}).setdefault(r["training"], {})
        if r["corruption"] == "noise" and r["level"] == 0:
            item.update(clean_mse=round(r["mse"], 6), clean_accuracy=round(r["accuracy"], 6))
        elif r["level"] == strongest[r["corruption"]]:
            name = f"{r['corruption']}_{r['level']:g}"
            item.update({f"{name}_mse": round(r["mse"], 6), f"{name}_accuracy": round(r["accuracy"], 6)})
    return nested


def qat_records(
    eval_dir: str | os.PathLike, qat_eval_dir: str | os.PathLike, dims: list[int], bits: list[int]
) -> list[dict[str, Any]]:
    """Quantized after training vs quantization-aware, per (dims, bits): one record each,
    with a `series` label ("2 bits, aware") for plots that color by it."""
    records = []
    for training, folder in (("post-training", eval_dir), ("aware", qat_eval_dir)):
        for b in bits:
            for r in load_records(folder, dims, [b]):
                records.append({**r, "training": training, "series": f"{b} bits, {training}"})
    return records


def qat_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Nested metrics: dims_64.bits_2.aware.accuracy, ...post-training.mse."""
    nested: dict[str, Any] = {}
    for r in records:
        item = nested.setdefault(f"dims_{r['dims']}", {}).setdefault(f"bits_{r['bits']}", {})
        item[r["training"]] = {k: round(r[k], 6) for k in SUMMARY_KEYS}
    return nested


def rd_records(eval_dir: str | os.PathLike, dims: int, weights: list[float], code_bits: int) -> list[dict[str, Any]]:
    """The rate-distortion models' records, one per rate weight, in params order."""
    records = []
    for w in weights:
        path = Path(eval_dir) / f"{w}.json"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run `dvc repro eval_rd@{w}`")
        records.append({"dims": dims, "bits": code_bits, "rate_weight": w, **read_json(path)})
    return records


def rd_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Nested metrics: weight_0.3.accuracy, weight_0.3.coded_bits, ..."""
    return {f"weight_{r['rate_weight']}": {k: round(r[k], 6) for k in SUMMARY_KEYS} for r in records}
