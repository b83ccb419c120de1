"""What every report's figures share: saving PNGs, image grids, axes, colours and spread.

The figures themselves live in the report module of their study. Like all of
`qae.report`, this draws what it is given and computes no metric: where a record carries
its spread over seeds (`accuracy_low`/`accuracy_high`, `mse_min`/`mse_max`, ...), the
figures draw it as error bars or bands; where it does not, a point is drawn alone.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import patheffects
from matplotlib.container import ErrorbarContainer
from matplotlib.lines import Line2D
from matplotlib.ticker import Formatter, FuncFormatter, LogFormatterSciNotation, NullLocator
from matplotlib.transforms import blended_transform_factory

from qae.io import atomic_path

LABELS = {
    "accuracy": "classifier accuracy on reconstructions",
    "mse": "MSE per pixel, [0, 1] pixels",
    "bits": "bits per code element",
    "total_bits": "bits per image, nominal (dims x bits)",
    "coded_bits": "coded bits per image (the range coder's payload)",
}
DIGIT_COLORS = plt.cm.tab10(np.arange(10))
# Marks drawn over digit-coloured points (centroids): black with a white rim is a colour
# no digit of tab10 uses and stands out on both light scatter and dark heat maps.
MARK_FACE, MARK_EDGE = "black", "white"
HALO = [patheffects.withStroke(linewidth=3, foreground="white")]  # text readable over any data
DPI = 120


def save(fig: plt.Figure, path: str | os.PathLike) -> None:
    """Write `fig` as a PNG, atomically and reproducibly (no timestamp), and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def colors(n: int, cmap: Any = plt.cm.viridis, stop: float = 0.85) -> np.ndarray:
    """`n` colours evenly spaced along `cmap` from its start to `stop` (viridis' last
    yellows are too pale to read as a line on white)."""
    return cmap([stop * i / max(n - 1, 1) for i in range(n)])


def log2_axis(ax: plt.Axes, values: Sequence[float] | None = None, axis: str = "x") -> None:
    """A log2 axis labelled in plain numbers (512, not 2^9); with `values`, ticks exactly
    at those values (e.g. the dims a study trained) and no others."""
    getattr(ax, f"set_{axis}scale")("log", base=2)
    scale = getattr(ax, f"{axis}axis")
    if values is None:
        scale.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 0.25 too, which ScalarFormatter rounds to 0
        return
    getattr(ax, f"set_{axis}ticks")(list(values), [f"{v:g}" for v in values])
    scale.set_minor_locator(NullLocator())


class _PlainLogFormatter(LogFormatterSciNotation):
    """Labels the ticks matplotlib's log formatter would label, as 0.006 rather than
    6 x 10^-3, which reads faster and is narrower (a wide label ran into the next panel)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{x:g}" if super().__call__(x, pos) else ""


def log_axis(ax: plt.Axes, axis: str = "y") -> None:
    """A log10 axis labelled in plain numbers."""
    getattr(ax, f"set_{axis}scale")("log")
    scale = getattr(ax, f"{axis}axis")
    scale.set_major_formatter(_PlainLogFormatter())
    scale.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(2.5, 0.8)))


class _PercentFormatter(Formatter):
    """Fractions as percentages with as many decimals as the tick spacing needs: "97%"
    for ticks a point apart, "97.5%" for half-point steps (never "97.00%")."""

    ticks: Sequence[float] = ()

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        self.ticks = list(locs)  # our own copy: `locs` is deprecated from matplotlib 3.11

    def __call__(self, x: float, pos: int | None = None) -> str:
        steps = np.diff(np.sort(self.ticks)) if len(self.ticks) > 1 else np.array([1.0])
        step = 100 * float(np.min(steps[steps > 0])) if np.any(steps > 0) else 100.0
        decimals = max(0, min(3, math.ceil(-math.log10(step) - 1e-9)))
        return f"{100 * x:.{decimals}f}%"


def percent_axis(ax: plt.Axes, axis: str = "y") -> None:
    """Label a [0, 1] axis in percent."""
    getattr(ax, f"{axis}axis").set_major_formatter(_PercentFormatter())


def _bounds(key: str) -> tuple[str, str]:
    # Accuracies carry the interval a comparison uses (seeds joined with Wilson's);
    # other measures carry the seeds' min and max.
    return (f"{key}_low", f"{key}_high") if key.endswith("accuracy") else (f"{key}_min", f"{key}_max")


def has_spread(records: Sequence[dict[str, Any]], key: str) -> bool:
    """Whether any record carries both bounds of `key`'s spread."""
    low, high = _bounds(key)
    return any(r.get(low) is not None and r.get(high) is not None for r in records)


def spread(records: Sequence[dict[str, Any]], key: str) -> np.ndarray:
    """The (2, N) distances below and above each record's `key` to the bounds of its
    spread, 0 where a record carries none (matplotlib's `xerr`/`yerr`)."""
    low, high = _bounds(key)
    below = [r[key] - r[low] if r.get(low) is not None else 0.0 for r in records]
    above = [r[high] - r[key] if r.get(high) is not None else 0.0 for r in records]
    return np.clip(np.array([below, above], dtype=float), 0, None)  # a bound past the value is no spread


def error_bars(
    ax: plt.Axes,
    records: Sequence[dict[str, Any]],
    x: str,
    y: str,
    color: Any,
    xs: Sequence[float] | None = None,
    **kwargs: Any,
) -> ErrorbarContainer | None:
    """Error bars at each record's point (x: `xs`, default each record's `x`; y: its `y`)
    from the spread of `y` and of `x` that the records carry; nothing (None) where they
    carry none, so points without spread draw as before. `kwargs` go to `ax.errorbar`."""
    rows = [r for r in records if has_spread([r], y) or has_spread([r], x)]
    if not rows:
        return None
    at = dict(zip(map(id, records), xs if xs is not None else [r[x] for r in records], strict=True))
    style = {"fmt": "none", "ecolor": color, "elinewidth": 1, "capsize": 2.5, "alpha": 0.8} | kwargs
    return ax.errorbar(
        [at[id(r)] for r in rows],
        [r[y] for r in rows],
        yerr=spread(rows, y) if has_spread(rows, y) else None,
        xerr=spread(rows, x) if has_spread(rows, x) else None,
        **style,
    )


def band(ax: plt.Axes, records: Sequence[dict[str, Any]], x: str, y: str, color: Any) -> None:
    """A shaded band of `y`'s spread along a line over many points (records sorted by x);
    nothing where the records carry no spread."""
    if not has_spread(records, y):
        return
    errors = spread(records, y)
    ys = np.array([r[y] for r in records], dtype=float)
    ax.fill_between([r[x] for r in records], ys - errors[0], ys + errors[1], color=color, alpha=0.2, lw=0)


def _seeds(records: Sequence[dict[str, Any]]) -> str:
    seeds = sorted({r["seeds"] for r in records if r.get("seeds")})
    return f"{'/'.join(map(str, seeds))} seeds" if seeds else "the seeds"


def interval_text(records: Sequence[dict[str, Any]]) -> str:
    """What an accuracy's bar is: "95% interval (3 seeds' spread joined with ...)"."""
    return f"95% interval ({_seeds(records)}' spread joined with each seed's Wilson interval)"


SPREAD_NAMES = {"mse": "MSE", "coded_bits": "coded bits", "second_accuracy": "second classifier's accuracy"}


def spread_note(records: Sequence[dict[str, Any]], keys: Sequence[str], drawn: str = "Error bars") -> str:
    """One sentence saying what the bars (or bands: `drawn`) drawn for `keys` are ("" if
    the records carry no spread of any of them)."""
    over = f"min to max over {_seeds(records)}"
    parts = [
        f"{SPREAD_NAMES.get(k, k.replace('_', ' '))}, {interval_text(records) if k.endswith('accuracy') else over}"
        for k in keys
        if has_spread(records, k)
    ]
    return f"{drawn}: {'; '.join(parts)}." if parts else ""


def caption(where: plt.Axes | plt.Figure, text: str, below: float = 42) -> None:
    """A line of small print (nothing if `text` is empty): `below` points under an axes'
    bottom left corner (under its tick labels and axis label), or at a figure's foot."""
    if not text:
        return
    style = {"va": "top", "fontsize": 9, "color": "0.25"}
    if isinstance(where, plt.Figure):
        where.text(0.5, 0, text, ha="center", **style)
    else:
        where.annotate(text, (0, 0), xycoords="axes fraction", xytext=(0, -below), textcoords="offset points",
                       ha="left", **style)  # fmt: skip


TARGET_STYLE = {"color": "0.35", "ls": (0, (5, 3)), "lw": 0.9}  # darker and dashed: not a grid line


def target_lines(ax: plt.Axes, targets: Sequence[float]) -> None:
    """Horizontal lines at the target accuracies, each labelled at the axis' left edge
    ("97% target"), so they do not read as grid lines."""
    edge = blended_transform_factory(ax.transAxes, ax.transData)
    for target in targets:
        ax.axhline(target, **TARGET_STYLE, zorder=0.5)
        ax.text(0.01, target, f"{100 * target:g}% target", transform=edge, ha="left", va="bottom", fontsize=9,
                color="0.25", path_effects=HALO, zorder=5)  # fmt: skip


def digit_legend(ax: plt.Axes, **kwargs: Any) -> None:
    """A legend of the ten digits' colours."""
    handles = [Line2D([], [], ls="", marker="o", color=DIGIT_COLORS[d], label=str(d)) for d in range(10)]
    ax.legend(handles=handles, title="digit", fontsize=9, title_fontsize=10, markerscale=1.2, **kwargs)


def image_grid(rows: Sequence[torch.Tensor], row_labels: Sequence[str], title: str) -> plt.Figure:
    """Rows of (N, 1, 28, 28) images in [0, 1], one labelled row each."""
    n = len(rows[0])
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.8, len(rows) * 0.85), squeeze=False)
    for r, (images, label) in enumerate(zip(rows, row_labels, strict=True)):
        for c in range(n):
            ax = axes[r][c]
            ax.imshow(images[c, 0].detach().cpu().numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title, fontsize=11)
    lines = title.count("\n") + 1  # leave each line of the title its room above the images
    fig.subplots_adjust(wspace=0.05, hspace=0.05, top=1 - (0.25 + 0.2 * lines) / fig.get_figheight())
    return fig


def write_figures(figures: dict[str, plt.Figure], out_dir: str | os.PathLike) -> list[Path]:
    """Save each figure as `<out_dir>/<name>.png`; the paths written."""
    paths = []
    for name, fig in figures.items():
        paths.append(Path(out_dir) / f"{name}.png")
        save(fig, paths[-1])
    return paths
