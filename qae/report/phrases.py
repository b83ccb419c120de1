"""The sentences a finding may state, from `qae.findings`' estimates: "higher than" or "lower
than" only where the intervals do not overlap, "within noise" otherwise, and always the seed
count. The report templates state comparisons only through these functions (a test checks
the templates' own words).

Text only: a change here reruns the reports, never a model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qae.findings import Estimate, compare, row_estimate, worst_seed_bits
from qae.rate import TARGETS
from qae.report.tables import num, pct


def seeds_phrase(n: int) -> str:
    """ "1 seed" / "3 seeds"."""
    return f"{n} seed" + ("" if n == 1 else "s")


def describe(estimate: Estimate, fmt: Callable[[float], str]) -> str:
    """The estimate as text: its mean, and, over several seeds, the range over seeds;
    and the interval a comparison uses where it is wider: "98.2% (3 seeds 98.1%-98.3%;
    interval 97.9%-98.5%)"."""
    spread_only = (estimate.low, estimate.high) == (estimate.min, estimate.max)
    if spread_only:
        if estimate.seeds == 1:
            return f"{fmt(estimate.mean)} (1 seed)"
        return f"{fmt(estimate.mean)} ({seeds_phrase(estimate.seeds)} {fmt(estimate.min)}-{fmt(estimate.max)})"
    if estimate.seeds == 1:
        return f"{fmt(estimate.mean)} (interval {fmt(estimate.low)}-{fmt(estimate.high)}; 1 seed)"
    spread = f"{seeds_phrase(estimate.seeds)} {fmt(estimate.min)}-{fmt(estimate.max)}"
    return f"{fmt(estimate.mean)} ({spread}; interval {fmt(estimate.low)}-{fmt(estimate.high)})"


def comparison(
    a_name: str, a: Estimate, b_name: str, b: Estimate, fmt: Callable[[float], str], measure: str = "accuracy"
) -> str:
    """A sentence comparing `a` and `b` as far as their intervals allow: "A (x) is higher
    than B (y)", "... lower ...", or "A (x) and B (y) are within noise of each other"."""
    sign = compare(a, b)
    left, right = f"{a_name} ({describe(a, fmt)})", f"{b_name} ({describe(b, fmt)})"
    if sign == 0:
        return f"{left} and {right} are within noise of each other in {measure}"
    return f"{left} is {'higher' if sign > 0 else 'lower'} in {measure} than {right}"


def threshold_phrase(target: str, bits_per_seed: list[float | None], fmt: Callable[[float], str]) -> str:
    """ "97% at 38.7 bits per image (the worst of 3 seeds; best 37.9)", or that it is not
    reached by every seed."""
    n = len(bits_per_seed)
    worst = worst_seed_bits(bits_per_seed)
    if worst is None:
        reached = sum(b is not None for b in bits_per_seed)
        return f"{target} is reached by {reached} of {seeds_phrase(n)}"
    if n == 1:
        return f"{target} at {fmt(worst)} bits per image (1 seed)"
    best = min(b for b in bits_per_seed if b is not None)
    if fmt(best) == fmt(worst):
        return f"{target} at {fmt(worst)} bits per image (each of {seeds_phrase(n)})"
    return f"{target} at {fmt(worst)} bits per image (the worst of {seeds_phrase(n)}; the best {fmt(best)})"


def correlation_phrase(measure: str, name: str, rho: float | None, interval: list[float] | None, trials: int) -> str:
    """What a rank correlation over `trials` supports: "`measure` rises with `name`", "falls
    with", or no dependence the trials can tell from noise (the interval holds 0)."""
    if rho is None or interval is None:
        return f"{name} never varied, so nothing can be said of it"
    stats = f"Spearman {rho:.2f}; 95% bootstrap interval {interval[0]:.2f} to {interval[1]:.2f} over {trials} trials"
    if interval[0] > 0:
        return f"{measure} rises with {name} ({stats})"
    if interval[1] < 0:
        return f"{measure} falls with {name} ({stats})"
    return f"no dependence of {measure} on {name} that the trials can tell from noise ({stats})"


def most_accurate_within(records: list[dict[str, Any]], budget_bits: float) -> dict[str, Any] | None:
    """The record most accurate (by the classifier) within `budget_bits` coded bits per
    image, the cheaper of equals; None if none is that cheap."""
    within = [r for r in records if r["coded_bits"] <= budget_bits]
    return max(within, key=lambda r: (r["accuracy"], -r["coded_bits"])) if within else None


def feature_rd_finding(searched: list[dict[str, Any]], plain: list[dict[str, Any]], budget_bits: float) -> str:
    """The feature-searched codes' most accurate test point within `budget_bits`, by both
    scorers with the test set's interval, whether each scorer puts it at 99% or more, and
    its MSE; beside it the plain search's point within the same budget, compared as far as
    the intervals allow, by each scorer (one seed: the rate-distortion model is trained once)."""
    best, rd = most_accurate_within(searched, budget_bits), most_accurate_within(plain, budget_bits)
    if best is None:
        return f"no point within {budget_bits:g} bits per image (1 seed)"
    cnn, mlp = row_estimate(best, "accuracy"), row_estimate(best, "second_accuracy")
    target = TARGETS["bits_at_99"]
    reached = [name for name, e in (("the classifier", cnn), ("the second scorer", mlp)) if e.mean >= target]
    verdict = {
        2: f"both scorers put it at {pct(target, 0)} or more",
        1: f"{' and '.join(reached)} puts it at {pct(target, 0)} or more, the other below",
        0: f"short of {pct(target, 0)} by both scorers",
    }[len(reached)]
    text = (
        f"within {budget_bits:g} bits per image its most accurate point (rate weight {best['rate_weight']:g}) "
        f"sends {num(best['coded_bits'])} bits: the classifier recognizes {describe(cnn, pct)} of what it decodes "
        f"and the second scorer {describe(mlp, pct)}; {verdict}; its MSE is {num(best['mse'], 4)} per pixel"
    )
    if rd is None:
        return text
    plain_cnn, plain_mlp = row_estimate(rd, "accuracy"), row_estimate(rd, "second_accuracy")
    said = {1: "higher than", -1: "lower than", 0: "within noise of"}
    by_cnn, by_mlp = compare(cnn, plain_cnn), compare(mlp, plain_mlp)
    whom = (
        f"By both scorers that is {said[by_cnn]}" if by_cnn == by_mlp else f"By the classifier that is {said[by_cnn]}"
    )
    text += (
        f". {whom} the plain search's best within the same budget, {describe(plain_cnn, pct)} by the classifier "
        f"and {describe(plain_mlp, pct)} by the second scorer at {num(rd['coded_bits'])} bits (MSE {num(rd['mse'], 4)})"
    )
    return text if by_cnn == by_mlp else text + f"; by the second scorer it is {said[by_mlp]} it"
