"""Quantization-aware training next to quantizing after training, per (dims, bits).

Beyond the posts: the sweep's linear autoencoders trained with the quantizer in the
loop (`qae.bottlenecks.quantization_aware`), compared with the sweep's own models
rounded after training, at the same dims and bits.
"""

from __future__ import annotations

from typing import Any

import torch

from qae.codec.evaluate import evaluate_points
from qae.evaluate import Scorers
from qae.findings import ACCURACIES, agree, compare, row_estimate, summarize
from qae.io import progress
from qae.recipes import linear, linear_method, linear_training
from qae.train import train_autoencoder

TRAININGS = ("post-training", "aware")


def qat_records(
    post_training: list[dict[str, Any]], aware: list[dict[str, Any]], bits: list[int]
) -> list[dict[str, Any]]:
    """The sweep's records at `bits` ("post-training") beside the quantization-aware
    ones ("aware"), each with a `series` label ("2 bits, aware") for plots."""
    records = []
    for training, rows in zip(TRAININGS, (post_training, aware), strict=True):
        for b in bits:
            for r in rows:
                if r["bits"] == b:
                    records.append({**r, "training": training, "series": f"{b} bits, {training}"})
    return records


def qat_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (training, dims, bits): the mean over seeds and its spread (`summarize`)."""
    return summarize(records, ("training", "dims", "bits"))


def gain(aware: dict[str, Any], post: dict[str, Any]) -> int:
    """Whether quantization-aware training beats rounding after training at one (dims,
    bits), beyond noise by both scorers (1), loses (-1), or neither (0)."""
    keys = [k for k in ACCURACIES if k in aware and k in post]
    return agree(*(compare(row_estimate(aware, k), row_estimate(post, k)) for k in keys))


def qat_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per bits level: how many accuracy points quantization-aware training adds (means over
    seeds), at the dims where it adds most and on average over dims, and at how many dims
    it is higher or lower beyond noise (both scorers agreeing)."""
    by = {(r["training"], r["dims"], r["bits"]): r for r in rows}
    summary = {}
    for b in sorted({r["bits"] for r in rows}):
        pairs = [(by["aware", d, b], by["post-training", d, b]) for t, d, bb in by if t == "aware" and bb == b]
        points = [100 * (a["accuracy"] - p["accuracy"]) for a, p in pairs]
        signs = [gain(a, p) for a, p in pairs]
        summary[f"bits_{b}"] = {
            "max_gain_points": round(max(points), 2),
            "mean_gain_points": round(sum(points) / len(points), 2),
            "dims_higher": signs.count(1),
            "dims_lower": signs.count(-1),
            "dims": len(pairs),
            "seeds": min(a["seeds"] for a, _ in pairs),
        }
    return summary


def replicate(
    sweep: dict[str, Any],
    qat: dict[str, Any],
    seed: int,
    images: torch.Tensor,
    scorers: Scorers,
    test: dict[str, torch.Tensor],
    smoothing: float,
    table_bits: int,
) -> list[dict[str, Any]]:
    """The quantization-aware models again at another `seed`: every sweep.dims x qat.bits,
    each scored at the bits it trained at. Records only."""
    records = []
    jobs = [(d, b) for d in sweep["dims"] for b in qat["bits"]]
    for dims, bits in progress(jobs, f"qat, seed {seed}", unit="models"):
        config = linear(sweep, dims, qat={"bits": bits, "noise": qat["noise"]})
        model, _ = train_autoencoder(config, images, linear_training(sweep), seed, progress=False)
        results = evaluate_points(model, scorers, images, test, [bits], smoothing, table_bits)
        identity = {"study": "qat", "method": linear_method(config), "seed": seed}
        records += [{**identity, **record} for record, _ in results]
    return records
