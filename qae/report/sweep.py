"""The sweep's report (posts 000/001): accuracy and MSE against bits, the reconstruction
grids, and the tables and numbers of reports/sweep.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import torch

from qae.rate import TARGETS
from qae.report.figures import (
    LABELS,
    caption,
    colors,
    error_bars,
    image_grid,
    log2_axis,
    log_axis,
    percent_axis,
    spread_note,
)
from qae.report.phrases import seeds_phrase, threshold_phrase
from qae.report.tables import markdown, num, pct, pct_spread
from qae.studies.sweep import matches_reported, recipe_verdict


def _bits_label(bits: int | str) -> str:
    return "float32" if str(bits) == "fp32" else str(bits)


def _row_label(label: str) -> str:
    # The stage labels rows "fp32 bits" and "1 bits"; a reader reads "float32" and "1 bit".
    return {"fp32 bits": "float32", "1 bits": "1 bit"}.get(label, label)


def _x_value(record: dict[str, Any], x: str) -> float:
    # float32 cells and records from before the coder have no coded_bits: they send their
    # nominal bits, dims x 32 raw, so that is their payload.
    return record.get(x, record["total_bits"]) if x == "coded_bits" else record[x]


def sweep_figure(
    records: list[dict[str, Any]],
    x: str,
    y: str,
    bits_order: list[int | str],
    raw_accuracy: float | None = None,
    reference: dict[int | str, float] | None = None,
    reference_label: str = "",
) -> plt.Figure:
    """One line per dims of metric `y` against `x`: "bits" (per code element,
    categorical), "coded_bits" (the range coder's real payload per image, log2) or
    "total_bits" (nominal dims x bits, log2); with the raw images' accuracy and a
    `reference` (accuracy per bits level at 64 dims, e.g. a post's, drawn at its nominal
    bits) for the accuracy panels. Where records carry `accuracy_low`/`accuracy_high`,
    `mse_min`/`mse_max` or `coded_bits_min`/`coded_bits_max`, points get error bars."""
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    dims = sorted({r["dims"] for r in records})
    position = {str(b): i for i, b in enumerate(bits_order)}

    def xs(rows: list[dict[str, Any]]) -> list[float]:
        return [position[str(r["bits"])] if x == "bits" else _x_value(r, x) for r in rows]

    for d, color in zip(dims, colors(len(dims)), strict=True):
        rows = sorted((r for r in records if r["dims"] == d), key=lambda r: position[str(r["bits"])])
        ax.plot(xs(rows), [r[y] for r in rows], "o-", color=color, label=f"{d} dims", ms=4.5, zorder=3)
        error_bars(ax, rows, x, y, color, xs=xs(rows), zorder=2)
    if y == "accuracy":
        if raw_accuracy is not None:
            ax.axhline(raw_accuracy, color="0.4", ls="--", lw=1, label=f"raw test images ({pct(raw_accuracy)})")
        if reference:
            points = [
                {"bits": b, "total_bits": 64 * (32 if str(b) == "fp32" else int(b))}
                for b in bits_order
                if b in reference
            ]
            ax.plot(xs(points), [reference[p["bits"]] for p in points], "kx", ms=8, mew=2, label=reference_label)
        percent_axis(ax)
    else:
        log_axis(ax)
    if x == "bits":
        ax.set_xticks(range(len(bits_order)), [_bits_label(b) for b in bits_order])
    else:
        log2_axis(ax)
    ax.set_xlabel(LABELS[x])
    ax.set_ylabel(LABELS[y])
    ax.grid(alpha=0.3)
    # Beside the axes, not on them: inside, it hid the 4-dims line's points.
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.set_title(f"{'MSE' if y == 'mse' else 'Accuracy'} vs {LABELS[x]}")
    caption(ax, spread_note(records, [y, x] if x != "bits" else [y]))
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
    model: str | None = None,
    digits_bits: int | str | None = None,
) -> dict[str, plt.Figure]:
    """Every figure of the sweep: four curves (the `*_vs_total_bits` ones against the
    coded bits per image, as the tables count them), the headline model's
    reconstructions of the first `grid` test digits at each bits level, and of the first
    test image of each digit. `model` says what the headline model is ("64 dims") and
    `digits_bits` the bits per element of the one-of-each-digit figure; without them,
    `headline` (the stage's description) goes in that figure's title."""
    drawn = {
        f"{y}_vs_{name}": sweep_figure(
            records, x, y, bits_order, raw_accuracy if y == "accuracy" else None, reference, "post 000, 64 dims"
        )
        for y in ("accuracy", "mse")
        for name, x in (("bits", "bits"), ("total_bits", "coded_bits"))
    }
    n = len(grid[0])
    described = f"the headline model ({model})" if model else "the headline model"
    drawn["reconstructions"] = image_grid(
        grid,
        [_row_label(label) for label in grid_labels],
        f"The first {n} test images (top row), decoded by {described}\nat each number of bits per code element (rows)",
    )
    which = f"{model}, {_bits_label(digits_bits)} bits per element" if model and digits_bits is not None else headline
    drawn["digits"] = image_grid(
        digits,
        ["original", "reconstructed"],
        f"The first test image of each digit, 0 to 9, and its reconstruction\n({which})",
    )
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
