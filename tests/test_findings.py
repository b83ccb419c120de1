"""A comparison is stated only as far as the seeds and the test set's sampling support it."""

import pytest

from qae.findings import Estimate, agree, compare, row_estimate, summarize, wilson, worst_seed_bits
from qae.report.phrases import comparison, correlation_phrase, describe, threshold_phrase


def pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def interval(low: float, high: float) -> Estimate:
    """A one-seed estimate with this interval."""
    return Estimate((low + high) / 2, (low + high) / 2, (low + high) / 2, low, high, 1)


def test_the_wilson_interval_of_half_of_ten_thousand_is_about_a_point_wide():
    low, high = wilson(0.5, 10_000)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.5098, abs=1e-4)


def test_the_wilson_interval_stays_inside_zero_and_one():
    assert wilson(1.0, 100)[1] == 1.0 and wilson(0.0, 100)[0] == 0.0
    assert 0.95 < wilson(1.0, 100)[0] < 1.0


def test_an_interval_needs_test_images():
    with pytest.raises(ValueError, match="at least one test image"):
        wilson(0.5, 0)


def test_an_accuracy_interval_joins_every_seed_s_sampling_interval():
    estimate = Estimate.of_accuracy([0.90, 0.92], 10_000)
    assert estimate.low == wilson(0.90, 10_000)[0] and estimate.high == wilson(0.92, 10_000)[1]
    assert (estimate.seeds, estimate.min, estimate.max) == (2, 0.90, 0.92)


def test_separate_intervals_compare_and_overlapping_ones_are_noise():
    assert compare(interval(0.89, 0.91), interval(0.79, 0.81)) == 1
    assert compare(interval(0.79, 0.81), interval(0.89, 0.91)) == -1
    assert compare(interval(0.85, 0.95), interval(0.79, 0.86)) == 0


def test_touching_intervals_are_within_noise():
    assert compare(interval(0.86, 0.95), interval(0.75, 0.86)) == 0
    assert compare(interval(0.86 + 1e-12, 0.95), interval(0.75, 0.86)) == 1


def test_a_gain_of_a_tenth_of_a_point_on_ten_thousand_images_is_noise():
    a, b = Estimate.of_accuracy([0.982, 0.981, 0.983], 10_000), Estimate.of_accuracy([0.981, 0.980], 10_000)
    assert compare(a, b) == 0
    assert "within noise" in comparison("QAT", a, "rounding after", b, pct)


def test_a_gain_of_ten_points_is_stated_with_its_direction():
    a, b = Estimate.of_accuracy([0.96], 10_000), Estimate.of_accuracy([0.36], 10_000)
    assert comparison("corrected", a, "posts", b, pct).startswith("corrected (96.0%")
    assert " is higher in accuracy than posts (36.0%" in comparison("corrected", a, "posts", b, pct)
    assert " is lower in accuracy than " in comparison("posts", b, "corrected", a, pct)


def test_a_comparison_holds_only_where_both_scorers_agree():
    assert agree(1, 1) == 1 and agree(-1, -1) == -1
    assert agree(1, 0) == 0 and agree(1, -1) == 0


def test_one_seed_says_so_and_several_give_their_range():
    assert describe(Estimate.of_spread([0.5]), lambda v: f"{v:.1f}") == "0.5 (1 seed)"
    assert describe(Estimate.of_spread([0.4, 0.6]), lambda v: f"{v:.1f}") == "0.5 (2 seeds 0.4-0.6)"


def test_an_accuracy_gives_the_sampling_interval_beside_the_seeds_range():
    one = describe(Estimate.of_accuracy([0.9], 1000), lambda v: f"{v:.3f}")
    assert one.startswith("0.900 (interval 0.88") and one.endswith("; 1 seed)")
    two = describe(Estimate.of_accuracy([0.9, 0.92], 1000), lambda v: f"{v:.3f}")
    assert two.startswith("0.910 (2 seeds 0.900-0.920; interval 0.8")


def test_a_threshold_is_read_on_the_worst_seed():
    assert worst_seed_bits([38.7, 37.9, 40.1]) == 40.1
    phrase = threshold_phrase("97%", [38.7, 37.9, 40.1], lambda v: f"{v:.1f}")
    assert phrase == "97% at 40.1 bits per image (the worst of 3 seeds; the best 37.9)"


def test_a_threshold_one_seed_misses_is_not_claimed():
    assert worst_seed_bits([38.7, None]) is None
    assert threshold_phrase("97%", [38.7, None], str) == "97% is reached by 1 of 2 seeds"


def test_a_summary_row_per_point_holds_the_mean_the_seed_range_and_the_interval():
    records = [
        {"method": "m", "dims": 4, "bits": 2, "seed": s, "accuracy": a, "mse": e, "images": 10_000}
        for s, a, e in [(0, 0.90, 0.02), (1, 0.92, 0.03), (2, 0.91, 0.025)]
    ] + [{"method": "m", "dims": 8, "bits": 2, "seed": 0, "accuracy": 0.95, "mse": 0.01, "images": 10_000}]
    rows = summarize(records, ("method", "dims", "bits"))
    assert [(r["dims"], r["seeds"]) for r in rows] == [(4, 3), (8, 1)]
    assert rows[0]["accuracy"] == pytest.approx(0.91) and (rows[0]["accuracy_min"], rows[0]["accuracy_max"]) == (
        0.90,
        0.92,
    )
    assert rows[0]["accuracy_low"] == wilson(0.90, 10_000)[0] and rows[0]["mse_max"] == 0.03
    assert "seed" not in rows[0]
    again = row_estimate(rows[0], "accuracy")
    assert (again.seeds, again.low, again.high) == (3, rows[0]["accuracy_low"], rows[0]["accuracy_high"])


def test_a_single_record_is_an_estimate_of_one_seed_with_its_sampling_interval():
    one = row_estimate({"accuracy": 0.9, "images": 10_000}, "accuracy")
    assert (one.seeds, one.mean, (one.low, one.high)) == (1, 0.9, wilson(0.9, 10_000))


def test_a_correlation_is_claimed_only_where_its_interval_excludes_zero():
    assert correlation_phrase("the loss", "L2", 0.84, [0.61, 0.96], 40).startswith("the loss rises with L2")
    assert correlation_phrase("the loss", "lr", -0.5, [-0.8, -0.1], 40).startswith("the loss falls with lr")
    assert correlation_phrase("the loss", "epochs", -0.3, [-0.56, 0.02], 40).startswith("no dependence")
    assert correlation_phrase("the loss", "epochs", -0.3, [-0.56, 0.0], 40).startswith("no dependence")  # touches 0
