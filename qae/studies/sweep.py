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

import torch

from qae import replicates
from qae.codec.evaluate import evaluate_points
from qae.errors import UserError
from qae.evaluate import Scorers
from qae.findings import ACCURACIES, agree, compare, row_estimate, summarize, worst_seed_bits
from qae.io import progress, read_json
from qae.quantize import UNQUANTIZED, parse_bits
from qae.rate import TARGETS, bits_at
from qae.recipes import linear, linear_method, linear_training
from qae.train import train_autoencoder

# total_bits: dims x bits, nominal; coded_bits: the entropy coder's payload; model_bits: the
# ideal length under its code model; entropy_bits: the test codes' plug-in entropy (qae.codec).
COLUMNS = ["dims", "bits", "code_bits", "total_bits", "coded_bits", "model_bits", "entropy_bits"]
COLUMNS += ["compression_ratio", "accuracy", "mse", "bce"]

# Post 000's reported accuracies at dims=64, the baseline the curves are drawn against.
POST_000_ACCURACY_AT_64 = {2: 0.60, 4: 0.90, 8: 0.97, 16: 0.98, 32: 0.98, UNQUANTIZED: 0.98}


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


def load_replicates(folder: str | os.PathLike, seeds: list[int]) -> list[dict[str, Any]]:
    """The records of the replicates of `seeds` (`qae.replicates`), with `code_bits` as in
    `load_cells`."""
    return [{**r, "code_bits": 32 if r["bits"] == UNQUANTIZED else r["bits"]} for r in replicates.load(folder, seeds)]


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


def bits_per_seed(records: list[dict[str, Any]], target: float) -> list[float | None]:
    """The fewest coded bits per image reaching `target` accuracy, for each seed's records
    (in seed order; None where a seed never reaches it)."""
    seeds = sorted({r["seed"] for r in records})
    return [bits_at([r for r in records if r["seed"] == s], target) for s in seeds]


def summary(
    records: list[dict[str, Any]], faithful: list[dict[str, Any]], lossless: dict[str, float]
) -> dict[str, Any]:
    """The sweep in the few numbers `dvc exp show` compares, from the per-seed `records`
    of the sweep's models and of the posts' recipe as written (`faithful`): the fewest coded
    bits per image for each target accuracy, read on the worst seed (None if a seed never
    reaches it), the best mean accuracy anywhere, post 001's gzip ratio and the seeds."""
    rows = summarize(records, ("dims", "bits"))
    return {
        **{name: worst_seed_bits(bits_per_seed(records, t)) for name, t in TARGETS.items()},
        "best_accuracy": round(max(r["accuracy"] for r in rows), 6),
        "gzip_ratio": round(lossless["ratio"], 4),
        "seeds": len({r["seed"] for r in records}),
        "posts": {name: worst_seed_bits(bits_per_seed(faithful, t)) for name, t in TARGETS.items()},
        "per_seed": {
            "corrected": {name: bits_per_seed(records, t) for name, t in TARGETS.items()},
            "posts": {name: bits_per_seed(faithful, t) for name, t in TARGETS.items()},
        },
    }


def matches_reported(row: dict[str, Any], reported: float) -> bool:
    """Whether an accuracy the post reports (rounded to a whole percent) lies within a
    summary row's interval, widened by that rounding."""
    estimate = row_estimate(row, "accuracy")
    return estimate.low - 0.005 <= reported <= estimate.high + 0.005


def recipe_verdict(corrected: dict[str, Any], posts: dict[str, Any]) -> int:
    """Whether the corrected recipe is more accurate than the posts' at one (dims, bits)
    beyond noise by both scorers (1), less (-1), or neither (0)."""
    keys = [k for k in ACCURACIES if k in corrected and k in posts]
    return agree(*(compare(row_estimate(corrected, k), row_estimate(posts, k)) for k in keys))


def replicate(
    sweep: dict[str, Any],
    seed: int,
    images: torch.Tensor,
    scorers: Scorers,
    test: dict[str, torch.Tensor],
    smoothing: float,
    table_bits: int,
) -> list[dict[str, Any]]:
    """The sweep's models again at another `seed`: every sweep.dims (the sweep's recipe)
    and every sweep.faithful.dims (the posts' recipe as written), each scored at every
    sweep.bits as its cells are. Records only: the codecs of a replicate are not kept."""
    bits = [parse_bits(b) for b in sweep["bits"]]
    jobs = [(d, False) for d in sweep["dims"]] + [(d, True) for d in sweep["faithful"]["dims"]]
    records = []
    for dims, faithful in progress(jobs, f"sweep, seed {seed}", unit="models"):
        config = linear(sweep, dims, faithful)
        model, _ = train_autoencoder(config, images, linear_training(sweep, faithful), seed, progress=False)
        results = evaluate_points(model, scorers, images, test, bits, smoothing, table_bits)
        identity = {"study": "sweep_faithful" if faithful else "sweep", "method": linear_method(config), "seed": seed}
        records += [{**identity, **record} for record, _ in results]
    return records
