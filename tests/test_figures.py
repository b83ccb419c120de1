"""The report figures say what they show: the tables' names, one colour per family,
labelled marks, the x axis the tables count, and spread drawn where records carry it.

Tiny made-up records, drawn with matplotlib's Agg backend: no data, no training.
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgba
from matplotlib.container import ErrorbarContainer

from qae.report import conv, latent, qat, rate_accuracy, sweep
from qae.report.figures import DIGIT_COLORS, log_axis
from qae.studies.rate_accuracy import METHOD_NAMES, pareto_front


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def point(method, bits, accuracy, **spread):
    return {"method": method, "setting": "", "coded_bits": bits, "accuracy": accuracy, **spread}


AXIS = [
    point("autoencoder", 64, 0.96),
    point("autoencoder", 256, 0.985),
    point("autoencoder_qat", 32, 0.95),
    point("autoencoder_qat", 128, 0.975),
    point("jpeg", 1500, 0.99),
    point("jpeg_payload", 900, 0.99),
    point("vqvae", 10, 0.9),
    point("label", 3.3, 0.99),
]


def draw_axis(records, names=METHOD_NAMES):
    methods = list(dict.fromkeys(r["method"] for r in records))
    fronts = {m: pareto_front([r for r in records if r["method"] == m]) for m in methods}
    overall = pareto_front([r for r in records if r["method"] not in rate_accuracy.FLOORS])
    return rate_accuracy.rate_accuracy_figure(records, fronts, overall, 0.993, [0.97, 0.98], names=names)


def legend_entries(fig):
    legend = fig.legends[0]
    return {t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}


def test_the_rate_accuracy_legend_names_methods_as_the_tables_do():
    entries = legend_entries(draw_axis(AXIS))
    for method in ("autoencoder", "autoencoder_qat", "jpeg", "jpeg_payload", "vqvae", "label"):
        assert METHOD_NAMES[method] in entries
        assert method not in entries  # no second name for the same method
    unnamed = legend_entries(draw_axis([*AXIS, point("new_codec", 50, 0.9)]))
    assert "new_codec" in unnamed  # a method the mapping lacks keeps its key


def test_the_rate_accuracy_figure_gives_each_family_one_colour_and_each_member_a_marker():
    entries = legend_entries(draw_axis(AXIS))
    handle = {m: entries[METHOD_NAMES[m]] for m in ("autoencoder", "autoencoder_qat", "jpeg", "vqvae")}
    color = {m: to_rgba(h.get_color()) for m, h in handle.items()}
    assert color["autoencoder"] == color["autoencoder_qat"]
    assert len({color["autoencoder"], color["jpeg"], color["vqvae"]}) == 3
    assert handle["autoencoder"].get_marker() != handle["autoencoder_qat"].get_marker()
    front = entries["Pareto front of all codecs: the best within the bits"]
    assert to_rgba(front.get_color())[:3] not in {c[:3] for c in color.values()}  # the front is no method's colour


def test_the_rate_accuracy_target_lines_are_labelled():
    zoom = draw_axis(AXIS).axes[1]
    assert {"97% target", "98% target"} <= {t.get_text() for t in zoom.texts}


def test_the_rate_accuracy_figure_draws_error_bars_only_where_records_carry_spread():
    def bars(records):
        return sum(isinstance(c, ErrorbarContainer) for ax in draw_axis(records).axes for c in ax.containers)

    assert bars(AXIS) == 0
    spread = [r | {"accuracy_low": r["accuracy"] - 0.003, "accuracy_high": r["accuracy"] + 0.003} for r in AXIS]
    assert bars(spread) > 0


def cell(dims, bits, coded, accuracy, **spread):
    total = dims * (32 if bits == "fp32" else bits)
    return {"dims": dims, "bits": bits, "total_bits": total, "coded_bits": coded, "accuracy": accuracy, "mse": 0.01}


SWEEP = [cell(4, 1, 3.5, 0.3), cell(4, 2, 6.8, 0.4), cell(4, "fp32", 128, 0.45), cell(8, 1, 7.1, 0.5)]


def sweep_figures(records=SWEEP):
    images = [torch.zeros(2, 1, 28, 28)] * 3
    return sweep.figures(records, [1, 2, "fp32"], 0.99, {1: 0.2}, images, ["original", "1 bits", "fp32 bits"],
                         images[:2], "4 dims", model="4 dims", digits_bits=2)  # fmt: skip


def test_the_sweep_per_image_figures_draw_coded_bits_and_say_so():
    drawn = sweep_figures()
    for name in ("accuracy_vs_total_bits", "mse_vs_total_bits"):
        ax = drawn[name].axes[0]
        four_dims = ax.lines[0]
        assert list(four_dims.get_xdata()) == [3.5, 6.8, 128]
        assert "coded" in ax.get_xlabel()
    assert list(drawn["accuracy_vs_bits"].axes[0].lines[0].get_xdata()) == [0, 1, 2]  # per element: categories


def test_the_sweep_legend_sits_beside_the_data():
    fig = sweep_figures()["accuracy_vs_bits"]
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1


def test_the_sweep_image_grids_say_which_images_they_show():
    drawn = sweep_figures()
    assert "first 2 test images" in drawn["reconstructions"].get_suptitle()
    assert "each digit" in drawn["digits"].get_suptitle()
    labels = [ax.get_ylabel() for ax in drawn["reconstructions"].axes if ax.get_ylabel()]
    assert labels == ["original", "1 bit", "float32"]


def test_the_sweep_figures_draw_spread_where_records_carry_it():
    spread = [r | {"accuracy_low": r["accuracy"] - 0.01, "accuracy_high": r["accuracy"] + 0.01} for r in SWEEP]
    plain, wide = sweep_figures()["accuracy_vs_total_bits"], sweep_figures(spread)["accuracy_vs_total_bits"]
    assert not plain.axes[0].containers
    assert any(isinstance(c, ErrorbarContainer) for c in wide.axes[0].containers)


def test_the_qat_figure_labels_each_point_with_its_dims():
    records = [
        {"dims": d, "bits": 1, "training": t, "total_bits": d, "coded_bits": d * 0.99, "accuracy": 0.9, "mse": 0.01}
        for d in (4, 8, 16)
        for t in ("aware", "post-training")
    ]
    fig = qat.qat_figure(records)
    for ax in fig.axes:
        assert {"4", "8", "16"} <= {t.get_text() for t in ax.texts}
        assert list(ax.lines[0].get_xdata()) == pytest.approx([3.96, 7.92, 15.84])  # the coded bits
    assert "dims" in fig.get_suptitle()


def test_the_conv_tradeoff_ticks_are_the_dims_and_both_trainings_stay_visible():
    records = [
        {"dims": d, "training": t, "corruption": "noise", "level": 0, "mse": 0.05 / d, "accuracy": 0.9}
        for d in (1, 2, 4)
        for t in ("plain", "denoising")
    ]
    ax = conv.tradeoff_figure(records).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "4"]
    plain, denoising = ax.lines[:2]
    assert (plain.get_marker(), plain.get_linestyle()) != (denoising.get_marker(), denoising.get_linestyle())
    assert denoising.get_markersize() > plain.get_markersize()  # identical values still show both marks


def test_latent_centroids_use_no_digit_colour_and_their_labels_do_not_overlap():
    centroids = torch.tensor(
        [[0.0, 0.0], [0.3, 0.1], [0.1, 0.3], [-0.2, 0.1], [0.2, -0.2]] + [[i, 5.0] for i in range(5)]
    )
    codes = torch.randn(200, 2, generator=torch.Generator().manual_seed(0)) * 2
    fig = latent.latent_scatter(codes, torch.arange(200) % 10, centroids)
    ax = fig.axes[0]
    stars = next(c for c in ax.collections if len(c.get_offsets()) == len(centroids))
    digit_colours = {tuple(np.round(c, 3)) for c in DIGIT_COLORS}
    assert all(tuple(np.round(c, 3)) not in digit_colours for c in stars.get_facecolors())
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    assert len(boxes) == 10
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def test_a_log_axis_labels_plain_numbers():
    fig, ax = plt.subplots()
    ax.plot([1, 2], [0.003, 0.06])
    log_axis(ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all("times" not in label and "^" not in label for label in labels)
