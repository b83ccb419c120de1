"""The rate-accuracy report: every method on one axis, and the table of bits per image
at each target accuracy in reports/rate_accuracy.md."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from qae.rate import TARGETS
from qae.report.figures import (
    LABELS,
    TARGET_STYLE,
    error_bars,
    has_spread,
    interval_text,
    log2_axis,
    percent_axis,
    target_lines,
)
from qae.report.phrases import feature_rd_finding
from qae.report.tables import markdown, num, pct

VARIANTS = ("_payload", "_rounded")  # another measure of the same method: its marker, hollow, dashed
# One colour per family of methods, a marker per member: a reader finds a family at a
# glance, then the member. No family is black or grey: those are the references'.
FAMILIES = {
    "linear autoencoders": (("autoencoder", "autoencoder_qat", "autoencoder_posts"), "tab:blue"),
    "deep compressors": (("compressor", "compressor_rd", "compressor_rd_rounded"), "tab:red"),
    "vector-quantized": (("vqvae", "rvq", "fsq"), "tab:purple"),
    "semantic codec": (("semantic",), "tab:orange"),
    "codes searched for the class": (("feature_rd",), "tab:olive"),
    "classic image codecs": (("jpeg", "jpeg_payload", "webp", "webp_payload", "png", "gzip"), "tab:brown"),
    "pixel codebooks": (("kmeans", "nearest_neighbour"), "tab:green"),
    "PCA": (("pca",), "tab:cyan"),
}
OTHER = ("other", "tab:pink")  # a method no family lists yet still gets drawn
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")
FLOOR_STYLE = {"marker": "*", "color": "black", "ms": 14, "ls": ""}


def _base_method(method: str) -> str:
    return next((method.removesuffix(v) for v in VARIANTS if method.endswith(v)), method)


def method_styles(methods: list[str]) -> dict[str, dict[str, Any]]:
    """Per method: its family, colour (the family's), marker (one per member; a variant
    such as `jpeg_payload` takes its base's marker, hollow, on a dashed line), in the
    order of FAMILIES, then methods no family lists; the floors (`label`) are left out."""
    styles: dict[str, dict[str, Any]] = {}
    for family, (members, color) in [*FAMILIES.items(), (OTHER[0], ((), OTHER[1]))]:
        listed = [m for m in members if m in methods] if members else [m for m in methods if m not in styles]
        bases = list(dict.fromkeys(_base_method(m) for m in listed))
        for m in listed:
            if m in FLOORS or m in styles:
                continue
            variant = m != _base_method(m) and _base_method(m) in bases
            styles[m] = {
                "family": family,
                "color": color,
                "marker": MARKERS[bases.index(_base_method(m)) % len(MARKERS)],
                "ls": "--" if variant else "-",
                "mfc": "white" if variant else color,
            }
    return styles


def _header(text: str) -> Line2D:
    return Line2D([], [], ls="", marker="", label=text)  # no handle: a legend entry drawn as a heading


def _draw_method(ax: plt.Axes, rows: list[dict[str, Any]], front: list[dict[str, Any]], style: dict[str, Any],
                 spread: bool, second: bool) -> None:  # fmt: skip
    """One method on `ax`: its front as a line with error bars (if `spread`) and its
    second classifier's accuracy dotted (if `second`); its other settings faint."""
    on_front = {id(r) for r in front}
    rest = [r for r in rows if id(r) not in on_front]
    ax.plot([r["coded_bits"] for r in rest], [r["accuracy"] for r in rest], ls="", ms=4, alpha=0.3, mew=0,
            marker=style["marker"], color=style["color"])  # fmt: skip
    ax.plot([r["coded_bits"] for r in front], [r["accuracy"] for r in front], **_front_style(style), zorder=3)
    if spread:
        error_bars(ax, front, "coded_bits", "accuracy", style["color"], zorder=2, elinewidth=0.9, alpha=0.6)
    scored = [r for r in front if r.get("second_accuracy") is not None]
    if second and scored:  # no bars: the second scorer checks the ranking, not the decimals
        ax.plot([r["coded_bits"] for r in scored], [r["second_accuracy"] for r in scored], color=style["color"],
                ls=":", lw=1.3, marker=style["marker"], ms=3.5, mfc="white", alpha=0.8)  # fmt: skip


def _front_style(style: dict[str, Any]) -> dict[str, Any]:
    return {"color": style["color"], "ls": style["ls"], "marker": style["marker"], "mfc": style["mfc"],
            "ms": 6, "mew": 1.3, "lw": 1.6}  # fmt: skip


def _legend_handles(records: list[dict[str, Any]], styles: dict[str, dict[str, Any]], names: dict[str, str],
                    raw_accuracy: float, second: bool) -> list[Line2D]:  # fmt: skip
    """The legend's entries: each family's heading and members by their table names,
    then the references and what each kind of mark means."""
    handles = []
    for family in dict.fromkeys(s["family"] for s in styles.values()):
        handles.append(_header(family))
        members = [m for m, s in styles.items() if s["family"] == family]
        handles += [Line2D([], [], **_front_style(styles[m]), label=names.get(m, m)) for m in members]
    floors = dict.fromkeys(r["method"] for r in records if r["method"] in FLOORS)
    handles.append(_header("references and marks"))
    handles += [Line2D([], [], **FLOOR_STYLE, label=names.get(m, m)) for m in floors]
    handles += [
        Line2D([], [], **OVERALL_STYLE, label="Pareto front of all codecs: the best within the bits"),
        Line2D([], [], **RAW_STYLE, label=f"the classifier on the raw test images ({pct(raw_accuracy)})"),
        Line2D([], [], **TARGET_STYLE, label="target accuracies"),
        Line2D([], [], color="0.4", ls="", marker="o", ms=4, alpha=0.4, mew=0,
               label="faint: a method's settings off its own front"),
    ]  # fmt: skip
    if has_spread(records, "accuracy"):
        note = interval_text(records).replace(" (", "\n(", 1)  # two lines: the legend stays narrow
        handles.append(Line2D([], [], color="0.3", ls="", marker="|", ms=12, mew=1, label=f"bars: accuracy's {note}"))
    if second:
        label = "dotted, lower panel: the same points scored\nby the second classifier (MLP)"
        handles.append(Line2D([], [], color="0.3", ls=":", marker="o", ms=3.5, mfc="white", label=label))
    return handles


OVERALL_STYLE = {"color": "black", "lw": 2.2, "alpha": 0.75}
RAW_STYLE = {"color": "black", "ls": ":", "lw": 1.2}
ZOOM_LOW = 0.95  # the lower panel's floor: the range of the targets


def rate_accuracy_figure(
    records: list[dict[str, Any]],
    fronts: dict[str, list[dict[str, Any]]],
    overall: list[dict[str, Any]],
    raw_accuracy: float,
    targets: list[float],
    names: dict[str, str] | None = None,
) -> plt.Figure:
    """Accuracy against coded bits per image (log scale) for every method: its Pareto
    front (`fronts`) as a line, its other settings as faint marks; `overall`, the front of
    all codecs together, as a black staircase (the best accuracy any codec reaches within
    each budget). The whole range on top, the targets' range below; the legend names each
    method as the tables do (`names`, e.g. METHOD_NAMES; the method key where it has none),
    grouped by family. Where records carry `accuracy_low`/`accuracy_high` (and
    `coded_bits_min`/`coded_bits_max`), the lower panel gives the fronts' points error
    bars; where they carry `second_accuracy`, it adds the second classifier's, dotted."""
    names = names or {}
    styles = method_styles(list(fronts))
    second = any(r.get("second_accuracy") is not None for r in records)
    fig, (top, zoom) = plt.subplots(2, 1, figsize=(12.5, 9.5), sharex=True, height_ratios=(1, 1.25))
    for ax in (top, zoom):
        for m, style in styles.items():
            rows = [r for r in records if r["method"] == m]
            # The top panel's bars would be too short to read; the second scorer would crowd it.
            _draw_method(ax, rows, fronts[m], style, spread=ax is zoom, second=ax is zoom and second)
        for floor in (r for r in records if r["method"] in FLOORS):
            ax.plot(floor["coded_bits"], floor["accuracy"], **FLOOR_STYLE, mec="white", zorder=4)
        bits, accuracy = [r["coded_bits"] for r in overall], [r["accuracy"] for r in overall]
        ax.step(bits, accuracy, where="post", **OVERALL_STYLE, zorder=1)
        ax.axhline(raw_accuracy, **RAW_STYLE, zorder=1)
        ax.grid(alpha=0.3)
        percent_axis(ax)
        ax.set_ylabel("classifier accuracy on the decoded images", fontsize=11)
    top.axhspan(ZOOM_LOW, 1.0, color="0.9", zorder=0)
    target_lines(zoom, targets)
    best = max([raw_accuracy, *targets, *(r["accuracy"] for r in records)])
    zoom.set_ylim(ZOOM_LOW, min(1.0, best + 0.004))
    log2_axis(zoom)
    zoom.set_xlabel(LABELS["coded_bits"], fontsize=11)
    top.set_title("Every method, its Pareto front as a line", fontsize=12)
    zoom.set_title(f"Above {100 * ZOOM_LOW:g}% (the grey band above): the fewest bits for each target", fontsize=12)
    handles = _legend_handles(records, styles, names, raw_accuracy, second)
    legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.7, 0.93), fontsize=9.5, frameon=False,
                        handlelength=2.6, labelspacing=0.45)  # fmt: skip
    for text, handle in zip(legend.get_texts(), handles, strict=True):
        if handle.get_marker() == "" and handle.get_linestyle() == "None":
            text.set_fontweight("bold")
    fig.subplots_adjust(left=0.07, right=0.68, hspace=0.18)
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


def feature_rd_table(validation: list[dict[str, Any]]) -> pd.DataFrame:
    """The feature weights tried on validation images: per weight (a row), each rate
    level's coded bits and accuracy by the classifier (a column per rate weight)."""
    rows: dict[float, dict[str, str]] = {}
    for r in validation:
        row = rows.setdefault(r["feature_weight"], {"feature weight": f"{r['feature_weight']:g}"})
        row[f"rate weight {r['rate_weight']:g}: bits, accuracy"] = f"{num(r['coded_bits'])}: {pct(r['accuracy'])}"
    return pd.DataFrame(list(rows.values()))


def fields(
    targets: pd.DataFrame,
    records: list[dict[str, Any]],
    raw_accuracy: dict[str, float],
    names: dict[str, str],
    semantic: list[dict[str, Any]],
    feature_rd: dict[str, Any],
) -> dict[str, Any]:
    """The tables reports/rate_accuracy.md prints: per method (described by `names`), the
    fewest bits per image for each target accuracy (by the classifier) and both scorers'
    accuracy there; the best accuracy within each budget of bits; the class-first codes;
    the feature-searched codes (`feature_rd`: their "validation" and "test" records, the
    plain search's "plain" records, "budget_bits" and "weights")."""
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
        "feature_weights": ", ".join(f"{w:g}" for w in feature_rd["weights"]),
        "feature_weight": f"{feature_rd['test'][0]['feature_weight']:g}",
        "validation_images": f"{feature_rd['validation'][0]['images']:,}",
        "budget_bits": f"{feature_rd['budget_bits']:g}",
        "feature_rd_validation": markdown(feature_rd_table(feature_rd["validation"])),
        "feature_rd": feature_rd_finding(feature_rd["test"], feature_rd["plain"], feature_rd["budget_bits"]),
    }
