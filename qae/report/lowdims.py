"""Post 004's report: the loss curves, one of each digit, and the table of
reports/lowdims.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import torch

from qae.findings import Estimate
from qae.report.figures import image_grid
from qae.report.phrases import describe, seeds_phrase
from qae.report.tables import markdown, num, pct

STARTS = {"default": "as written", "mean": "fixed: starts at the mean image"}  # the table's names, and why


def _row_label(key: str) -> str:
    # The study names a model "d=3, default"; the report calls its start "as written" or "fixed".
    dims, _, start = key.partition(", ")
    return f"{dims.replace('=', ' = ')}, {STARTS[start].split(':')[0]}" if start in STARTS else key


def loss_curves_figure(curves: list[dict[str, Any]], mean_loss: float, post: dict[int, list[float]]) -> plt.Figure:
    """Post 004's losses: one panel per code size, training loss against optimizer steps
    from PyTorch's initialization and from the mean image, the mean-image loss, and the
    post's reported losses (its epochs are 600 steps)."""
    dims = sorted({r["dims"] for r in curves})
    fig, axes = plt.subplots(1, len(dims), figsize=(4.5 * len(dims), 4), sharey=True, squeeze=False)
    for ax, d in zip(axes[0], dims, strict=True):
        for (start, label), style in zip(STARTS.items(), ("o-", "s-"), strict=True):
            rows = [r for r in curves if r["dims"] == d and r["start"] == start]
            ax.plot([r["step"] for r in rows], [r["loss"] for r in rows], style, ms=3, label=label)
        if d in post:
            steps = [600 * (i + 1) for i in range(len(post[d]))]
            ax.plot(steps, post[d], "kx", ms=7, mew=2, label="post 004 (last batch)")
        ax.axhline(mean_loss, color="0.5", ls="--", lw=1, label="drawing the mean image")
        ax.set_title(f"d = {d}")
        ax.set_xlabel("optimizer steps (batches of 100)")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("training MSE per pixel")
    axes[0][0].legend(fontsize=9)
    fig.suptitle("MLP autoencoder 784-100-d-100-784 (post 004)", y=1.02)  # above the panels' titles
    return fig


def figures(curves: list[dict[str, Any]], summary: dict[str, Any], post: dict[int, list[float]],
            digits: torch.Tensor, reconstructions: dict[str, torch.Tensor]) -> dict[str, plt.Figure]:  # fmt: skip
    """The loss curves, and one of each digit with every model's reconstruction."""
    rows = [digits.unsqueeze(1) / 255, *reconstructions.values()]
    return {
        "loss": loss_curves_figure(curves, summary["mean_image_loss"], post),
        "digits": image_grid(
            rows,
            ["original", *map(_row_label, reconstructions)],
            "The first test image of each digit, and each model's reconstruction",
        ),
    }


def fields(seeds: list[dict[str, Any]], post: dict[int, list[float]], starts: list[str]) -> dict[str, Any]:
    """The table and numbers reports/lowdims.md quotes, from each seed's summary (the first
    is `seed`'s): means over seeds, with their range."""
    first = seeds[0]
    dims = sorted(int(k.removeprefix("dims_")) for k in first if k.startswith("dims_"))
    names = {"default": "as written", "mean": "fixed"}
    rows = []
    for d in dims:
        row = {"d": d, "post 004, last batch of its last epoch": num(post[d][-1], 4) if d in post else "-"}
        for start in starts:
            name = names.get(start, start)
            for key, label, fmt in (("train_loss", "train loss", 4), ("test_mse", "test MSE", 4)):
                e = Estimate.of_spread([s[f"dims_{d}"][start][key] for s in seeds])
                row[f"{name}: {label}"] = num(e.mean, fmt) + (
                    f" ({num(e.min, fmt)}-{num(e.max, fmt)})" if e.seeds > 1 else ""
                )
            row[f"{name}: saturated code"] = pct(sum(s[f"dims_{d}"][start]["saturated"] for s in seeds) / len(seeds), 0)
        rows.append(row)
    d = dims[0]
    saturated = {start: Estimate.of_spread([s[f"dims_{d}"][start]["saturated"] for s in seeds]) for start in starts}
    cause = "; ".join(
        f"{names.get(start, start)}, {describe(e, pct)} of the d = {d} code's elements are saturated"
        for start, e in saturated.items()
    )
    return {
        "mean_image_loss": num(first["mean_image_loss"], 4),
        "cause": f"{cause[0].upper()}{cause[1:]}",
        "table": markdown(pd.DataFrame(rows)),
        "seeds": seeds_phrase(len(seeds)),
    }
