"""Post 003's report: the search, the trade-off, robustness and denoising, in figures
and the tables and numbers of reports/conv.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from qae.findings import ACCURACIES, CONFIDENCE, agree, compare, row_estimate
from qae.report.figures import band, caption, colors, error_bars, log2_axis, log_axis, percent_axis, spread_note
from qae.report.phrases import correlation_phrase
from qae.report.tables import markdown, num, pct, sci


def search_figure(trials: list[dict[str, Any]]) -> plt.Figure:
    """Post 003's figure 1 and its companions: validation loss against the L2 penalty,
    the learning rate and the dropout, one point per successful trial."""
    ok = [t for t in trials if t["status"] == "ok"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    epochs = [t["epochs"] for t in ok]
    panels = [("weight_decay", "L2 penalty", True), ("lr", "learning rate", True), ("dropout", "dropout", False)]
    for ax, (key, label, log) in zip(axes, panels, strict=True):
        points = ax.scatter([t[key] for t in ok], [t["val_loss"] for t in ok], c=epochs, cmap="viridis", s=22)
        if log:
            ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("validation MSE per pixel")
    fig.colorbar(points, ax=axes, label="sampled epochs", fraction=0.02)
    failed = len(trials) - len(ok)
    fig.suptitle(f"Random search: {len(trials)} trials" + (f" ({failed} failed, not shown)" if failed else ""))
    return fig


TRAININGS = {  # denoising starts from plain and often lands on it: a larger hollow marker keeps both in view
    "plain": {"ls": "-", "marker": "o", "ms": 6, "color": "tab:blue", "zorder": 3},
    "denoising": {"ls": "--", "marker": "s", "ms": 10, "mfc": "none", "mew": 1.6, "color": "tab:orange", "zorder": 4},
}


def tradeoff_figure(records: list[dict[str, Any]]) -> plt.Figure:
    """Post 003's figure 2: clean test MSE against the code size, plain and denoising
    (error bars where the records carry `mse_min`/`mse_max`)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    clean = [r for r in records if r["corruption"] == "noise" and r["level"] == 0]
    for training, style in TRAININGS.items():
        rows = sorted((r for r in clean if r["training"] == training), key=lambda r: r["dims"])
        ax.plot([r["dims"] for r in rows], [r["mse"] for r in rows], label=f"{training} autoencoder", **style)
        error_bars(ax, rows, "dims", "mse", style["color"], zorder=2)
    log2_axis(ax, sorted({r["dims"] for r in clean}))
    log_axis(ax)
    ax.set_xlabel("code dimensions")
    ax.set_ylabel("clean test MSE per pixel")
    ax.set_title("Conv autoencoder: compression vs reconstruction")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=10)
    caption(ax, spread_note(clean, ["mse"]))
    return fig


def robustness_figure(records: list[dict[str, Any]], kind: str) -> plt.Figure:
    """Post 003's figures 3 and 4, plain beside denoising: MSE against the clean image
    and classifier accuracy, against the strength of `kind` ("noise" or "occlusion");
    shaded bands where the records carry their spread (`mse_min`/`mse_max`,
    `accuracy_low`/`accuracy_high`)."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True, sharey="row")
    dims = sorted({r["dims"] for r in records})
    palette = colors(len(dims))
    for col, training in enumerate(("plain", "denoising")):
        for d, color in zip(dims, palette, strict=True):
            rows = sorted(
                (r for r in records if r["dims"] == d and r["training"] == training and r["corruption"] == kind),
                key=lambda r: r["level"],
            )
            for row, metric in enumerate(("mse", "accuracy")):
                axes[row][col].plot([r["level"] for r in rows], [r[metric] for r in rows], "o-", color=color, ms=3)
                band(axes[row][col], rows, "level", metric, color)
        axes[0][col].set_title(f"{training} autoencoders")
        axes[1][col].set_xlabel("noise std ([0, 1] pixels)" if kind == "noise" else "occluded square side (pixels)")
        for row in range(2):
            axes[row][col].grid(alpha=0.3)
    axes[0][0].set_ylabel("MSE to the clean image")
    axes[1][0].set_ylabel("classifier accuracy")
    percent_axis(axes[1][0])
    handles = [
        Line2D([], [], color=c, marker="o", label=f"{d} dim{'s' if d != 1 else ''}")
        for d, c in zip(dims, palette, strict=True)
    ]
    levels = sorted({r["level"] for r in records if r["corruption"] == kind})
    axes[1][0].set_xticks(levels, [f"{v:g}" for v in levels])  # the levels scored, short: 0.1, not 0.10
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.87, 0.5), title="code size", fontsize=10)
    fig.suptitle(f"Robustness to {'gaussian noise' if kind == 'noise' else 'occlusion'}")
    fig.subplots_adjust(right=0.86)
    caption(axes[1][0], spread_note(records, ["mse", "accuracy"], drawn="Bands"))
    return fig


def figures(trials: list[dict[str, Any]], records: list[dict[str, Any]]) -> dict[str, plt.Figure]:
    """Every figure of post 003's study."""
    return {
        "search": search_figure(trials),
        "mse_vs_dims": tradeoff_figure(records),
        "robustness_noise": robustness_figure(records, "noise"),
        "robustness_occlusion": robustness_figure(records, "occlusion"),
    }


def fields(
    summary: dict[str, Any],
    best: dict[str, Any],
    post_best: dict[str, Any],
    records: list[dict[str, Any]],
    noise: float,
    patch: int,
) -> dict[str, Any]:
    """The tables and findings reports/conv.md states."""
    search = pd.DataFrame(
        {
            "": ["post 003's best (of about 180)", f"qae's best (of {summary['trials']})"],
            "learning rate": [sci(t["lr"]) for t in (post_best, best)],
            "L2 penalty": [sci(t["weight_decay"]) for t in (post_best, best)],
            "dropout": [num(t["dropout"], 3) for t in (post_best, best)],
            "epochs (drawn; run)": [
                f"{post_best['epochs']}; {post_best['epochs']}",
                f"{best['epochs']}; {best['epochs_run']}",
            ],
        }
    )
    at = {(r["dims"], r["training"], r["corruption"], r["level"]): r for r in records}

    def both(d: int, kind: str, level: float, key: str, fmt: Any) -> str:
        return " / ".join(fmt(at[d, t, kind, level][key]) for t in ("plain", "denoising"))

    def versus(d: int, kind: str, level: float) -> str:
        return VERDICTS[verdict(at[d, "denoising", kind, level], at[d, "plain", kind, level])]

    def mse(v: float) -> str:
        return num(v, 4)

    rows = [
        {
            "dims": d,
            "clean MSE, plain / denoising": both(d, "noise", 0, "mse", mse),
            "clean accuracy, plain / denoising": both(d, "noise", 0, "accuracy", pct),
            "denoising vs plain, clean": versus(d, "noise", 0),
            f"MSE at noise {noise:g}, plain / denoising": both(d, "noise", noise, "mse", mse),
            f"accuracy at noise {noise:g}, plain / denoising": both(d, "noise", noise, "accuracy", pct),
            f"denoising vs plain, noise {noise:g}": versus(d, "noise", noise),
            f"MSE with a {patch}-pixel patch, plain / denoising": both(d, "occlusion", patch, "mse", mse),
        }
        for d in sorted({r["dims"] for r in records})
    ]
    spearman, interval, trials = summary["spearman"], summary["spearman_interval"], summary["trials"]
    names = {"weight_decay": "the L2 penalty", "lr": "the learning rate", "dropout": "dropout", "epochs": "epochs"}
    correlations = [
        f"- {correlation_phrase('the validation loss', names[h], spearman[h], interval[h], trials)}." for h in names
    ]
    return {
        "trials": trials,
        "failed": summary["failed"],
        "best_val_loss": num(summary["best_val_loss"], 4),
        "search_table": markdown(search),
        "correlations": "\n".join(correlations),
        "tradeoff_table": markdown(pd.DataFrame(rows)),
        "noise": f"{noise:g}",
        "patch": patch,
        "confidence": CONFIDENCE,
    }


VERDICTS = {1: "higher", -1: "lower", 0: "within noise"}


def verdict(a: dict[str, Any], b: dict[str, Any]) -> int:
    """Whether record `a` is more accurate than `b` beyond noise by both scorers (one seed:
    each accuracy's 95% interval over the test images)."""
    keys = [k for k in ACCURACIES if k in a and k in b]
    return agree(*(compare(row_estimate(a, k), row_estimate(b, k)) for k in keys))
