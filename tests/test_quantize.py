import pytest
import torch

from qae.quantize import bits_name, from_codes, index_bits, parse_bits, round_to_bits, to_codes

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


@pytest.mark.parametrize(("given", "expected"), [(8, 8), ("8", 8), ("fp32", None), (32, 32)])
def test_parse_bits_reads_params_and_command_lines(given, expected):
    assert parse_bits(given) == expected
    assert parse_bits(bits_name(expected)) == expected


@pytest.mark.parametrize("bad", ["0", 33, "fp16", True])
def test_parse_bits_rejects_what_is_no_bits_level(bad):
    with pytest.raises(ValueError, match=r"bits must be an integer in 1\.\.32 or 'fp32'"):
        parse_bits(bad)


@pytest.mark.parametrize(("count", "bits"), [(1, 1), (2, 1), (3, 2), (10, 4), (256, 8), (257, 9)])
def test_an_index_takes_the_fewest_bits_that_name_every_value(count, bits):
    assert index_bits(count) == bits
