"""Posts 000/001: the dims x bits sweep of the linear autoencoder, as one table.

Each `sweep_eval@D` item writes the records of one model at every bits level; this
module gathers the items the current params list (values dropped from the sweep leave
no stale rows behind), in sweep order, and condenses them into the few numbers
`dvc exp show` needs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from qae.io import read_json
from qae.quantize import UNQUANTIZED
from qae.rate import TARGETS, bits_at

# total_bits: dims x bits, nominal; coded_bits: the entropy coder's payload; model_bits: the
# ideal length under its code model; entropy_bits: the test codes' plug-in entropy (qae.codec).
COLUMNS = ["dims", "bits", "code_bits", "total_bits", "coded_bits", "model_bits", "entropy_bits"]
COLUMNS += ["compression_ratio", "accuracy", "mse", "bce"]

# Post 000's reported accuracies at dims=64, the baseline the curves are drawn against.
POST_000_ACCURACY_AT_64 = {2: 0.60, 4: 0.90, 8: 0.97, 16: 0.98, 32: 0.98, UNQUANTIZED: 0.98}


def load_records(eval_dir: str | os.PathLike, dims: list[int], bits: list[int | str]) -> list[dict[str, Any]]:
    """One record per (dims, bits) of the sweep, in sweep order, from the per-dims files
    `sweep_eval` writes (`<eval_dir>/<dims>.json`, a record per bits level)."""
    records = []
    for d in dims:
        path = Path(eval_dir) / f"{d}.json"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run `dvc repro sweep_eval@{d}`")
        by_bits = {str(r["bits"]): r for r in read_json(path)}
        for b in bits:
            if str(b) not in by_bits:
                raise KeyError(f"{path} has no record for bits={b}: run `dvc repro sweep_eval@{d}`")
            records.append({**by_bits[str(b)], "dims": d, "code_bits": 32 if b == UNQUANTIZED else b})
    return records


def results_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The records as one table, a row per (dims, bits), in COLUMNS order."""
    return pd.DataFrame(records).reindex(columns=COLUMNS)


def summary(records: list[dict[str, Any]], lossless: dict[str, float]) -> dict[str, Any]:
    """The sweep in the few numbers `dvc exp show` compares: the fewest coded bits per
    image for 97% and 98%, the best accuracy anywhere, and post 001's gzip ratio."""
    return {
        **{name: bits_at(records, target) for name, target in TARGETS.items()},
        "best_accuracy": round(max(r["accuracy"] for r in records), 6),
        "gzip_ratio": round(lossless["ratio"], 4),
    }
