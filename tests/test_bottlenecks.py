"""The bottlenecks keep one contract (qae.bottlenecks.base): every registered one trains in
the one loop, makes a codec, and survives a bitstream; and each does what its method says."""

import pytest
import torch

from qae.bottlenecks.base import BOTTLENECKS, bottleneck_class, build_bottleneck
from qae.codec.base import load_codec
from qae.codec.codec import Codec
from qae.mnist import read_idx
from qae.models import AutoencoderConfig, autoencoder_checkpoint, autoencoder_from_checkpoint, build_autoencoder
from qae.train import TrainConfig, train_autoencoder
from tests.helpers import SAMPLE_MIRROR

# One small model per registered bottleneck: what its params section would give.
CONFIGS = {
    "rounding": AutoencoderConfig("linear", 6),
    "posts_rounding": AutoencoderConfig("linear", 6, "posts_rounding", recipe="post"),
    "quantization_aware": AutoencoderConfig("linear", 6, "quantization_aware", {"bits": 2, "noise": False}),
    "rate_distortion": AutoencoderConfig("deepconv", 6, "rate_distortion", {"rate_weights": [0.5, 0.25]}),
    "vqvae": AutoencoderConfig("deep", 8, "vqvae", {"codebook_size": 16, "dead_code_threshold": 2}),
    "rvq": AutoencoderConfig("deep", 8, "rvq", {"codebooks": 3, "codebook_size": 16}),
    "fsq": AutoencoderConfig("deep", 8, "fsq", {"groups": 2, "levels": [4, 4]}),
}


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    return read_idx(SAMPLE_MIRROR / "train-images-idx3-ubyte.gz")[:256]


def test_every_registered_bottleneck_has_a_test_model():
    assert set(CONFIGS) == set(BOTTLENECKS)


@pytest.mark.parametrize("name", sorted(BOTTLENECKS))
def test_every_bottleneck_trains_codes_and_decodes_through_a_bitstream(name, digits, tmp_path):
    train = TrainConfig(1, 64, 1e-3, "bce", "adam", 0.0)
    model, _ = train_autoencoder(CONFIGS[name], digits, train, seed=0, progress=False)
    for point in model.bottleneck.points[:2] + model.bottleneck.points[-1:]:
        codec = Codec.fit(model, digits, point)
        codec.save(tmp_path / "codec.pt")
        data = codec.compress(digits[:16])
        assert torch.equal(
            load_codec(tmp_path / "codec.pt", "cpu").decompress(data), codec.decode(codec.encode(digits[:16]))
        )


@pytest.mark.parametrize("name", sorted(BOTTLENECKS))
def test_a_checkpoint_rebuilds_every_bottleneck_with_its_options(name):
    torch.manual_seed(0)
    built = build_autoencoder(CONFIGS[name])
    rebuilt = autoencoder_from_checkpoint(autoencoder_checkpoint(built, study="test"))
    assert type(rebuilt.bottleneck) is bottleneck_class(name)
    assert rebuilt.bottleneck.options == built.bottleneck.options
    assert all(torch.equal(v, rebuilt.state_dict()[k]) for k, v in built.state_dict().items())
    assert rebuilt.meta == {"study": "test"}


def test_an_unknown_bottleneck_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown bottleneck 'rouding'; one of rounding"):
        build_bottleneck("rouding", 4)


def test_a_point_the_bottleneck_does_not_offer_is_refused():
    model_config = CONFIGS["rate_distortion"]
    bottleneck = build_bottleneck(model_config.bottleneck, 6, model_config.options)
    with pytest.raises(ValueError, match="offers the operating points"):
        bottleneck.check(2)


# Rounding (corrected), and as the posts wrote it
def rounding(width: int):
    return build_bottleneck("rounding", width)


def test_unquantized_codes_pass_unchanged_when_calibrated():
    z = torch.linspace(-20, 20, 101)[:, None]
    assert torch.equal(rounding(1).quantize(z, None), z)
    assert torch.equal(rounding(1)(z)[0], z)


def test_the_posts_rounding_clamps_unquantized_codes():
    z = torch.linspace(-20, 20, 101)[:, None]
    out, _ = build_bottleneck("posts_rounding", 1)(z)
    assert torch.allclose(out, z.clamp(-6.9068, 6.9068), atol=1e-3)


def test_the_posts_clamp_kills_the_gradient_of_saturated_codes():
    z = torch.tensor([[0.5], [8.0], [-9.0]], requires_grad=True)
    build_bottleneck("posts_rounding", 1)(z)[0].sum().backward()
    assert z.grad[0] > 0.9 and z.grad[1] == 0 and z.grad[2] == 0


def test_the_posts_rounding_decodes_to_the_bin_edge_and_the_corrected_to_its_centre():
    codes = torch.tensor([[0, 1, 2, 3]])
    posts = torch.sigmoid(build_bottleneck("posts_rounding", 4).from_codes(codes, 2))
    corrected = torch.sigmoid(rounding(4).from_codes(codes, 2))
    assert torch.allclose(posts, torch.tensor([[0.001, 0.25, 0.5, 0.75]]), atol=1e-3)
    assert torch.allclose(corrected, torch.tensor([[0.125, 0.375, 0.625, 0.875]]), atol=1e-6)


def test_quantizing_at_bits_is_the_codes_round_trip():
    b = rounding(8)
    z = torch.randn(64, 8, generator=torch.Generator().manual_seed(1))
    assert torch.equal(b.quantize(z, 4), b.from_codes(b.to_codes(z, 4), 4))


def test_calibration_spreads_gaussian_codes_evenly_over_the_levels():
    codes = 5 + 30 * torch.randn(20_000, 3, generator=torch.Generator().manual_seed(0))  # far outside the sigmoid
    b = rounding(3)
    b.after_training(lambda: codes)
    counts = torch.bincount(b.to_codes(codes, 2).flatten(), minlength=4) / codes.numel()
    assert torch.allclose(counts, torch.full((4,), 0.25), atol=0.02)
    uncalibrated = torch.bincount(rounding(3).to_codes(codes, 2).flatten(), minlength=4) / codes.numel()
    assert uncalibrated[1:3].sum() < 0.1  # most codes saturate at the two extreme levels


def test_the_posts_rounding_is_never_calibrated():
    b = build_bottleneck("posts_rounding", 3)
    b.after_training(lambda: 5 + torch.randn(100, 3))
    assert torch.equal(b.scale, torch.ones(3)) and torch.equal(b.center, torch.zeros(3))


# Quantization-aware training
def quantization_aware(width: int, bits: int, noise: bool = False):
    return build_bottleneck("quantization_aware", width, {"bits": bits, "noise": noise}).train()


def test_quantization_aware_training_rounds_in_the_forward_pass():
    out, _ = quantization_aware(3, 2)(torch.randn(500, 3, generator=torch.Generator().manual_seed(0)))
    assert all(len(out[:, j].unique()) <= 4 for j in range(3))


def test_the_straight_through_gradient_flows_to_the_code():
    z = torch.randn(64, 4, generator=torch.Generator().manual_seed(0)).requires_grad_()
    quantization_aware(4, 2)(z)[0].pow(2).sum().backward()
    assert z.grad is not None and (z.grad != 0).float().mean() > 0.9


def test_quantization_aware_noise_stays_within_one_step():
    torch.manual_seed(0)
    z = torch.randn(1000, 2, generator=torch.Generator().manual_seed(1))
    noisy, _ = quantization_aware(2, 3, noise=True)(z)
    u = lambda v: torch.sigmoid((v - z.mean(0)) / (z.std(0) / 1.702))  # noqa: E731
    assert (u(noisy) - u(z)).abs().max() <= 0.5 / 8 + 1e-4
    assert not torch.equal(noisy, z)


def test_quantization_aware_codes_stay_spread_whatever_their_scale():
    # Codes far out in the saturated range of a plain sigmoid still use every level.
    z = 50 + 20 * torch.randn(2000, 2, generator=torch.Generator().manual_seed(0))
    out, _ = quantization_aware(2, 2)(z)
    assert all(len(out[:, j].unique()) == 4 for j in range(2))


def test_evaluation_ignores_the_training_quantizer():
    z = torch.randn(10, 2)
    assert torch.equal(quantization_aware(2, 1).eval().quantize(z, None), z)


# Rate-distortion
def rate_distortion(width: int, weights: list[float]):
    return build_bottleneck("rate_distortion", width, {"rate_weights": weights})


def test_rate_distortion_rounds_to_integers_with_a_straight_through_gradient():
    z = (3 * torch.randn(100, 4, generator=torch.Generator().manual_seed(0))).requires_grad_()
    out, _ = rate_distortion(4, [1.0]).train()(z, torch.Generator().manual_seed(0))
    assert torch.equal(out, torch.round(z.detach()))
    out.sum().backward()
    assert torch.equal(z.grad, torch.ones_like(z))


def test_rate_distortion_codes_round_trip_within_their_range():
    bottleneck = rate_distortion(3, [1.0]).eval()
    z = torch.tensor([[-2.4, 0.2, 7.6], [300.0, -300.0, 0.0]])
    codes = bottleneck.to_codes(z, 0)
    assert codes.min() >= 0 and codes.max() <= 255
    assert bottleneck.from_codes(codes, 0).tolist() == [[-2, 0, 8], [127, -128, 0]]


def test_the_rate_grows_with_the_distance_from_zero():
    torch.manual_seed(0)
    bottleneck = rate_distortion(2, [1.0])
    near, far = torch.zeros(1000, 2), torch.full((1000, 2), 6.0)
    assert bottleneck.rate_bits(near).mean() + 10 < bottleneck.rate_bits(far).mean()


def test_each_rate_level_is_an_operating_point_with_its_own_gains():
    bottleneck = rate_distortion(3, [1.0, 0.5]).eval()
    with torch.no_grad():
        bottleneck.gain[1] = 2.0
        bottleneck.inv_gain[1] = 0.5
    z = torch.tensor([[1.2, -0.7, 3.1]])
    codes = bottleneck.to_codes(z, 1)
    assert (codes - 128).tolist() == [[2, -1, 6]]  # round(2z)
    assert bottleneck.from_codes(codes, 1).tolist() == [[1.0, -0.5, 3.0]]  # integers x 0.5
    assert bottleneck.describe(1) == {"dims": 3, "bits": 8, "level": 1, "rate_weight": 0.5}


def test_the_auxiliary_loss_is_the_weighted_rate_per_pixel():
    bottleneck = rate_distortion(2, [2.0])
    z = torch.zeros(10, 2)
    torch.manual_seed(0)
    _, rate = bottleneck(z, torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    assert torch.allclose(rate, 2.0 * bottleneck.rate_bits(z).mean() / 784)


# The vector-quantized family
def test_a_residual_vq_prefix_is_the_first_indices_of_the_whole_code(digits):
    train = TrainConfig(1, 64, 1e-3, "bce", "adam", 0.0)
    model, _ = train_autoencoder(CONFIGS["rvq"], digits, train, seed=0, progress=False)
    whole = model.encode(digits, None)
    assert whole.shape == (len(digits), 3) and model.bottleneck.nested
    assert torch.equal(model.encode(digits, 2), whole[:, :2])


def test_vq_indices_are_labels_and_fsq_needs_no_start():
    assert not bottleneck_class("vqvae").ordered and bottleneck_class("fsq").start_images == 0
    assert bottleneck_class("vqvae").start_images > 0


def test_the_vq_codes_count_the_index_bits():
    fsq = build_bottleneck("fsq", 8, {"groups": 3, "levels": [8, 5, 5, 5]})
    assert (fsq.code_dims(None), fsq.symbol_bits(None)) == (3, 10)  # 1000 codes -> 10 bits per index
    vqvae = build_bottleneck("vqvae", 8, {"codebook_size": 4096})
    assert (vqvae.code_dims(None), vqvae.symbol_bits(None)) == (1, 12)
