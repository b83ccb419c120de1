import pytest
import torch

from qae.quantize import Bottleneck, EntropyBottleneck, bits_name, from_codes, parse_bits, round_to_bits, to_codes

BITS = [1, 2, 4, 8, 16, 32]


@pytest.fixture
def unit_values() -> torch.Tensor:
    u = torch.rand(10_000, generator=torch.Generator().manual_seed(0))
    return torch.cat([u, torch.tensor([0.0, 1.0, 0.5, 1 - 2**-24])])


@pytest.mark.parametrize("bits", BITS)
def test_codes_are_integers_in_range(unit_values, bits):
    codes = to_codes(unit_values, bits)
    assert codes.dtype == torch.int64
    assert codes.min() >= 0 and codes.max() <= 2**bits - 1


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_round_to_bits_gives_at_most_2_to_the_bits_levels(unit_values, bits):
    for midpoint in (True, False):
        assert len(round_to_bits(unit_values, bits, midpoint).unique()) <= 2**bits


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_uniform_values_use_every_level(bits):
    u = (torch.arange(2**bits) + 0.5) / 2**bits
    assert len(to_codes(u, bits).unique()) == 2**bits


@pytest.mark.parametrize("bits", BITS)
def test_round_to_bits_is_idempotent(unit_values, bits):
    for midpoint in (True, False):
        once = round_to_bits(unit_values, bits, midpoint)
        assert torch.equal(round_to_bits(once, bits, midpoint), once)


@pytest.mark.parametrize("bits", [1, 2, 4, 8, 16])
def test_midpoint_error_is_at_most_half_a_step(unit_values, bits):
    error = (round_to_bits(unit_values, bits, midpoint=True) - unit_values).abs()
    assert error.max() <= 0.5 / 2**bits + 1e-7


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_post_quantizer_rounds_down_by_less_than_a_step(unit_values, bits):
    error = unit_values - round_to_bits(unit_values, bits, midpoint=False)
    assert error.min() >= 0
    assert error[unit_values < 1].max() < 1 / 2**bits


def test_32_bit_codes_are_exact_integers_of_the_float64_value():
    u = torch.tensor([0.25, 2**-30, 0.999999])
    assert to_codes(u, 32).tolist() == [int(v * 2**32) for v in u.double().tolist()]


def test_from_codes_inverts_to_codes_on_bin_centres():
    bits = 3
    codes = torch.arange(2**bits)
    assert torch.equal(to_codes(from_codes(codes, bits), bits), codes)


def test_unquantized_codes_pass_unchanged_when_calibrated():
    z = torch.linspace(-20, 20, 101)
    assert torch.equal(Bottleneck(1, calibrated=True)(z[:, None]), z[:, None])


def test_the_posts_bottleneck_clamps_unquantized_codes():
    z = torch.linspace(-20, 20, 101)[:, None]
    out = Bottleneck(1, midpoint=False, calibrated=False)(z)
    assert torch.allclose(out, z.clamp(-6.9068, 6.9068), atol=1e-3)


def test_the_posts_clamp_kills_the_gradient_of_saturated_codes():
    z = torch.tensor([[0.5], [8.0], [-9.0]], requires_grad=True)
    Bottleneck(1, midpoint=False, calibrated=False)(z).sum().backward()
    assert z.grad[0] > 0.9 and z.grad[1] == 0 and z.grad[2] == 0


def test_bottleneck_with_bits_matches_codes_round_trip():
    b = Bottleneck(8)
    z = torch.randn(64, 8, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(b(z, 4), b.from_codes(b.to_codes(z, 4), 4))


def test_fit_range_spreads_gaussian_codes_evenly_over_the_levels():
    g = torch.Generator().manual_seed(0)
    codes = 5 + 30 * torch.randn(20_000, 3, generator=g)  # far outside the sigmoid's range
    b = Bottleneck(3)
    b.fit_range(codes)
    counts = torch.bincount(b.to_codes(codes, 2).flatten(), minlength=4) / codes.numel()
    assert torch.allclose(counts, torch.full((4,), 0.25), atol=0.02)
    uncalibrated = torch.bincount(Bottleneck(3).to_codes(codes, 2).flatten(), minlength=4) / codes.numel()
    assert uncalibrated[1:3].sum() < 0.1  # most codes saturate at the two extreme levels


def test_quantization_aware_training_rounds_in_the_forward_pass():
    bottleneck = Bottleneck(3, qat_bits=2).train()
    z = torch.randn(500, 3, generator=torch.Generator().manual_seed(0))
    out = bottleneck(z)
    assert all(len(out[:, j].unique()) <= 4 for j in range(3))


def test_the_straight_through_gradient_flows_to_the_code():
    z = torch.randn(64, 4, generator=torch.Generator().manual_seed(0)).requires_grad_()
    Bottleneck(4, qat_bits=2).train()(z).pow(2).sum().backward()
    assert z.grad is not None and (z.grad != 0).float().mean() > 0.9


def test_quantization_aware_noise_stays_within_one_step():
    torch.manual_seed(0)
    bottleneck = Bottleneck(2, qat_bits=3, qat_noise=True).train()
    z = torch.randn(1000, 2, generator=torch.Generator().manual_seed(1))
    noisy, clean = bottleneck(z), z
    u = lambda v: torch.sigmoid((v - z.mean(0)) / (z.std(0) / 1.702))  # noqa: E731
    assert (u(noisy) - u(clean)).abs().max() <= 0.5 / 8 + 1e-4
    assert not torch.equal(noisy, clean)


def test_quantization_aware_codes_stay_spread_whatever_their_scale():
    # Codes far out in the saturated range of a plain sigmoid still use every level.
    z = 50 + 20 * torch.randn(2000, 2, generator=torch.Generator().manual_seed(0))
    bottleneck = Bottleneck(2, qat_bits=2).train()
    out = bottleneck(z)
    assert all(len(out[:, j].unique()) == 4 for j in range(2))


def test_evaluation_mode_ignores_the_training_quantizer():
    bottleneck = Bottleneck(2, qat_bits=1).eval()
    z = torch.randn(10, 2)
    assert torch.equal(bottleneck(z), z)


def test_quantization_aware_training_refuses_the_posts_bottleneck():
    with pytest.raises(ValueError, match="calibrated"):
        Bottleneck(2, midpoint=False, calibrated=False, qat_bits=2)


def test_the_entropy_bottleneck_rounds_to_integers_with_a_straight_through_gradient():
    z = (3 * torch.randn(100, 4, generator=torch.Generator().manual_seed(0))).requires_grad_()
    out = EntropyBottleneck(4).train()(z)
    assert torch.equal(out, torch.round(z.detach()))
    out.sum().backward()
    assert torch.equal(z.grad, torch.ones_like(z))


def test_entropy_codes_round_trip_within_their_range():
    bottleneck = EntropyBottleneck(3).eval()
    z = torch.tensor([[-2.4, 0.2, 7.6], [300.0, -300.0, 0.0]])
    codes = bottleneck.to_codes(z, bits=8)
    assert codes.min() >= 0 and codes.max() <= 255
    assert bottleneck.from_codes(codes, bits=8).tolist() == [[-2, 0, 8], [127, -128, 0]]


def test_the_rate_grows_with_the_distance_from_zero():
    torch.manual_seed(0)
    bottleneck = EntropyBottleneck(2)
    near, far = torch.zeros(1000, 2), torch.full((1000, 2), 6.0)
    assert bottleneck.rate_bits(near).mean() + 10 < bottleneck.rate_bits(far).mean()


def test_a_rate_level_of_a_variable_rate_bottleneck_is_a_bottleneck_of_its_own():
    bottleneck = EntropyBottleneck(3, levels=2).eval()
    with torch.no_grad():
        bottleneck.gain[1] = 2.0
        bottleneck.inv_gain[1] = 0.5
    z = torch.tensor([[1.2, -0.7, 3.1]])
    with pytest.raises(ValueError, match="at_level"):
        bottleneck.to_codes(z, bits=8)
    second = bottleneck.at_level(1)
    codes = second.to_codes(z, bits=8)
    assert (codes - 128).tolist() == [[2, -1, 6]]  # round(2z)
    assert second.from_codes(codes, bits=8).tolist() == [[1.0, -0.5, 3.0]]  # integers x 0.5
    assert torch.equal(second(z, bits=8), bottleneck(z, bits=8, level=1))


@pytest.mark.parametrize(("given", "expected"), [(8, 8), ("8", 8), ("fp32", None), (32, 32)])
def test_parse_bits_reads_params_and_command_lines(given, expected):
    assert parse_bits(given) == expected
    assert parse_bits(bits_name(expected)) == expected


@pytest.mark.parametrize("bad", ["0", 33, "fp16", True])
def test_parse_bits_rejects_what_is_no_bits_level(bad):
    with pytest.raises(ValueError, match=r"bits must be an integer in 1\.\.32 or 'fp32'"):
        parse_bits(bad)
