"""MNIST on disk: the IDX format both ways, and post 000's splits."""

import gzip

import pytest
import torch

from qae.mnist import IDXError, idx_bytes, load_mnist, make_splits, parse_idx, read_idx
from tests.helpers import SAMPLE_MIRROR


def test_parse_idx_reads_shape_and_values():
    t = torch.arange(24, dtype=torch.uint8).reshape(2, 3, 4)
    assert torch.equal(parse_idx(idx_bytes(t)), t)


def test_parse_idx_rejects_a_bad_magic_number():
    with pytest.raises(IDXError, match="magic"):
        parse_idx(b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc")


def test_parse_idx_rejects_a_truncated_body():
    data = idx_bytes(torch.zeros(5, 2, dtype=torch.uint8))
    with pytest.raises(IDXError, match="needs"):
        parse_idx(data[:-1])


def test_parse_idx_rejects_non_uint8_elements():
    with pytest.raises(IDXError, match="uint8"):
        parse_idx(b"\x00\x00\x0d\x01" + (1).to_bytes(4, "big") + b"\x00" * 4)


def test_read_idx_reads_gzipped_files(tmp_path):
    t = torch.arange(6, dtype=torch.uint8)
    (tmp_path / "x.gz").write_bytes(gzip.compress(idx_bytes(t)))
    assert torch.equal(read_idx(tmp_path / "x.gz"), t)


@pytest.fixture
def sample_mnist(tmp_path):
    for f in SAMPLE_MIRROR.glob("*.gz"):
        (tmp_path / f.stem).write_bytes(gzip.decompress(f.read_bytes()))
    return load_mnist(tmp_path)


def test_load_mnist_gives_uint8_images_and_labels(sample_mnist):
    assert sample_mnist["train_images"].shape == (1000, 28, 28)
    assert sample_mnist["train_images"].dtype == torch.uint8
    assert sample_mnist["test_labels"].shape == (200,)
    assert int(sample_mnist["train_labels"].max()) == 9


def test_splits_follow_post_000_order(sample_mnist):
    s = make_splits(sample_mnist, 300, 500, 0.2, seed=0)
    assert torch.equal(s["classifier"]["images"], sample_mnist["train_images"][:300])
    assert torch.equal(s["autoencoder"]["images"], sample_mnist["train_images"][300:800])
    assert len(s["test"]["images"]) == 200


def test_validation_index_is_seeded_and_sized(sample_mnist):
    a = make_splits(sample_mnist, 300, 500, 0.2, seed=0)["validation"]["index"]
    b = make_splits(sample_mnist, 300, 500, 0.2, seed=0)["validation"]["index"]
    c = make_splits(sample_mnist, 300, 500, 0.2, seed=1)["validation"]["index"]
    assert len(a) == 100 and len(a.unique()) == 100 and int(a.max()) < 500
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_splits_larger_than_the_data_are_rejected(sample_mnist):
    with pytest.raises(ValueError, match="1000 images"):
        make_splits(sample_mnist, 600, 600, 0.2, seed=0)
