"""The pipeline's figures (matplotlib, PNG). Reads records and models; computes nothing
that a metric depends on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import torch

from qae.io import atomic_path
from qae.models import Autoencoder
from qae.params import UNQUANTIZED
from qae.rate import TARGETS, methods, pareto_front
from qae.results import POST_000_ACCURACY_AT_64

LABELS = {
    "accuracy": "classifier accuracy on reconstructions",
    "mse": "MSE per pixel, [0, 1] pixels",
    "bits": "bits per code element",
    "total_bits": "bits per image (dims x bits)",
}


def _save(fig: plt.Figure, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def _bits_label(bits: int | str) -> str:
    return "float32" if bits == UNQUANTIZED else str(bits)


def sweep_figure(
    records: list[dict[str, Any]], x: str, y: str, bits_order: list[int | str], raw_accuracy: float | None = None
) -> plt.Figure:
    """One line per dims of metric `y` against `x` ("bits", categorical, or "total_bits", log2)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    dims = sorted({r["dims"] for r in records})
    colors = plt.cm.viridis([i / max(len(dims) - 1, 1) for i in range(len(dims))])
    position = {b: i for i, b in enumerate(bits_order)}

    def xs(rows: list[dict[str, Any]]) -> list[float]:
        return [position[r["bits"]] if x == "bits" else r["total_bits"] for r in rows]

    for d, color in zip(dims, colors, strict=True):
        rows = sorted((r for r in records if r["dims"] == d), key=lambda r: position[r["bits"]])
        ax.plot(xs(rows), [r[y] for r in rows], "o-", color=color, label=f"{d} dims", ms=4)
    if y == "accuracy":
        if raw_accuracy is not None:
            ax.axhline(raw_accuracy, color="0.5", ls="--", lw=1, label="raw test images")
        post = [{"bits": b, "total_bits": 64 * (32 if b == UNQUANTIZED else b)} for b in bits_order]
        post = [r for r in post if r["bits"] in POST_000_ACCURACY_AT_64]
        ax.plot(
            xs(post), [POST_000_ACCURACY_AT_64[r["bits"]] for r in post], "kx", ms=8, mew=2, label="post 000, 64 dims"
        )
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    else:
        ax.set_yscale("log")
    if x == "bits":
        ax.set_xticks(range(len(bits_order)), [_bits_label(b) for b in bits_order])
    else:
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())  # 512, not 2^9
    ax.set_xlabel(LABELS[x])
    ax.set_ylabel(LABELS[y])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    ax.set_title(f"{y.upper() if y == 'mse' else y.capitalize()} vs {LABELS[x]}")
    return fig


def _image_grid(rows: list[torch.Tensor], row_labels: list[str], title: str) -> plt.Figure:
    """Rows of (N, 1, 28, 28) images in [0, 1], one labelled row each."""
    n = len(rows[0])
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.8, len(rows) * 0.85), squeeze=False)
    for r, (images, label) in enumerate(zip(rows, row_labels, strict=True)):
        for c in range(n):
            ax = axes[r][c]
            ax.imshow(images[c, 0].cpu(), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(wspace=0.05, hspace=0.05, top=1 - 0.4 / fig.get_figheight())
    return fig


def reconstruction_grid(model: Autoencoder, images: torch.Tensor, bits_levels: list[int | str]) -> plt.Figure:
    """Post 000's grid: the same digits, originals first, then one row per bits level."""
    x = images.float().div(255).unsqueeze(1)
    rows, labels = [x], ["original"]
    for b in bits_levels:
        rows.append(model.reconstruct(x, None if b == UNQUANTIZED else b))
        total = model.config.dims * (32 if b == UNQUANTIZED else b)
        labels.append(f"{_bits_label(b)} bits\n{total} bits/image")
    return _image_grid(rows, labels, f"{model.config.dims}-dim autoencoder ({model.config.recipe} recipe)")


def digits_figure(model: Autoencoder, images: torch.Tensor, labels: torch.Tensor, bits: int | str) -> plt.Figure:
    """Post 004's figure: one example of each digit and its reconstruction."""
    first = torch.stack([images[(labels == d).nonzero()[0, 0]] for d in range(10)])
    x = first.float().div(255).unsqueeze(1)
    x_hat = model.reconstruct(x, None if bits == UNQUANTIZED else bits)
    return _image_grid(
        [x, x_hat], ["original", f"{_bits_label(bits)} bits"], f"One of each digit, {model.config.dims} dims"
    )


def write_plots(
    records: list[dict[str, Any]],
    bits_order: list[int | str],
    raw_accuracy: float,
    model: Autoencoder,
    test: dict[str, torch.Tensor],
    headline_bits: int | str,
    digits_per_row: int,
    out_dir: str | os.PathLike,
) -> None:
    """Every PNG of the plot stage into `out_dir`."""
    out = Path(out_dir)
    for y in ("accuracy", "mse"):
        for x in ("bits", "total_bits"):
            fig = sweep_figure(records, x, y, bits_order, raw_accuracy if y == "accuracy" else None)
            _save(fig, out / f"{y}_vs_{x}.png")
    _save(reconstruction_grid(model, test["images"][:digits_per_row], bits_order), out / "reconstructions.png")
    _save(digits_figure(model, test["images"], test["labels"], headline_bits), out / "digits.png")


def search_figure(trials: list[dict[str, Any]]) -> plt.Figure:
    """Post 003's figure 1 and its companions: validation loss against the L2 penalty,
    the learning rate and the dropout, one point per successful trial."""
    ok = [t for t in trials if t["status"] == "ok"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    epochs = [t["epochs"] for t in ok]
    for ax, (key, label, log) in zip(
        axes,
        [("weight_decay", "L2 penalty", True), ("lr", "learning rate", True), ("dropout", "dropout", False)],
        strict=True,
    ):
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


def tradeoff_figure(records: list[dict[str, Any]]) -> plt.Figure:
    """Post 003's figure 2: clean test MSE against the code size, plain and denoising."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for training, style in (("plain", "o-"), ("denoising", "s--")):
        rows = sorted(
            (r for r in records if r["training"] == training and r["corruption"] == "noise" and r["level"] == 0),
            key=lambda r: r["dims"],
        )
        ax.plot([r["dims"] for r in rows], [r["mse"] for r in rows], style, label=training)
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.set_yscale("log")
    ax.set_xlabel("code dimensions")
    ax.set_ylabel("test MSE per pixel")
    ax.set_title("Conv autoencoder: compression vs reconstruction")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def robustness_figure(records: list[dict[str, Any]], kind: str) -> plt.Figure:
    """Post 003's figures 3 and 4, plain beside denoising: MSE against the clean image
    and classifier accuracy, against the strength of `kind` ("noise" or "occlusion")."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True, sharey="row")
    dims = sorted({r["dims"] for r in records})
    colors = plt.cm.viridis([i / max(len(dims) - 1, 1) for i in range(len(dims))])
    for col, training in enumerate(("plain", "denoising")):
        for d, color in zip(dims, colors, strict=True):
            rows = sorted(
                (r for r in records if r["dims"] == d and r["training"] == training and r["corruption"] == kind),
                key=lambda r: r["level"],
            )
            for row, metric in enumerate(("mse", "accuracy")):
                axes[row][col].plot([r["level"] for r in rows], [r[metric] for r in rows], "o-", color=color, ms=3)
        axes[0][col].set_title(f"{training} autoencoders")
        axes[1][col].set_xlabel("noise std ([0, 1] pixels)" if kind == "noise" else "occluded square side (pixels)")
        for row in range(2):
            axes[row][col].grid(alpha=0.3)
    axes[0][0].set_ylabel("MSE to the clean image")
    axes[1][0].set_ylabel("classifier accuracy")
    axes[1][0].yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    handles = [
        matplotlib.lines.Line2D([], [], color=c, marker="o", label=f"{d} dims")
        for d, c in zip(dims, colors, strict=True)
    ]
    fig.legend(handles=handles, loc="center right")
    fig.suptitle(f"Robustness to {'gaussian noise' if kind == 'noise' else 'occlusion'}")
    fig.subplots_adjust(right=0.86)
    return fig


def write_conv_plots(trials: list[dict[str, Any]], records: list[dict[str, Any]], out_dir: str | os.PathLike) -> None:
    """Every PNG of post 003's study into `out_dir`."""
    out = Path(out_dir)
    _save(search_figure(trials), out / "search.png")
    _save(tradeoff_figure(records), out / "mse_vs_dims.png")
    for kind in ("noise", "occlusion"):
        _save(robustness_figure(records, kind), out / f"robustness_{kind}.png")


def qat_figure(records: list[dict[str, Any]]) -> plt.Figure:
    """Accuracy and MSE against bits per image: quantized after training (dashed) and
    quantization-aware (solid), one color per bits per code element."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    bits = sorted({r["bits"] for r in records})
    colors = plt.cm.plasma([i / max(len(bits), 1) for i in range(len(bits))])
    for b, color in zip(bits, colors, strict=True):
        for training, style in (("post-training", "o--"), ("aware", "o-")):
            rows = sorted((r for r in records if r["bits"] == b and r["training"] == training), key=lambda r: r["dims"])
            for ax, metric in zip(axes, ("accuracy", "mse"), strict=True):
                xs, ys = [r["total_bits"] for r in rows], [r[metric] for r in rows]
                ax.plot(xs, ys, style, color=color, ms=4, label=f"{b} bits, {training}")
    for ax, metric in zip(axes, ("accuracy", "mse"), strict=True):
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_xlabel(LABELS["total_bits"])
        ax.set_ylabel(LABELS[metric])
        ax.grid(alpha=0.3)
    axes[0].yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes[1].set_yscale("log")
    axes[0].legend(fontsize=8)
    fig.suptitle("Quantization-aware training (solid) vs quantizing after training (dashed); points: dims")
    return fig


def write_qat_plots(records: list[dict[str, Any]], out_dir: str | os.PathLike) -> None:
    """The quantization-aware training comparison as a PNG in `out_dir`."""
    _save(qat_figure(records), Path(out_dir) / "qat_vs_post_training.png")


VARIANTS = ("_payload", "_rounded")  # another measure of the same method: its color, dashed


def _base_method(method: str) -> str:
    return next((method.removesuffix(v) for v in VARIANTS if method.endswith(v)), method)


def rate_accuracy_figure(records: list[dict[str, Any]], raw_accuracy: float) -> plt.Figure:
    """Accuracy against bits per image (log scale) for every method: all its points, and
    its Pareto front as a line; whole range on the left, the top on the right."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
    names = methods(records)
    bases = list(dict.fromkeys(_base_method(m) for m in names))
    colors = dict(zip(bases, plt.cm.tab10(range(len(bases))), strict=True))
    for ax in axes:
        for m in names:
            rows = [r for r in records if r["method"] == m]
            color, dashed = colors[_base_method(m)], m != _base_method(m)
            ax.plot([r["bits_per_image"] for r in rows], [r["accuracy"] for r in rows], ".", color=color, alpha=0.35)
            front = pareto_front(rows)
            ax.plot(
                [r["bits_per_image"] for r in front],
                [r["accuracy"] for r in front],
                "o--" if dashed else "o-",
                color=color,
                ms=4,
                mfc="white" if dashed else color,
                label=m.replace("_", " "),
            )
        ax.axhline(raw_accuracy, color="0.4", ls=":", lw=1, label="raw test images")
        for target in TARGETS.values():
            ax.axhline(target, color="0.75", lw=0.8, zorder=0)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("bits per image")
        ax.grid(alpha=0.3, which="both")
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes[0].set_ylabel("classifier accuracy on the decoded images")
    axes[0].set_title("Every method, Pareto front as a line")
    axes[1].set_ylim(0.95, 1.0)
    axes[1].set_title("Above 95%: the 97% and 98% lines")
    axes[1].legend(loc="lower right", fontsize=8)
    return fig


def write_rate_accuracy_plot(records: list[dict[str, Any]], raw_accuracy: float, path: str | os.PathLike) -> None:
    """The rate-accuracy figure as a PNG."""
    _save(rate_accuracy_figure(records, raw_accuracy), path)
