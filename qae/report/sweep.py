"""The sweep's report (posts 000/001): accuracy and MSE against bits, the reconstruction
grids, and the tables and numbers of reports/sweep.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import torch

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
from qae.report.tables import markdown, num, pct


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
    table: pd.DataFrame,
    faithful: list[dict[str, Any]],
    reference: dict[int | str, float],
    bits_order: list[int | str],
    raw_accuracy: float,
    lossless: dict[str, float],
) -> dict[str, Any]:
    """The tables and numbers reports/sweep.md quotes."""
    dims = faithful[0]["dims"]
    corrected = table[table["dims"] == dims].set_index(table["bits"].astype(str)[table["dims"] == dims])
    post = {str(r["bits"]): r for r in faithful if r["dims"] == dims}
    order = [str(b) for b in bits_order]
    rows = {
        "bits per image": [num(corrected.loc[b, "total_bits"], 0) for b in order],
        "post 000 (reported)": [pct(reference.get(int(b) if b.isdigit() else b), 0) for b in order],
        "`recipe: post` (the posts' code as written)": [pct(post[b]["accuracy"]) for b in order],
        "`recipe: corrected` (the default)": [pct(corrected.loc[b, "accuracy"]) for b in order],
    }
    headline = pd.DataFrame(rows, index=[_bits_label(b) for b in order]).T.rename_axis("bits per code element")
    accuracy = table.pivot(index="dims", columns="bits", values="accuracy").reindex(columns=bits_order)
    coded = table.pivot(index="dims", columns="bits", values="coded_bits").reindex(columns=bits_order)
    return {
        "dims": dims,
        "headline_table": markdown(headline.reset_index()),
        "accuracy_table": markdown(accuracy.reset_index(), {b: pct for b in bits_order}),
        "coded_table": markdown(coded.reset_index(), {b: num for b in bits_order}),
        "raw_accuracy": pct(raw_accuracy, 2),
        "gzip_ratio": num(lossless["ratio"]),
        "gzip_bits": num(lossless["bits_per_image"], 0),
    }
