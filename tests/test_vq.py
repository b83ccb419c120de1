"""The vector-quantized family: indices in, images out, codecs like any other."""

import pytest
import torch

from qae.codec.base import load_codec
from qae.codec.codec import Codec
from qae.codec.evaluate import evaluate_points
from qae.evaluate import Scorers
from qae.mnist import read_idx
from qae.models import Autoencoder, AutoencoderConfig, Classifier, autoencoder_checkpoint, autoencoder_from_checkpoint
from qae.params import VQ_QUANTIZERS
from qae.recipes import vector_quantized
from qae.studies.vq import QUANTIZERS
from qae.train import TrainConfig, train_autoencoder
from tests.helpers import SAMPLE_MIRROR

CONFIGS = {
    "vqvae": AutoencoderConfig("deep", 8, "vqvae", {"codebook_size": 32, "dead_code_threshold": 2}),
    "rvq": AutoencoderConfig("deep", 8, "rvq", {"codebooks": 3, "codebook_size": 16}),
    "fsq": AutoencoderConfig("deep", 8, "fsq", {"groups": 2, "levels": [5, 3]}),
}
ONE_EPOCH = TrainConfig(1, 32, 0.001, "bce", "adam", 0.0)


def trained(config: AutoencoderConfig, images: torch.Tensor, seed: int = 0) -> Autoencoder:
    """`config`'s model after one quick epoch on `images`."""
    return train_autoencoder(config, images, ONE_EPOCH, seed, progress=False)[0]


@pytest.fixture(scope="module")
def sample_train() -> dict[str, torch.Tensor]:
    return {"images": read_idx(SAMPLE_MIRROR / "train-images-idx3-ubyte.gz")}


@pytest.fixture(scope="module")
def sample_test() -> dict[str, torch.Tensor]:
    images = read_idx(SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz")[:100]
    return {"images": images, "labels": read_idx(SAMPLE_MIRROR / "t10k-labels-idx1-ubyte.gz")[:100]}


@pytest.fixture(scope="module")
def images(sample_test) -> torch.Tensor:
    return sample_test["images"][:64].unsqueeze(1).float() / 255


@pytest.fixture(scope="module", params=list(CONFIGS))
def model(request, sample_train) -> Autoencoder:
    return trained(CONFIGS[request.param], sample_train["images"][:256])


def test_params_name_the_vq_bottlenecks():
    assert VQ_QUANTIZERS == QUANTIZERS == ("vqvae", "rvq", "fsq")


@pytest.mark.parametrize(("name", "bits"), [("vqvae", 5), ("rvq", 4), ("fsq", 4)])
def test_an_index_has_the_bits_of_its_codebook(name, bits):
    assert Autoencoder(CONFIGS[name]).bottleneck.symbol_bits(None) == bits


def test_codes_are_indices_within_the_codebook(model, images):
    codes = model.encode(images, None)
    bottleneck = model.bottleneck
    assert codes.shape == (len(images), bottleneck.code_dims(None))
    assert codes.dtype == torch.long and int(codes.min()) >= 0 and int(codes.max()) < 2 ** bottleneck.symbol_bits(None)


def test_decoding_the_codes_gives_the_forward_pass(model, images):
    assert torch.allclose(model.decode(model.encode(images, None), None), model(images), atol=1e-5)


def test_encoding_does_not_move_a_codebook(model, images):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    model.bottleneck.to_codes(model.encoder(images), None)
    model.eval()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_a_checkpoint_rebuilds_the_same_model(model, images):
    again = autoencoder_from_checkpoint(autoencoder_checkpoint(model))
    assert again.config == model.config
    assert torch.equal(again.encode(images, None), model.encode(images, None))


def test_a_vq_codec_round_trips_through_a_file(model, images, tmp_path):
    codec = Codec.fit(model, images, None)
    assert codec.table_bits == codec.bits  # indices are labels: a table of every index
    codec.save(tmp_path / "vq.pt")
    loaded = load_codec(tmp_path / "vq.pt", "cpu")
    data = codec.compress(images)
    assert loaded.id == codec.id
    assert torch.equal(loaded.decompress(data), model.decode(model.encode(images, None), None))


@pytest.mark.parametrize("config", [CONFIGS["rvq"], CONFIGS["fsq"]], ids=["rvq", "fsq"])
def test_a_code_of_one_index_decodes(config, images):
    key = "codebooks" if config.bottleneck == "rvq" else "groups"
    model = Autoencoder(AutoencoderConfig(config.arch, config.width, config.bottleneck, {**config.options, key: 1}))
    model.eval()
    assert model.decode(model.encode(images, None), None).shape == (len(images), 1, 28, 28)


def test_only_rvq_offers_shorter_codes(images):
    fsq = Autoencoder(CONFIGS["fsq"]).eval()
    with pytest.raises(ValueError, match="offers the operating points"):
        fsq.encode(images, 1)


def test_training_is_deterministic(sample_train):
    a, b = (trained(CONFIGS["rvq"], sample_train["images"][:128], seed=3) for _ in "ab")
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_training_lowers_the_loss(sample_train):
    train = TrainConfig(3, 32, 0.003, "bce", "adam", 0.0)
    history = train_autoencoder(CONFIGS["fsq"], sample_train["images"][:256], train, 0, progress=False)[1]["history"]
    assert history[-1]["loss"] < history[0]["loss"]


def test_every_rvq_prefix_is_scored(sample_train, sample_test):
    rvq = trained(CONFIGS["rvq"], sample_train["images"][:128])
    scorers = Scorers(Classifier().eval())  # untrained: this checks records, not accuracy
    results = evaluate_points(rvq, scorers, sample_train["images"][:128], sample_test, [1, 2, 3], 0.5, 8)
    records = [r for r, _ in results]
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
    vqvae = {"codebook_size": 64, "dead_code_threshold": 2, "commitment": 0.5}
    assert vector_quantized(params, "vqvae") == AutoencoderConfig("deep", 8, "vqvae", vqvae)
    assert vector_quantized(params, "rvq").options["codebooks"] == 4
    assert vector_quantized(params, "fsq").options == {"groups": 2, "levels": [8, 5, 5, 5]}
