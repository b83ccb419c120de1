"""The semantic-to-detail codec: a learned cluster first, then pixel-codebook detail."""

import math
from dataclasses import replace

import pytest
import torch

from qae.mnist import read_idx
from qae.models import AutoencoderConfig, Classifier, build_autoencoder
from qae.studies.semantic import (
    SemanticConfig,
    assign,
    cluster_network,
    draw,
    learn_clusters,
    load_cluster_network,
    range_code,
    refinement_codebooks,
    refinement_index,
    semantic_checkpoint,
    semantic_records,
)
from tests.helpers import SAMPLE_MIRROR

QUICK = SemanticConfig(
    images=120, clusters=4, perplexity=10, epochs=1, relabel_epochs=1, batch_size=32, lr=0.003, max_shift=2
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
    return build_autoencoder(AutoencoderConfig("deep", 8, "corrected")).eval()  # untrained: codes are still codes


@pytest.fixture(scope="module")
def network(representation, train_images) -> Classifier:
    return learn_clusters(representation, train_images, QUICK, seed=0)[0]


def test_the_cluster_network_has_one_output_per_cluster():
    assert cluster_network(7)(torch.rand(3, 1, 28, 28)).shape == (3, 7)


def test_learning_the_clusters_twice_gives_the_same_network(representation, train_images, network):
    again = learn_clusters(representation, train_images, QUICK, seed=0)[0]
    assert torch.equal(assign(network, train_images), assign(again, train_images))


def test_the_training_record_runs_through_both_networks(representation, train_images):
    _, record = learn_clusters(representation, train_images, QUICK, seed=1)
    assert [h["epoch"] for h in record["history"]] == [1, 2]
    assert record["recipe"]["clusters"] == QUICK.clusters


def test_more_images_to_cluster_than_there_are_is_an_error(representation, train_images):
    too_many = replace(QUICK, images=len(train_images) + 1)
    with pytest.raises(ValueError, match=r"semantic\.images"):
        learn_clusters(representation, train_images, too_many, seed=0)


def test_each_cluster_gets_a_codebook_no_larger_than_its_images(train_images):
    clusters = torch.tensor([0] * 10 + [1] * 3)
    books = refinement_codebooks(train_images[:13], clusters, 3, bits=2, iterations=2, seed=0)
    assert [len(b) for b in books] == [4, 3, 1]
    assert torch.equal(books[2], torch.zeros(1, 784))  # no images: the blank image


def test_refinement_picks_the_nearest_codeword_of_the_image_s_own_cluster():
    dark, bright = torch.zeros(1, 28, 28, dtype=torch.uint8), torch.full((1, 28, 28), 250, dtype=torch.uint8)
    books = [torch.zeros(1, 784), torch.stack([torch.full((784,), 0.5), torch.ones(784)])]
    # both images sit in cluster 1: the dark one gets cluster 1's darker codeword, not cluster 0's blank
    index = refinement_index(torch.cat([bright, dark]), torch.tensor([1, 1]), books)
    assert index.tolist() == [1, 0]
    assert torch.equal(draw(torch.tensor([1, 1, 0]), torch.tensor([1, 0, 0]), books).flatten(1)[1], books[1][0])


def test_range_coded_indices_decode_to_themselves_and_skewed_ones_cost_less():
    uniform = torch.arange(4000) % 16
    skewed = torch.where(torch.arange(4000) % 10 == 0, uniform, 0)
    payload, decoded = range_code(uniform, uniform, 4, 0.5, 8)
    assert torch.equal(decoded, uniform) and 8 * len(payload) / 4000 == pytest.approx(4, abs=0.05)
    payload, decoded = range_code(skewed, skewed, 4, 0.5, 8)
    assert torch.equal(decoded, skewed) and 8 * len(payload) / 4000 < 1.5


def test_zero_bits_send_nothing():
    payload, decoded = range_code(torch.zeros(5, dtype=torch.long), torch.zeros(3, dtype=torch.long), 0, 0.5, 8)
    assert payload == b"" and decoded.tolist() == [0, 0, 0]


def test_every_refinement_bit_setting_is_a_record_on_the_rate_axis(network, train_images, test_split):
    records = semantic_records(network, Classifier().eval(), train_images, test_split, [0, 2, 3], 2, 0.5, 8, 0)
    assert [r["refine_bits"] for r in records] == [0, 2, 3]
    bits = [r["bits_per_image"] for r in records]
    assert bits == sorted(bits) and bits[0] == records[0]["cluster_bits"] > 0
    assert bits[0] <= math.ceil(math.log2(QUICK.clusters)) + 32 * 8 / len(test_split["images"])  # whole 32-bit words
    assert all(r["method"] == "semantic" and 0 <= r["accuracy"] <= 1 for r in records)
    assert records[0]["mse"] > records[-1]["mse"]  # detail helps


def test_a_saved_cluster_network_assigns_as_the_trained_one(network, train_images, tmp_path):
    torch.save(semantic_checkpoint(network, recipe={}), tmp_path / "model.pt")
    loaded = load_cluster_network(tmp_path / "model.pt", "cpu")
    assert torch.equal(assign(loaded, train_images), assign(network, train_images))


def test_a_file_that_is_not_a_semantic_checkpoint_is_refused(tmp_path):
    torch.save({"kind": "classifier", "state_dict": {}}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a qae semantic codec checkpoint"):
        load_cluster_network(tmp_path / "other.pt")
