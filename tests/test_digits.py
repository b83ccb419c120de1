import numpy as np
import pytest
import torch

from qae import cluster
from qae.cluster import (
    TSNE_THREADS,
    cluster_codes,
    cluster_to_digit,
    confusion_matrix,
    digits_covered,
    mapping_accuracy,
)
from qae.images import MNIST_MEAN, MNIST_STD
from qae.models import Autoencoder, AutoencoderConfig
from qae.studies.digits import confusion_rows, train_softmax

# Post 002's situation in miniature: 3 digits, 3 clusters; cluster 2 holds mostly 1s,
# clusters 0 and 1 both hold mostly 0s, and no cluster is mostly 2s.
KNOWN = np.array(
    [
        [5, 4, 0],  # actual 0
        [1, 0, 6],  # actual 1
        [2, 3, 1],  # actual 2
    ]
)


def test_the_confusion_matrix_counts_actual_rows_against_cluster_columns():
    actual = torch.tensor([0, 0, 1, 2, 2, 2])
    assigned = np.array([1, 1, 0, 0, 2, 2])
    assert confusion_matrix(actual, assigned, classes=3, clusters=3).tolist() == [[0, 2, 0], [1, 0, 0], [1, 0, 2]]


def test_each_cluster_maps_to_its_most_frequent_digit():
    assert cluster_to_digit(KNOWN).tolist() == [0, 0, 1]


def test_mapping_accuracy_counts_the_images_the_mapping_labels_right():
    assert mapping_accuracy(KNOWN) == pytest.approx((5 + 4 + 6) / KNOWN.sum())


def test_a_perfect_clustering_scores_one_whatever_the_cluster_order():
    permuted = np.eye(10, dtype=int)[:, np.random.default_rng(0).permutation(10)] * 7
    assert mapping_accuracy(permuted) == 1.0 and digits_covered(permuted) == 10


def test_digits_no_cluster_maps_to_are_not_covered():
    assert digits_covered(KNOWN) == 2


def test_confusion_rows_carry_the_mapped_digit_for_dvc():
    rows = confusion_rows(torch.tensor([2, 0]), np.array([1, 2]), np.array([0, 0, 1]))
    assert rows == [{"actual": 2, "cluster": 1, "predicted": 0}, {"actual": 0, "cluster": 2, "predicted": 1}]


@pytest.mark.parametrize("method", ["kmeans", "tsne_gmm"])
def test_well_separated_codes_are_clustered_perfectly(method):
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(10).repeat_interleave(20)
    codes = 20 * torch.randn(10, 8, generator=g)[labels] + torch.randn(200, 8, generator=g)
    clusters, embedding = cluster_codes(codes, method, 10, seed=0, perplexity=10)
    assert mapping_accuracy(confusion_matrix(labels, clusters)) == 1.0
    assert (embedding is None) == (method == "kmeans")


def test_an_unknown_method_is_an_error():
    with pytest.raises(ValueError, match="kmeans"):
        cluster_codes(torch.zeros(20, 2), "dbscan", 10, seed=0)


def test_the_softmax_autoencoder_trains_and_its_code_sums_to_one():
    images = torch.randint(0, 256, (32, 28, 28), dtype=torch.uint8)
    model, record = train_softmax(images, 1, 16, "sgd", 0.01, 0.5, seed=0, progress=False)
    assert len(record["history"]) == 1 and record["history"][0]["loss"] > 0
    assert record["recipe"]["optimizer"] == "sgd" and record["run"]["device"] == "cpu"
    code = model.encoder(images[:4].float().div(255).unsqueeze(1))
    assert code.shape == (4, 10) and torch.allclose(code.sum(1), torch.ones(4))


def test_the_posts_softmax_recipe_normalizes_what_the_encoder_reads():
    post = Autoencoder(AutoencoderConfig("softmax", 10, recipe="post"))
    x = torch.rand(4, 1, 28, 28)
    assert torch.allclose(post.encoder(x), post.encoder[1:]((x - MNIST_MEAN) / MNIST_STD), atol=1e-6)
    assert len(Autoencoder(AutoencoderConfig("softmax", 10)).encoder) == len(post.encoder) - 1


def test_an_unknown_softmax_recipe_is_refused():
    with pytest.raises(ValueError, match="recipe"):
        train_softmax(torch.zeros(4, 28, 28, dtype=torch.uint8), 1, 2, "sgd", 0.01, 0.5, 0, recipe="posts")


def test_the_tsne_embedding_does_not_depend_on_its_thread_count(monkeypatch):
    # Its threads make the t-SNE step 1.7x faster, and the clusters stay every machine's.
    g = torch.Generator().manual_seed(1)
    labels = torch.arange(10).repeat_interleave(40)
    codes = 3 * torch.randn(10, 64, generator=g)[labels] + torch.randn(400, 64, generator=g)
    _, threaded = cluster_codes(codes, "tsne_gmm", 10, seed=0)
    monkeypatch.setattr(cluster, "TSNE_THREADS", 1)
    _, single = cluster_codes(codes, "tsne_gmm", 10, seed=0)
    assert cluster.TSNE_THREADS != TSNE_THREADS
    np.testing.assert_array_equal(threaded, single)
