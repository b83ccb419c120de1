"""Pixel codebooks: the nearest codeword, and k-means fitted without labels."""

import torch

from qae.codec.codebook import kmeans, nearest_codeword
from qae.mnist import read_idx
from tests.helpers import SAMPLE_MIRROR


def two_kinds_of_image() -> torch.Tensor:
    """40 images: 20 dark ones with a little noise, 20 bright ones."""
    g = torch.Generator().manual_seed(0)
    noise = torch.randint(0, 20, (40, 28, 28), generator=g, dtype=torch.uint8)
    return torch.cat([noise[:20], 235 + noise[20:]])


def test_nearest_codeword_picks_the_closest_row():
    codebook = torch.tensor([[0.0, 0.0], [1.0, 1.0], [5.0, 0.0]])
    x = torch.tensor([[0.9, 1.2], [4.0, 0.5], [0.1, -0.2]])
    assert nearest_codeword(x, codebook).tolist() == [1, 2, 0]


def test_kmeans_finds_the_means_of_two_clear_clusters():
    images = two_kinds_of_image()
    codebook = kmeans(images, 2, 5, seed=0)
    means = torch.stack([images[:20].float().mean(0), images[20:].float().mean(0)]).flatten(1) / 255
    found = codebook[codebook[:, 0].argsort()]
    assert torch.allclose(found, means, atol=1e-5)


def test_kmeans_is_the_same_for_the_same_seed():
    images = torch.randint(0, 256, (50, 28, 28), dtype=torch.uint8)
    assert torch.equal(kmeans(images, 8, 3, seed=1), kmeans(images, 8, 3, seed=1))


def test_kmeans_stops_once_an_iteration_moves_fewer_images_than_the_tolerance():
    images = read_idx(SAMPLE_MIRROR / "train-images-idx3-ubyte.gz")[:300]
    # The second iteration is the first that can compare; with a tolerance of 1 it always stops there.
    assert torch.equal(kmeans(images, 16, 10, seed=1, tolerance=1.0), kmeans(images, 16, 2, seed=1))
    assert not torch.equal(kmeans(images, 16, 10, seed=1), kmeans(images, 16, 2, seed=1))
