"""The sweep's report (posts 000/001): accuracy and MSE against bits, the reconstruction
grids, and the tables and numbers of reports/sweep.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import torch
from matplotlib.ticker import PercentFormatter

from qae.findings import seeds_phrase, threshold_phrase
from qae.rate import TARGETS
from qae.report.figures import LABELS, colors, image_grid, log2_axis
from qae.report.tables import markdown, num, pct, pct_spread
from qae.studies.sweep import matches_reported, recipe_verdict


def _bits_label(bits: int | str) -> str:
    return "float32" if str(bits) == "fp32" else str(bits)


def sweep_figure(
    records: list[dict[str, Any]],
    x: str,
    y: str,
    bits_order: list[int | str],
    raw_accuracy: float | None = None,
    reference: dict[int | str, float] | None = None,
    reference_label: str = "",
) -> plt.Figure:
    """One line per dims of metric `y` against `x` ("bits", categorical, or "total_bits",
    log2), with the raw images' accuracy and a `reference` (accuracy per bits level at
    64 dims, e.g. a post's) for the accuracy panels."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    dims = sorted({r["dims"] for r in records})
    position = {str(b): i for i, b in enumerate(bits_order)}

    def xs(rows: list[dict[str, Any]]) -> list[float]:
        return [position[str(r["bits"])] if x == "bits" else r["total_bits"] for r in rows]

    for d, color in zip(dims, colors(len(dims)), strict=True):
        rows = sorted((r for r in records if r["dims"] == d), key=lambda r: position[str(r["bits"])])
        ax.plot(xs(rows), [r[y] for r in rows], "o-", color=color, label=f"{d} dims", ms=4)
    if y == "accuracy":
        if raw_accuracy is not None:
            ax.axhline(raw_accuracy, color="0.5", ls="--", lw=1, label="raw test images")
        if reference:
            points = [
                {"bits": b, "total_bits": 64 * (32 if str(b) == "fp32" else int(b))}
                for b in bits_order
                if b in reference
            ]
            ax.plot(xs(points), [reference[p["bits"]] for p in points], "kx", ms=8, mew=2, label=reference_label)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:
        ax.set_yscale("log")
    if x == "bits":
        ax.set_xticks(range(len(bits_order)), [_bits_label(b) for b in bits_order])
    else:
        log2_axis(ax)
    ax.set_xlabel(LABELS[x])
    ax.set_ylabel(LABELS[y])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    ax.set_title(f"{y.upper() if y == 'mse' else y.capitalize()} vs {LABELS[x]}")
    return fig


def figures(
    records: list[dict[str, Any]],
    bits_order: list[int | str],
    raw_accuracy: float,
    reference: dict[int | str, float],
    grid: list[torch.Tensor],
    grid_labels: list[str],
    digits: list[torch.Tensor],
    headline: str,
) -> dict[str, plt.Figure]:
    """Every figure of the sweep: four curves, and the headline model's reconstructions
    of the `grid` digits at each bits level and of one digit of each class."""
    drawn = {
        f"{y}_vs_{x}": sweep_figure(
            records, x, y, bits_order, raw_accuracy if y == "accuracy" else None, reference, "post 000, 64 dims"
        )
        for y in ("accuracy", "mse")
        for x in ("bits", "total_bits")
    }
    drawn["reconstructions"] = image_grid(grid, grid_labels, f"The headline model ({headline})")
    drawn["digits"] = image_grid(digits, ["original", "reconstructed"], f"One of each digit ({headline})")
    return drawn


def fields(
    rows: list[dict[str, Any]],
    faithful: list[dict[str, Any]],
    summary: dict[str, Any],
    seeds: dict[str, list[list[float | None]]],
    reference: dict[int | str, float],
    bits_order: list[int | str],
    raw_accuracy: dict[str, float],
    lossless: dict[str, float],
) -> dict[str, Any]:
    """The tables and findings reports/sweep.md states, from the summary rows (means over
    seeds with their spread) of the sweep's models and of the posts' recipe as written,
    and each target's bits per seed (`seeds[name]`: [corrected, posts])."""
    dims = faithful[0]["dims"]
    at = {str(r["bits"]): r for r in rows if r["dims"] == dims}
    post = {str(r["bits"]): r for r in faithful if r["dims"] == dims}
    order = [str(b) for b in bits_order]
    reported = {b: reference.get(int(b) if b.isdigit() else b) for b in order}
    table = {
        "bits per image, posts' / corrected (coded)": [
            f"{num(post[b]['coded_bits'])} / {num(at[b]['coded_bits'])}" for b in order
        ],
        "post 000 (reported)": [pct(reported[b], 0) for b in order],
        "`recipe: post` (the posts' code as written)": [pct_spread(post[b]) for b in order],
        "`recipe: corrected` (the default)": [pct_spread(at[b]) for b in order],
        "second scorer: post / corrected": [
            f"{pct(post[b].get('second_accuracy'))} / {pct(at[b].get('second_accuracy'))}" for b in order
        ],
        "corrected vs post (both scorers)": [VERDICTS[recipe_verdict(at[b], post[b])] for b in order],
    }
    headline = pd.DataFrame(table, index=[_bits_label(b) for b in order]).T.rename_axis("bits per code element")
    frame = pd.DataFrame(rows)
    frame["cell"] = [pct_spread(r) for r in rows]
    accuracy = frame.pivot(index="dims", columns="bits", values="cell").reindex(columns=bits_order)
    coded = frame.pivot(index="dims", columns="bits", values="coded_bits").reindex(columns=bits_order)
    return {
        "dims": dims,
        "seeds": seeds_phrase(summary["seeds"]),
        "headline_table": markdown(headline.reset_index()),
        "reproduction": reproduction(post, reported, order),
        "thresholds": thresholds(seeds),
        "accuracy_table": markdown(accuracy.reset_index(), {b: str for b in bits_order}),
        "coded_table": markdown(coded.reset_index(), {b: num for b in bits_order}),
        "raw_accuracy": pct(raw_accuracy["accuracy"], 2),
        "raw_second_accuracy": pct(raw_accuracy["second_accuracy"], 2),
        "gzip_ratio": num(lossless["ratio"]),
        "gzip_bits": num(lossless["bits_per_image"], 0),
    }


VERDICTS = {1: "higher", -1: "lower", 0: "within noise"}


def reproduction(post: dict[str, dict[str, Any]], reported: dict[str, float | None], order: list[str]) -> str:
    """Which of the post's reported accuracies the posts' recipe as written reproduces
    (within its interval, widened by the post's rounding to a whole percent), and which not."""
    levels = [b for b in order if reported[b] is not None]
    same = [_bits_label(b) for b in levels if matches_reported(post[b], reported[b])]
    differ = [
        f"{_bits_label(b)} bits ({pct(post[b]['accuracy'])} against the post's {pct(reported[b], 0)})"
        for b in levels
        if not matches_reported(post[b], reported[b])
    ]
    said = f"It reproduces the post's accuracy at {', '.join(same) or 'no'} bits per element"
    return said + (f"; not at {', '.join(differ)}." if differ else ".")


def thresholds(seeds: dict[str, list[list[float | None]]]) -> str:
    """Per target accuracy, the fewest coded bits per image each recipe needs, read on
    the worst seed, as a markdown list."""
    lines = []
    for name, (corrected, posts) in seeds.items():
        target = pct(TARGETS[name], 0)
        lines.append(
            f"- {threshold_phrase(target, corrected, num)} with the corrected recipe (any dims); "
            f"{threshold_phrase(target, posts, num)} with the posts' recipe as written (its dims only)."
        )
    return "\n".join(lines)
