"""The semantic-to-detail codec: a learned cluster first, then pixel-codebook detail."""

import math
from dataclasses import replace

import pytest
import torch

from qae.codec.semantic import assign
from qae.evaluate import Scorers
from qae.mnist import read_idx
from qae.models import AutoencoderConfig, Classifier, build_autoencoder
from qae.studies import semantic as study
from qae.studies.semantic import SemanticConfig, learn_clusters, semantic_codecs, semantic_records
from qae.train import Augment
from tests.helpers import SAMPLE_MIRROR

QUICK = SemanticConfig(
    images=120,
    clusters=4,
    perplexity=10,
    epochs=1,
    relabel_rounds=2,
    relabel_epochs=1,
    batch_size=32,
    lr=0.003,
    augment=Augment(10, 0.1, 2),
)


@pytest.fixture(scope="module")
def train_images() -> torch.Tensor:
    return read_idx(SAMPLE_MIRROR / "train-images-idx3-ubyte.gz")[:300]


@pytest.fixture(scope="module")
def test_split() -> dict[str, torch.Tensor]:
    images = read_idx(SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz")[:60]
    return {"images": images, "labels": read_idx(SAMPLE_MIRROR / "t10k-labels-idx1-ubyte.gz")[:60]}


@pytest.fixture(scope="module")
def representation() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_autoencoder(AutoencoderConfig("deep", 8)).eval()  # untrained: codes are still codes


@pytest.fixture(scope="module")
def network(representation, train_images) -> Classifier:
    return learn_clusters(representation, train_images, QUICK, seed=0)[0]


def test_the_cluster_network_has_one_output_per_cluster(network, train_images):
    assert network.classes == QUICK.clusters
    assert network(torch.rand(3, 1, 28, 28)).shape == (3, QUICK.clusters)


def test_learning_the_clusters_twice_gives_the_same_network(representation, train_images, network):
    again = learn_clusters(representation, train_images, QUICK, seed=0)[0]
    assert torch.equal(assign(network, train_images), assign(again, train_images))


def test_the_training_record_runs_through_every_network(representation, train_images):
    _, record = learn_clusters(representation, train_images, QUICK, seed=1)
    assert [h["epoch"] for h in record["history"]] == [1, 2, 3]
    assert record["recipe"]["clusters"] == QUICK.clusters


def test_more_images_to_cluster_than_there_are_is_an_error(representation, train_images):
    too_many = replace(QUICK, images=len(train_images) + 1)
    with pytest.raises(ValueError, match=r"semantic\.images"):
        learn_clusters(representation, train_images, too_many, seed=0)


def test_every_refinement_bit_setting_is_a_record_on_the_rate_axis(network, train_images, test_split):
    codecs = semantic_codecs(network, train_images, [0, 2, 3], 2, 0.5, 8, 0)
    records = semantic_records(codecs, Scorers(Classifier().eval()), test_split)
    assert [r["refine_bits"] for r in records] == [0, 2, 3]
    bits = [r["coded_bits"] for r in records]
    assert bits == sorted(bits) and bits[0] > records[0]["cluster_bits"] > 0
    # whole 32-bit words, and the 4-byte length of the cluster stream
    assert bits[0] <= math.ceil(math.log2(QUICK.clusters)) + 2 * 32 / len(test_split["images"])
    assert all(r["method"] == "semantic" and r["study"] == "semantic" and 0 <= r["accuracy"] <= 1 for r in records)
    assert records[0]["mse"] > records[-1]["mse"]  # detail helps


def test_the_records_classify_the_test_set_once_for_codecs_sharing_a_network(
    network, train_images, test_split, monkeypatch
):
    codecs = semantic_codecs(network, train_images, [0, 2, 3], 2, 0.5, 8, 0)
    calls = []
    monkeypatch.setattr(study, "assign", lambda net, images: calls.append(len(images)) or assign(net, images))
    semantic_records(codecs, Scorers(Classifier().eval()), test_split)
    assert calls == [len(test_split["images"])]


def test_encoding_with_known_clusters_matches_encoding_from_images(network, train_images, test_split):
    codec = semantic_codecs(network, train_images, [2], 2, 0.5, 8, 0)[2]
    images = test_split["images"]
    assert torch.equal(codec.encode(images, assign(network, images)), codec.encode(images))
