"""Pareto fronts and bits at a target accuracy, on a small known table."""

from qae.rate import bits_at
from qae.report.rate_accuracy import budget_winners
from qae.studies.rate_accuracy import on_axis, pareto_front, summary


def rec(method, bits, accuracy):
    return {"method": method, "setting": "", "coded_bits": bits, "accuracy": accuracy}


TABLE = [
    rec("a", 64, 0.90),
    rec("a", 32, 0.95),  # beats the 64-bit point on both axes
    rec("a", 128, 0.975),
    rec("a", 128, 0.96),  # same bits, less accurate
    rec("a", 256, 0.975),  # more bits, no more accurate
    rec("a", 512, 0.985),
    rec("b", 8, 0.50),
]


def test_the_front_keeps_only_points_nothing_beats_by_increasing_bits():
    front = pareto_front([r for r in TABLE if r["method"] == "a"])
    assert [(r["coded_bits"], r["accuracy"]) for r in front] == [(32, 0.95), (128, 0.975), (512, 0.985)]


def test_bits_at_is_the_fewest_bits_reaching_the_target():
    assert bits_at(TABLE, 0.97) == 128
    assert bits_at(TABLE, 0.98) == 512
    assert bits_at(TABLE, 0.95) == 32


def test_bits_at_is_none_when_no_point_reaches_the_target():
    assert bits_at(TABLE, 0.99) is None


def test_summary_gives_every_target_per_method():
    assert summary(TABLE) == {
        "a": {"bits_at_97": 128, "bits_at_98": 512, "bits_at_99": None},
        "b": {"bits_at_97": None, "bits_at_98": None, "bits_at_99": None},
    }


def test_a_record_on_the_axis_keeps_its_method_and_names_its_point():
    model = {"study": "qat", "method": "autoencoder_qat", "seed": 0, "dims": 8, "bits": 4, "total_bits": 32}
    baseline = {"study": "baselines", "method": "jpeg", "setting": "quality=10", "coded_bits": 300.0, "accuracy": 0.9}
    points = on_axis([model | {"coded_bits": 30.5, "accuracy": 0.9, "mse": 0.01}, baseline])
    assert points[0] == {
        "method": "autoencoder_qat", "setting": "dims=8, bits=4", "coded_bits": 30.5, "accuracy": 0.9, "mse": 0.01
    }  # fmt: skip
    assert points[1] == {"method": "jpeg", "setting": "quality=10", "coded_bits": 300.0, "accuracy": 0.9}


def test_a_point_carries_its_accuracy_interval_and_the_second_scorer():
    record = {"method": "m", "dims": 8, "bits": 4, "coded_bits": 30.5, "accuracy": 0.9, "images": 10_000}
    (p,) = on_axis([record | {"second_accuracy": 0.88}])
    assert p["accuracy_low"] < 0.9 < p["accuracy_high"] and p["second_accuracy"] == 0.88


def test_a_searching_codec_also_reports_its_rounding_as_its_own_method():
    row = {"method": "rd", "dims": 64, "bits": 8, "rate_weight": 0.5, "coded_bits": 31.4, "accuracy": 0.979}
    points = on_axis([row | {"rounded_model_bits": 32.1, "rounded_accuracy": 0.965}])
    assert [(r["method"], r["coded_bits"], r["accuracy"]) for r in points] == [
        ("rd", 31.4, 0.979),
        ("rd_rounded", 32.1, 0.965),
    ]
    assert points[0]["setting"] == "dims=64, bits=8, rate_weight=0.5"


def test_each_budget_names_its_most_accurate_codec():
    records = [
        {"method": "a", "setting": "k=2", "coded_bits": 4.0, "accuracy": 0.5},
        {"method": "b", "setting": "q=1", "coded_bits": 7.5, "accuracy": 0.8},
        {"method": "a", "setting": "k=9", "coded_bits": 11.0, "accuracy": 0.7},
        {"method": "label", "setting": "the predicted digit", "coded_bits": 3.3, "accuracy": 0.99},
    ]
    lines = budget_winners(records, {"b": "bee"}, budgets=(2, 4, 8, 12)).splitlines()
    assert len(lines) == 3  # nothing fits in 2 bits
    assert lines[0].startswith("- <= 4 bits: a (k=2)")
    assert lines[1].startswith("- <= 8 bits: bee (q=1)") and lines[2].startswith("- <= 12 bits: bee")
