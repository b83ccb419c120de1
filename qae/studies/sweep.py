"""Posts 000/001: the linear autoencoder at every dims x bits, as the design card runs it.

`train_autoencoder@D` trains one model per `sweep.dims`, `eval_quantized@D-B` scores it
at one `sweep.bits` level (one cell of the matrix), and `aggregate` gathers the cells the
current params list (values dropped from the sweep leave no stale rows behind), in
sweep order, into one table and the few numbers `dvc exp show` needs. The same recipe
trains the headline model (`dims`, `bits`), the posts' recipe as written (`faithful`)
and the quantization-aware models (qae.studies.qat).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from qae.errors import UserError
from qae.io import read_json
from qae.models import AutoencoderConfig
from qae.quantize import UNQUANTIZED
from qae.rate import TARGETS, bits_at
from qae.train import TrainConfig

# total_bits: dims x bits, nominal; coded_bits: the entropy coder's payload; model_bits: the
# ideal length under its code model; entropy_bits: the test codes' plug-in entropy (qae.codec).
COLUMNS = ["dims", "bits", "code_bits", "total_bits", "coded_bits", "model_bits", "entropy_bits"]
COLUMNS += ["compression_ratio", "accuracy", "mse", "bce"]

# Post 000's reported accuracies at dims=64, the baseline the curves are drawn against.
POST_000_ACCURACY_AT_64 = {2: 0.60, 4: 0.90, 8: 0.97, 16: 0.98, 32: 0.98, UNQUANTIZED: 0.98}


def method(recipe: str, qat_bits: int | None = None) -> str:
    """The method name of a linear-family model in records and reports."""
    if qat_bits is not None:
        return "autoencoder_qat"
    return "autoencoder_posts" if recipe == "post" else "autoencoder"


def model_config(
    sweep: dict[str, Any], dims: int, faithful: bool = False, qat: dict[str, Any] | None = None
) -> AutoencoderConfig:
    """The autoencoder params' `sweep` section describes at `dims`: the posts' recipe as
    written (`faithful`, or sweep.recipe post), corrected, or trained quantization-aware at
    `qat`'s bits (the qat section's item: {"bits", "noise"}; always corrected)."""
    recipe = "post" if faithful else sweep["recipe"]
    if qat is not None:
        return AutoencoderConfig(sweep["arch"], dims, "quantization_aware", qat, "corrected", sweep["dropout"])
    bottleneck = "posts_rounding" if recipe == "post" else "rounding"
    return AutoencoderConfig(sweep["arch"], dims, bottleneck, {}, recipe, sweep["dropout"])


def train_config(sweep: dict[str, Any], faithful: bool = False) -> TrainConfig:
    """How `sweep` trains; `faithful`: the posts' own schedule (sweep.faithful)."""
    if faithful:
        own = sweep["faithful"]
        return TrainConfig.from_params(sweep, epochs=own["epochs"], lr=own["lr"], schedule="constant")
    return TrainConfig.from_params(sweep)


def cell_path(folder: str | os.PathLike, dims: int, bits: int | str) -> Path:
    """Where `eval_quantized@DIMS-BITS` writes its record."""
    return Path(folder) / f"{dims}-{bits}.json"


def load_cells(folder: str | os.PathLike, dims: list[int], bits: list[int | str]) -> list[dict[str, Any]]:
    """The records of the sweep's cells the params list, in sweep order, each with its
    bits per code element as a number (`code_bits`: 32 for the float32 code)."""
    records = []
    for d in dims:
        for b in bits:
            path = cell_path(folder, d, b)
            if not path.exists():
                raise UserError(f"{path} is missing: run `dvc repro eval_quantized@{d}-{b}`")
            record = read_json(path)
            records.append({**record, "code_bits": 32 if record["bits"] == UNQUANTIZED else record["bits"]})
    return records


def load_faithful(folder: str | os.PathLike, dims: list[int]) -> list[dict[str, Any]]:
    """The records of the posts' recipe as written (`sweep_faithful_eval@D`: a list of
    records per dims, one per bits level), with `code_bits` as in `load_cells`."""
    records = []
    for d in dims:
        path = Path(folder) / f"{d}.json"
        if not path.exists():
            raise UserError(f"{path} is missing: run `dvc repro sweep_faithful_eval@{d}`")
        records += [{**r, "code_bits": 32 if r["bits"] == UNQUANTIZED else r["bits"]} for r in read_json(path)]
    return records


def summary(records: list[dict[str, Any]], lossless: dict[str, float]) -> dict[str, Any]:
    """The sweep in the few numbers `dvc exp show` compares: the fewest coded bits per
    image for each target accuracy, the best accuracy anywhere, and post 001's gzip ratio."""
    return {
        **{name: bits_at(records, target) for name, target in TARGETS.items()},
        "best_accuracy": round(max(r["accuracy"] for r in records), 6),
        "gzip_ratio": round(lossless["ratio"], 4),
    }
