"""SemanticCodec: a cluster index, then the nearest codeword of that cluster, as bytes."""

import pytest
import torch

import qae
from qae.cli import main as qae_main
from qae.codec.base import load_codec
from qae.codec.bitstream import BitstreamError
from qae.codec.semantic import SemanticCodec, assign, draw, refinement_codebooks, refinement_index
from qae.mnist import read_idx
from qae.models import Classifier
from tests.helpers import SAMPLE_MIRROR


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    return read_idx(SAMPLE_MIRROR / "train-images-idx3-ubyte.gz")[:200]


@pytest.fixture(scope="module")
def codec(images) -> SemanticCodec:
    torch.manual_seed(0)
    return SemanticCodec.fit(Classifier(classes=3).eval(), images, refine_bits=3, iterations=2, seed=0)


def test_each_cluster_gets_a_codebook_no_larger_than_its_images(images):
    clusters = torch.tensor([0] * 10 + [1] * 3)
    books = refinement_codebooks(images[:13], clusters, 3, bits=2, iterations=2, seed=0)
    assert [len(b) for b in books] == [4, 3, 1]
    assert all(b.dtype == torch.uint8 for b in books)
    assert torch.equal(books[2], torch.zeros(1, 784, dtype=torch.uint8))  # no images: the blank image


def test_refinement_picks_the_nearest_codeword_of_the_image_s_own_cluster():
    dark, bright = torch.zeros(1, 28, 28, dtype=torch.uint8), torch.full((1, 28, 28), 250, dtype=torch.uint8)
    books = [torch.zeros(1, 784, dtype=torch.uint8), torch.tensor([[128] * 784, [255] * 784], dtype=torch.uint8)]
    # both images sit in cluster 1: the dark one gets cluster 1's darker codeword, not cluster 0's blank
    index = refinement_index(torch.cat([bright, dark]), torch.tensor([1, 1]), books)
    assert index.tolist() == [1, 0]
    drawn = draw(torch.tensor([1, 1, 0]), torch.tensor([1, 0, 0]), books)
    assert drawn.shape == (3, 1, 28, 28) and torch.allclose(drawn[1], torch.full((1, 28, 28), 128 / 255))


def test_a_bitstream_decodes_to_the_indices_it_was_made_from(codec, images):
    codes = codec.encode(images)
    assert codes.shape == (len(images), 2)
    assert torch.equal(codes[:, 0], assign(codec.network, images))
    assert torch.equal(codec.decompress_codes(codec.compress_codes(codes)), codes)


def test_what_the_receiver_draws_is_the_codeword_of_the_sent_indices(codec, images):
    codes = codec.encode(images[:20])
    assert torch.equal(codec.decompress(codec.compress(images[:20])), codec.decode(codes))


def test_the_package_level_compress_and_decompress_take_a_semantic_codec(codec, images):
    data = qae.compress(images[:20], codec)
    assert data == codec.compress(images[:20])
    assert torch.equal(qae.decompress(data, codec), codec.decompress(data))


def test_skewed_clusters_cost_fewer_bits_than_uniform_ones(images):
    network = Classifier(classes=16).eval()
    uniform = SemanticCodec.fit(network, images, 0, 1, 0, clusters=torch.arange(200) % 16)
    skewed = SemanticCodec.fit(network, images, 0, 1, 0, clusters=torch.where(torch.arange(200) % 10 == 0, 5, 0))
    codes = torch.zeros(2000, 2, dtype=torch.long)
    assert len(skewed.compress_codes(codes)) < len(uniform.compress_codes(codes)) / 2


def test_zero_refinement_bits_send_only_the_cluster(images):
    codec = SemanticCodec.fit(Classifier(classes=4).eval(), images, 0, 1, 0)
    data = codec.compress(images)
    assert codec.payload_bits(data)["coded_bits"] == pytest.approx(codec.payload_bits(data)["cluster_bits"] + 32 / 200)
    assert codec.decompress_codes(data)[:, 1].eq(0).all()


def test_a_saved_codec_loads_as_a_codec_and_decodes_alike(codec, images, tmp_path):
    codec.network.meta = {"study": "semantic", "recipe": {"clusters": 3}}
    codec.save(tmp_path / "semantic.pt")
    loaded = load_codec(tmp_path / "semantic.pt", "cpu")
    assert isinstance(loaded, SemanticCodec) and loaded.id == codec.id
    assert loaded.network.meta == codec.network.meta
    data = codec.compress(images[:30])
    assert loaded.compress(images[:30]) == data
    assert torch.equal(loaded.decompress(data), codec.decompress(data))


def test_a_corrupt_bitstream_is_refused_with_a_clear_error(codec, images):
    data = bytearray(codec.compress(images[:30]))
    data[-1] ^= 0xFF
    with pytest.raises(BitstreamError, match="CRC32"):
        codec.decompress(bytes(data))


def test_another_codec_s_bitstream_is_refused(codec, images):
    other = SemanticCodec.fit(codec.network, images, 2, 2, 0)
    with pytest.raises(BitstreamError, match="another codec"):
        codec.decompress(other.compress(images[:5]))


def test_the_qae_command_compresses_and_decompresses_with_a_semantic_codec(codec, tmp_path):
    codec.save(tmp_path / "semantic.pt")
    source = SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz"
    assert (
        qae_main(["compress", "--codec", str(tmp_path / "semantic.pt"), str(source), "-o", str(tmp_path / "t.qae")])
        == 0
    )
    out = tmp_path / "t.idx3-ubyte"
    assert (
        qae_main(["decompress", "--codec", str(tmp_path / "semantic.pt"), str(tmp_path / "t.qae"), "-o", str(out)]) == 0
    )
    decoded = read_idx(out)
    assert decoded.shape == read_idx(source).shape
    assert torch.equal(
        decoded, codec.decompress((tmp_path / "t.qae").read_bytes()).mul(255).round().to(torch.uint8)[:, 0]
    )
