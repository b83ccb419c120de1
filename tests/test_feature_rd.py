"""Codes searched for what the class needs: the weight is chosen on validation records,
the finding says no more than its intervals, and its codec files work like any other."""

import pytest
import torch

from qae.cli import main
from qae.codec.base import load_codec
from qae.codec.codec import Codec
from qae.codec.search import CodeSearch
from qae.errors import UserError
from qae.mnist import idx_bytes, read_idx
from qae.models import AutoencoderConfig, Classifier, build_autoencoder
from qae.report.phrases import feature_rd_finding
from qae.studies.feature_rd import choose_feature_weight, feature_network, validation_split
from tests.helpers import SAMPLE_MIRROR


def tried(weight: float, bits: float, accuracy: float) -> dict:
    return {"feature_weight": weight, "coded_bits": bits, "accuracy": accuracy}


def test_the_weight_most_accurate_within_the_budget_is_chosen():
    records = [tried(0, 40, 0.980), tried(1, 47, 0.987), tried(3, 52, 0.995)]
    assert choose_feature_weight(records, 48) == 1


def test_a_point_at_exactly_the_budget_counts():
    assert choose_feature_weight([tried(0, 40, 0.98), tried(1, 48, 0.99)], 48) == 1


def test_equal_accuracy_goes_to_the_smaller_weight():
    assert choose_feature_weight([tried(3, 30, 0.98), tried(0.3, 45, 0.98)], 48) == 0.3


def test_with_nothing_within_budget_the_cheapest_point_s_weight_is_chosen():
    assert choose_feature_weight([tried(0, 60, 0.98), tried(1, 70, 0.99)], 48) == 0


def point(bits: float, accuracy: float, second: float, images: int = 10000, rate_weight: float = 0.8) -> dict:
    return {
        "coded_bits": bits,
        "accuracy": accuracy,
        "second_accuracy": second,
        "images": images,
        "mse": 0.012,
        "rate_weight": rate_weight,
    }


def test_99_percent_exactly_counts_as_reached_by_each_scorer():
    text = feature_rd_finding([point(47, 0.99, 0.99)], [], 48)
    assert "both scorers put it at 99% or more" in text


def test_a_point_only_one_scorer_puts_at_99_percent_says_so():
    text = feature_rd_finding([point(47, 0.991, 0.9899)], [], 48)
    assert "the classifier puts it at 99% or more, the other below" in text


def test_points_over_budget_are_not_the_finding():
    text = feature_rd_finding([point(47, 0.985, 0.98), point(49, 0.995, 0.995)], [], 48)
    assert "47.0 bits" in text and "short of 99% by both scorers" in text


def test_no_point_within_budget_is_said():
    assert feature_rd_finding([point(60, 0.995, 0.995)], [], 48).startswith("no point within 48 bits")


def test_a_gain_over_the_plain_search_inside_the_intervals_is_within_noise():
    text = feature_rd_finding([point(47, 0.988, 0.985)], [point(46, 0.985, 0.983)], 48)
    assert "within noise of the plain search" in text


def test_a_gain_beyond_the_intervals_is_higher():
    text = feature_rd_finding([point(47, 0.99, 0.99)], [point(46, 0.98, 0.98)], 48)
    assert "higher than the plain search" in text


def test_scorers_that_disagree_on_the_gain_are_both_named():
    text = feature_rd_finding([point(47, 0.99, 0.983)], [point(46, 0.98, 0.982)], 48)
    assert "By the classifier that is higher than" in text and "by the second scorer it is within noise of it" in text


def test_validation_images_are_the_first_validation_rows():
    split = {"images": torch.arange(10)[:, None, None].expand(10, 28, 28), "labels": torch.arange(10)}
    chosen = validation_split(split, torch.tensor([7, 2, 5]), 2)
    assert chosen["labels"].tolist() == [7, 2]


def test_a_codec_file_without_a_cluster_network_is_refused(tmp_path):
    torch.manual_seed(0)
    model = build_autoencoder(AutoencoderConfig("linear", 4)).eval()
    path = tmp_path / "plain.pt"
    codec = Codec.fit(model, torch.zeros(4, 28, 28, dtype=torch.uint8), point=3)
    with pytest.raises(UserError, match="no cluster network"):
        feature_network(codec, path)


def test_the_sample_test_set_round_trips_through_a_feature_codec_file(tmp_path):
    images = read_idx(SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz")[:20]
    torch.manual_seed(0)
    model = build_autoencoder(AutoencoderConfig("linear", 4)).eval()
    search = CodeSearch(rate_weight=0.5, candidates=4, rounds=5, feature_weight=1.0)
    codec = Codec.fit(model, images, point=3, search=search, features=Classifier(classes=4).eval())
    codec.save(tmp_path / "codec.pt")
    (tmp_path / "test.idx").write_bytes(idx_bytes(images))
    assert (
        main(
            [
                "compress",
                "--codec",
                str(tmp_path / "codec.pt"),
                str(tmp_path / "test.idx"),
                "-o",
                str(tmp_path / "x.qae"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "decompress",
                "--codec",
                str(tmp_path / "codec.pt"),
                str(tmp_path / "x.qae"),
                "-o",
                str(tmp_path / "out.idx"),
            ]
        )
        == 0
    )
    want = codec.decode(codec.encode(images)).squeeze(1).mul(255).round().to(torch.uint8)
    assert torch.equal(read_idx(tmp_path / "out.idx"), want)
    assert load_codec(tmp_path / "codec.pt").search == search
