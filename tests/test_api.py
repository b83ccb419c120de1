"""The public API: load_autoencoder, encode, decode, reconstruct."""

import pytest
import torch

import qae
from qae.io import save_torch
from qae.models import AutoencoderConfig, autoencoder_checkpoint, build_autoencoder


@pytest.fixture
def images() -> torch.Tensor:
    return torch.randint(0, 256, (16, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


@pytest.fixture(params=["corrected", "post"])
def model(request) -> qae.Autoencoder:
    torch.manual_seed(0)
    bottleneck = "posts_rounding" if request.param == "post" else "rounding"
    return build_autoencoder(AutoencoderConfig("linear", 12, bottleneck, recipe=request.param)).eval()


def test_encode_gives_integer_codes_of_the_requested_bits(model, images):
    codes = model.encode(images, 3)
    assert codes.shape == (16, 12) and codes.dtype == torch.int64
    assert int(codes.min()) >= 0 and int(codes.max()) <= 7


def test_decode_of_encode_equals_reconstruct(model, images):
    for bits in (2, 8):
        decoded = model.decode(model.encode(images, bits), bits)
        assert decoded.shape == (16, 1, 28, 28)
        assert torch.allclose(decoded, model.reconstruct(images, bits), atol=1e-6)


def test_uint8_and_float_images_in_either_shape_give_the_same_result(model, images):
    as_float = images.float().div(255).unsqueeze(1)
    assert torch.equal(model.encode(images, 4), model.encode(as_float, 4))
    assert torch.allclose(model.reconstruct(images), model.reconstruct(as_float))


def test_reconstructions_are_images_in_the_unit_interval(model, images):
    out = model.reconstruct(images, None)
    assert out.min() >= 0 and out.max() <= 1


def test_load_autoencoder_rebuilds_the_trained_model(model, images, tmp_path):
    save_torch(tmp_path / "ae.pt", autoencoder_checkpoint(model, history=[]))
    loaded = qae.load_autoencoder(tmp_path / "ae.pt")
    assert loaded.config == model.config
    assert torch.equal(loaded.reconstruct(images, 5), model.reconstruct(images, 5))


def test_load_autoencoder_puts_the_model_on_the_qae_device_by_default(model, tmp_path, monkeypatch):
    save_torch(tmp_path / "ae.pt", autoencoder_checkpoint(model, history=[]))
    monkeypatch.setenv("QAE_DEVICE", "meta")  # a device every machine has, unlike CUDA
    assert qae.load_autoencoder(tmp_path / "ae.pt").device == torch.device("meta")
    assert qae.load_autoencoder(tmp_path / "ae.pt", "cpu").device == torch.device("cpu")


def test_load_autoencoder_refuses_other_files(tmp_path):
    save_torch(tmp_path / "x.pt", {"kind": "classifier", "state_dict": {}})
    with pytest.raises(ValueError, match="not a qae autoencoder checkpoint"):
        qae.load_autoencoder(tmp_path / "x.pt")


def test_post_recipe_uses_only_the_upper_half_of_the_code_range(images):
    """The flaw README describes: ReLU before the sigmoid leaves codes in [0.5, 1)."""
    torch.manual_seed(0)
    post = build_autoencoder(AutoencoderConfig("linear", 32, "posts_rounding", recipe="post")).eval()
    corrected = build_autoencoder(AutoencoderConfig("linear", 32)).eval()
    assert int(post.encode(images, 4).min()) >= 8
    assert int(corrected.encode(images, 4).min()) < 8


@pytest.mark.parametrize("arch", ["lenet", "mlp"])
def test_load_classifier_rebuilds_either_architecture_from_its_checkpoint(arch, images, tmp_path):
    from qae.models import Classifier, classifier_checkpoint, load_classifier

    torch.manual_seed(0)
    net = Classifier(arch=arch).eval()
    save_torch(tmp_path / "c.pt", classifier_checkpoint(net, study="scoring", seed=3))
    loaded = load_classifier(tmp_path / "c.pt", "cpu")
    x = images[:4].float().unsqueeze(1) / 255
    assert loaded.arch == arch and loaded.meta == {"study": "scoring", "seed": 3}
    assert torch.equal(loaded(x), net(x))
