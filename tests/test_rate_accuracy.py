"""Pareto fronts and bits at a target accuracy, on a small known table."""

from qae.rate import bits_at
from qae.report.rate_accuracy import budget_winners
from qae.studies.rate_accuracy import pareto_front, summary, sweep_records


def rec(method, bits, accuracy):
    return {"method": method, "setting": "", "bits_per_image": bits, "accuracy": accuracy}


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
    assert [(r["bits_per_image"], r["accuracy"]) for r in front] == [(32, 0.95), (128, 0.975), (512, 0.985)]


def test_bits_at_is_the_fewest_bits_reaching_the_target():
    assert bits_at(TABLE, 0.97, "bits_per_image") == 128
    assert bits_at(TABLE, 0.98, "bits_per_image") == 512
    assert bits_at(TABLE, 0.95, "bits_per_image") == 32


def test_bits_at_is_none_when_no_point_reaches_the_target():
    assert bits_at(TABLE, 0.99, "bits_per_image") is None


def test_summary_gives_every_target_per_method():
    assert summary(TABLE) == {
        "a": {"bits_at_97": 128, "bits_at_98": 512, "bits_at_99": None},
        "b": {"bits_at_97": None, "bits_at_98": None, "bits_at_99": None},
    }


def test_sweep_records_use_coded_bits_when_the_table_has_them():
    results = [
        {"dims": 8, "bits": 4, "total_bits": 32, "coded_bits": 30.5, "accuracy": 0.9},
        {"dims": 8, "bits": 2, "total_bits": 16, "accuracy": 0.8},  # an older table, nominal bits only
    ]
    records = sweep_records(results, "qat")
    assert [r["bits_per_image"] for r in records] == [30.5, 16]
    assert records[0] == {"method": "qat", "setting": "dims=8, bits=4", "bits_per_image": 30.5, "accuracy": 0.9}


def test_a_searching_sweep_also_reports_its_rounding_as_its_own_method():
    row = {"dims": 64, "bits": 8, "total_bits": 512, "coded_bits": 31.4, "accuracy": 0.979}
    records = sweep_records([row | {"rounded_model_bits": 32.1, "rounded_accuracy": 0.965}], "rd")
    assert [(r["method"], r["bits_per_image"], r["accuracy"]) for r in records] == [
        ("rd", 31.4, 0.979),
        ("rd_rounded", 32.1, 0.965),
    ]


def test_each_budget_names_its_most_accurate_codec():
    records = [
        {"method": "a", "setting": "k=2", "bits_per_image": 4.0, "accuracy": 0.5},
        {"method": "b", "setting": "q=1", "bits_per_image": 7.5, "accuracy": 0.8},
        {"method": "a", "setting": "k=9", "bits_per_image": 11.0, "accuracy": 0.7},
        {"method": "label", "setting": "the predicted digit", "bits_per_image": 3.3, "accuracy": 0.99},
    ]
    lines = budget_winners(records, {"b": "bee"}, budgets=(2, 4, 8, 12)).splitlines()
    assert len(lines) == 3  # nothing fits in 2 bits
    assert lines[0].startswith("- <= 4 bits: a (k=2)")
    assert lines[1].startswith("- <= 8 bits: bee (q=1)") and lines[2].startswith("- <= 12 bits: bee")
