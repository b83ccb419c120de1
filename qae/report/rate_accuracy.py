"""The rate-accuracy report: every method on one axis, and the table of bits per image
at each target accuracy in reports/rate_accuracy.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from qae.rate import TARGETS
from qae.report.tables import markdown, num, pct

VARIANTS = ("_payload", "_rounded")  # another measure of the same method: its color, dashed


def _base_method(method: str) -> str:
    return next((method.removesuffix(v) for v in VARIANTS if method.endswith(v)), method)


def rate_accuracy_figure(
    records: list[dict[str, Any]],
    fronts: dict[str, list[dict[str, Any]]],
    overall: list[dict[str, Any]],
    raw_accuracy: float,
    targets: list[float],
) -> plt.Figure:
    """Accuracy against bits per image (log scale) for every method: all its points, and
    its Pareto front (`fronts`) as a line; `overall`, the front of all codecs together, as
    a black staircase (the best accuracy any codec reaches within each budget). Whole
    range on the left, the top on the right; the legend beside them."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.2))
    bases = list(dict.fromkeys(_base_method(m) for m in fronts))
    colors = dict(zip(bases, plt.cm.tab20(np.linspace(0, 1, max(len(bases), 2))), strict=False))
    for ax in axes:
        for m, front in fronts.items():
            rows = [r for r in records if r["method"] == m]
            color, dashed = colors[_base_method(m)], m != _base_method(m)
            ax.plot([r["coded_bits"] for r in rows], [r["accuracy"] for r in rows], ".", color=color, alpha=0.35)
            ax.plot(
                [r["coded_bits"] for r in front],
                [r["accuracy"] for r in front],
                "o--" if dashed else "o-",
                color=color,
                ms=4,
                mfc="white" if dashed else color,
                label=m.replace("_", " "),
            )
        bits, accuracy = [r["coded_bits"] for r in overall], [r["accuracy"] for r in overall]
        best = "best codec within the bits (Pareto front)"
        ax.step(bits, accuracy, where="post", color="black", lw=2.2, alpha=0.55, zorder=0, label=best)
        ax.axhline(raw_accuracy, color="0.4", ls=":", lw=1, label="raw test images")
        for target in targets:
            ax.axhline(target, color="0.75", lw=0.8, zorder=0)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("bits per image")
        ax.grid(alpha=0.3, which="both")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes[0].set_ylabel("classifier accuracy on the decoded images")
    axes[0].set_title("Every method, Pareto front as a line")
    axes[1].set_ylim(0.95, 1.0)
    axes[1].set_title("Above 95%: the target lines")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.tight_layout()
    return fig


BUDGETS = (4, 8, 12, 16, 20, 32, 48)  # bits per image: the low-rate range where codebooks and models meet


def both(accuracy: float | None, second: float | None) -> str:
    """An accuracy by both scorers: "98.2% / 97.9%" (the classifier's, the second's)."""
    return pct(accuracy) if second is None else f"{pct(accuracy)} / {pct(second)}"


def budget_table(
    records: list[dict[str, Any]], names: dict[str, str], budgets: tuple[int, ...] = BUDGETS
) -> pd.DataFrame:
    """Per method, its most accurate setting within each budget of bits per image, by
    both scorers (`-`: nothing that cheap); methods that fit none of the budgets are left out."""
    rows = []
    for method in dict.fromkeys(r["method"] for r in records):
        own = [r for r in records if r["method"] == method]
        cells = {}
        for b in budgets:
            within = [r for r in own if r["coded_bits"] <= b]
            best = max(within, key=lambda r: r["accuracy"]) if within else None
            cells[f"<= {b} bits"] = "-" if best is None else both(best["accuracy"], best.get("second_accuracy"))
        if any(v != "-" for v in cells.values()):
            rows.append({"method": names.get(method, method), **cells})
    return pd.DataFrame(rows)


FLOORS = ("label",)  # reference points that read the label, not codecs: never a budget's winner


def budget_winners(records: list[dict[str, Any]], names: dict[str, str], budgets: tuple[int, ...] = BUDGETS) -> str:
    """A markdown list: for each budget of bits per image, the most accurate codec within it
    by the classifier, with the second scorer's accuracy there, and the runners-up within
    noise of it (their accuracy intervals overlap)."""
    lines = []
    for b in budgets:
        within = [r for r in records if r["coded_bits"] <= b and r["method"] not in FLOORS]
        if within:
            best = max(within, key=lambda r: (r["accuracy"], -r["coded_bits"]))
            method, at = names.get(best["method"], best["method"]), num(best["coded_bits"])
            tied = {
                names.get(r["method"], r["method"])
                for r in within
                if r["method"] != best["method"] and "accuracy_low" in r and "accuracy_low" in best
                and r["accuracy_high"] >= best["accuracy_low"]
            }  # fmt: skip
            line = f"- <= {b} bits: {method} ({best['setting']}), {both(best['accuracy'], best.get('second_accuracy'))}"
            line += f" at {at}" + (f"; within noise of it: {', '.join(sorted(tied))}" if tied else "")
            lines.append(line)
    return "\n".join(lines)


def fields(
    targets: pd.DataFrame,
    records: list[dict[str, Any]],
    raw_accuracy: dict[str, float],
    names: dict[str, str],
    semantic: list[dict[str, Any]],
) -> dict[str, Any]:
    """The tables reports/rate_accuracy.md prints: per method (described by `names`), the
    fewest bits per image for each target accuracy (by the classifier) and both scorers'
    accuracy there; the best accuracy within each budget of bits; the class-first codes."""
    rows = []
    for r in targets.itertuples(index=False):
        row = {"method": names.get(r.method, r.method)}
        for name in TARGETS:
            bits, setting = getattr(r, name), getattr(r, f"{name}_setting")
            accuracy, second = getattr(r, f"{name}_accuracy"), getattr(r, f"{name}_second_accuracy")
            row[f"bits for {name[-2:]}%"] = num(bits)
            row[f"there ({name[-2:]}%): setting, accuracy by both scorers"] = (
                "-" if pd.isna(bits) else f"{setting}: {both(accuracy, None if pd.isna(second) else second)}"
            )
        rows.append(row)
    class_first = pd.DataFrame(
        {
            "refinement bits": [r["refine_bits"] for r in semantic],
            "coded bits per image": [num(r["coded_bits"]) for r in semantic],
            "of which the cluster": [num(r["cluster_bits"]) for r in semantic],
            "accuracy, classifier / second scorer": [both(r["accuracy"], r.get("second_accuracy")) for r in semantic],
            "MSE per pixel": [num(r["mse"], 4) for r in semantic],
            "the cluster names the digit": [pct(r["cluster_accuracy"]) for r in semantic],
        }
    )
    return {
        "table": markdown(pd.DataFrame(rows)),
        "budget_table": markdown(budget_table(records, names)),
        "winners": budget_winners(records, names),
        "raw_accuracy": pct(raw_accuracy["accuracy"], 2),
        "raw_second_accuracy": pct(raw_accuracy["second_accuracy"], 2),
        "class_first_table": markdown(class_first),
    }
