"""Rate at a target accuracy: how every study and method is compared.

A record here is anything with an "accuracy" and a bits-per-image field; the fewest
bits that reach a target accuracy is the number `dvc exp show` and the reports quote.
"""

from __future__ import annotations

from typing import Any

TARGETS = {"bits_at_97": 0.97, "bits_at_98": 0.98, "bits_at_99": 0.99}  # the accuracies every rate is compared at


def bits_at(records: list[dict[str, Any]], accuracy: float, bits_key: str = "coded_bits") -> float | None:
    """The fewest bits per image (`bits_key`) among `records` reaching `accuracy`; None if none does."""
    return min((round(r[bits_key], 2) for r in records if r["accuracy"] >= accuracy), default=None)
