"""Quantization-aware training next to quantizing after training, per (dims, bits).

Beyond the posts: the sweep's linear autoencoders trained with the quantizer in the
loop (`qae.bottlenecks.quantization_aware`), compared with the sweep's own models
rounded after training, at the same dims and bits.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

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


def qat_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per bits level, how many accuracy points quantization-aware training adds, at
    the dims where it adds most and on average over dims."""
    table = pd.DataFrame(records).pivot_table(index=["bits", "dims"], columns="training", values="accuracy")
    gain = (table["aware"] - table["post-training"]) * 100
    return {
        f"bits_{b}": {"max_gain_points": round(float(g.max()), 2), "mean_gain_points": round(float(g.mean()), 2)}
        for b, g in gain.groupby(level="bits")
    }
