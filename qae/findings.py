"""What a result may claim: estimates with their spread, and how two of them compare.

A number qae reports is an `Estimate`: one value per training seed, and the interval a
comparison uses. For an accuracy over n test images that interval joins every seed's 95%
Wilson score interval (the test set's sampling) with the spread over seeds; for other
measures (MSE, bits) it is the spread over seeds. Two estimates compare only where their
intervals do not overlap: otherwise they are "within noise", and a touching boundary counts
as overlap. A threshold ("97% at N bits") is read on the worst seed and says over how many
seeds it holds. `qae.report.phrases` turns these into the sentences the reports state.

Pure functions: no files, no models.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Z_95 = 1.959964  # the standard normal's 97.5th percentile: two-sided 95%
CONFIDENCE = "95%"  # how the reports name the intervals' level


def wilson(accuracy: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a share `accuracy` of `n` trials (95% by default)."""
    if n <= 0:
        raise ValueError(f"an interval needs at least one test image, got n={n}")
    centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(accuracy * (1 - accuracy) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Estimate:
    """A measure over seeds: its mean, its range over seeds, and the interval [low, high]
    a comparison uses."""

    mean: float
    min: float
    max: float
    low: float
    high: float
    seeds: int

    @classmethod
    def of_accuracy(cls, values: Iterable[float], n: int) -> Estimate:
        """Accuracies over `n` test images, one per seed: each seed's Wilson interval, joined."""
        values = list(values)
        intervals = [wilson(v, n) for v in values]
        low, high = min(lo for lo, _ in intervals), max(hi for _, hi in intervals)
        return cls(sum(values) / len(values), min(values), max(values), low, high, len(values))

    @classmethod
    def of_spread(cls, values: Iterable[float]) -> Estimate:
        """Any other measure, one value per seed: its spread over seeds."""
        values = list(values)
        return cls(sum(values) / len(values), min(values), max(values), min(values), max(values), len(values))


def compare(a: Estimate, b: Estimate) -> int:
    """1 if `a` is higher than `b` beyond noise, -1 if lower, 0 if their intervals overlap
    (touching counts as overlapping)."""
    if a.low > b.high:
        return 1
    if a.high < b.low:
        return -1
    return 0


def agree(*signs: int) -> int:
    """The comparison several scorers support together: their common sign, else 0."""
    return signs[0] if len(set(signs)) == 1 else 0


def worst_seed_bits(bits_per_seed: list[float | None]) -> float | None:
    """A threshold read on the worst seed: the most bits any seed needs (None if a seed never
    reaches it)."""
    if not bits_per_seed or any(b is None for b in bits_per_seed):
        return None
    return max(b for b in bits_per_seed if b is not None)


ACCURACIES = ("accuracy", "second_accuracy")  # shares of test images: intervals over seeds and sampling
SPREADS = ("mse", "coded_bits")  # other measures: their spread over seeds


def estimate(records: list[dict], key: str) -> Estimate:
    """`key`'s estimate over `records` (the same operating point, one record per seed)."""
    values = [r[key] for r in records]
    if key in ACCURACIES:
        return Estimate.of_accuracy(values, min(r["images"] for r in records))
    return Estimate.of_spread(values)


def summarize(records: list[dict], by: tuple[str, ...]) -> list[dict]:
    """One row per operating point (records equal in every `by` field, one per seed), in
    the order the points first appear: the first record's fields, with each measure of
    ACCURACIES and SPREADS it has replaced by its mean over seeds and given `_min` and
    `_max` (and, for accuracies, the comparison interval `_low` and `_high`), and `seeds`."""
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault(tuple(r[k] for k in by), []).append(r)
    rows = []
    for group in groups.values():
        row = {k: v for k, v in group[0].items() if k != "seed"}
        row["seeds"] = len(group)
        for key in (*ACCURACIES, *SPREADS):
            if key in row and all(r.get(key) is not None for r in group):
                e = estimate(group, key)
                row |= {key: e.mean, f"{key}_min": e.min, f"{key}_max": e.max}
                if key in ACCURACIES:
                    row |= {f"{key}_low": e.low, f"{key}_high": e.high}
        rows.append(row)
    return rows


def row_estimate(row: dict, key: str) -> Estimate:
    """The estimate a `summarize` row holds for `key`, or a single record's (one seed)."""
    if f"{key}_min" not in row:
        return estimate([row], key)
    low, high = row.get(f"{key}_low", row[f"{key}_min"]), row.get(f"{key}_high", row[f"{key}_max"])
    return Estimate(row[key], row[f"{key}_min"], row[f"{key}_max"], low, high, row["seeds"])
