"""The vector-quantized family: indices in, images out, codecs like any other."""

from dataclasses import replace

import pytest
import torch

from qae.codec.codec import Codec, load_codec
from qae.mnist import read_idx
from qae.models import Classifier
from qae.params import VQ_QUANTIZERS
from qae.studies.vq import evaluate_vq, vq_config
from qae.train import TrainConfig
from qae.vq.models import QUANTIZERS, VQAutoencoder, VQConfig, vq_checkpoint, vq_from_checkpoint
from qae.vq.train import train_vq_autoencoder
from tests.helpers import SAMPLE_MIRROR

CONFIGS = {
    "vqvae": VQConfig("deep", "vqvae", 8, 1, codebook_size=32, dead_code_threshold=2),
    "rvq": VQConfig("deep", "rvq", 8, 3, codebook_size=16),
    "fsq": VQConfig("deep", "fsq", 8, 2, levels=(5, 3)),
}
ONE_EPOCH = TrainConfig(1, 32, 0.001, "bce", "adam", 0.0)


def trained(name: str, images: torch.Tensor, seed: int = 0) -> VQAutoencoder:
    """CONFIGS[name] after one quick epoch on `images`."""
    return train_vq_autoencoder(CONFIGS[name], images, ONE_EPOCH, seed, progress=False)[0]


@pytest.fixture(scope="module")
def sample_train() -> dict[str, torch.Tensor]:
    return {"images": read_idx(SAMPLE_MIRROR / "train-images-idx3-ubyte.gz")}


@pytest.fixture(scope="module")
def sample_test() -> dict[str, torch.Tensor]:
    images = read_idx(SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz")[:100]
    return {"images": images, "labels": read_idx(SAMPLE_MIRROR / "t10k-labels-idx1-ubyte.gz")[:100]}


@pytest.fixture(scope="module")
def sample_classifier() -> Classifier:
    return Classifier().eval()  # untrained: these tests check records, not accuracy


@pytest.fixture(scope="module")
def images(sample_test) -> torch.Tensor:
    return sample_test["images"][:64].unsqueeze(1).float() / 255


@pytest.fixture(scope="module", params=list(CONFIGS))
def model(request, sample_train) -> VQAutoencoder:
    return trained(request.param, sample_train["images"][:256])


def test_params_name_the_library_s_quantizers():
    assert VQ_QUANTIZERS == QUANTIZERS


@pytest.mark.parametrize(("name", "bits"), [("vqvae", 5), ("rvq", 4), ("fsq", 4)])
def test_an_index_has_the_bits_of_its_codebook(name, bits):
    assert CONFIGS[name].bits == bits


def test_codes_are_dims_indices_within_the_codebook(model, images):
    codes = model.encode(images)
    assert codes.shape == (len(images), model.config.dims)
    assert codes.dtype == torch.long and int(codes.min()) >= 0 and int(codes.max()) < 2**model.config.bits


def test_decoding_the_codes_gives_the_forward_pass(model, images):
    assert torch.allclose(model.decode(model.encode(images)), model(images), atol=1e-5)


def test_encoding_does_not_move_a_codebook(model, images):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    model.bottleneck.to_codes(model.encoder(images))
    model.eval()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_a_checkpoint_rebuilds_the_same_model(model, images):
    again = vq_from_checkpoint(vq_checkpoint(model))
    assert again.config == model.config
    assert torch.equal(again.encode(images), model.encode(images))


def test_a_checkpoint_of_another_kind_is_refused(model):
    with pytest.raises(ValueError, match="not a VQ autoencoder"):
        vq_from_checkpoint({**vq_checkpoint(model), "kind": "autoencoder"})


def test_a_vq_codec_round_trips_through_a_file(model, images, tmp_path):
    codec = Codec.fit(model, images, model.config.bits, table_bits=model.config.bits)
    codec.save(tmp_path / "vq.pt")
    loaded = load_codec(tmp_path / "vq.pt", "cpu")
    data = codec.compress(images)
    assert loaded.id == codec.id
    assert torch.equal(loaded.decompress(data), model.decode(model.encode(images)))


def test_an_rvq_prefix_sends_the_first_indices_of_the_whole_code(sample_train, images):
    rvq = trained("rvq", sample_train["images"][:64])
    assert torch.equal(rvq.truncated(2).encode(images), rvq.encode(images)[:, :2])


@pytest.mark.parametrize("name", ["fsq", "rvq"])
def test_a_code_of_one_index_decodes(name, images):
    model = VQAutoencoder(replace(CONFIGS[name], dims=1)).eval()
    assert model.decode(model.encode(images)).shape == (len(images), 1, 28, 28)


def test_only_rvq_truncates(images):
    with pytest.raises(ValueError, match="only an rvq model"):
        VQAutoencoder(CONFIGS["fsq"]).truncated(1)


def test_a_vqvae_sends_one_index():
    with pytest.raises(ValueError, match="one index per image"):
        VQAutoencoder(VQConfig("deep", "vqvae", 8, 2, codebook_size=16))


def test_training_is_deterministic(sample_train):
    a, b = (trained("rvq", sample_train["images"][:128], seed=3) for _ in "ab")
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_training_lowers_the_loss(sample_train):
    train = TrainConfig(3, 32, 0.003, "bce", "adam", 0.0)
    history = train_vq_autoencoder(CONFIGS["fsq"], sample_train["images"][:256], train, 0, progress=False)[1]["history"]
    assert history[-1]["loss"] < history[0]["loss"]


def test_every_rvq_prefix_is_scored(sample_train, sample_test, sample_classifier):
    rvq = trained("rvq", sample_train["images"][:128])
    records = [r for r, _ in evaluate_vq(rvq, sample_classifier, sample_train["images"][:128], sample_test, 0.5)]
    assert [r["dims"] for r in records] == [1, 2, 3]
    assert all(r["coded_bits"] <= r["total_bits"] + 1 for r in records)
    assert [r["total_bits"] for r in records] == [4, 8, 12]


def test_params_build_each_quantizer_s_model():
    params = {
        "arch": "deep",
        "width": 8,
        "commitment": 0.5,
        "vqvae": {"codebook_size": 64, "dead_code_threshold": 2},
        "rvq": {"codebooks": 4, "codebook_size": 16, "dead_code_threshold": 0},
        "fsq": {"groups": 2, "levels": [8, 5, 5, 5]},
    }
    assert vq_config(params, "vqvae") == VQConfig("deep", "vqvae", 8, 1, 64, (), 0.5, 2)
    assert vq_config(params, "rvq").dims == 4
    assert vq_config(params, "fsq").levels == (8, 5, 5, 5)
