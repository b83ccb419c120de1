import pytest
import torch

from qae.corrupt import gaussian_noise, occlude
from qae.studies.conv import training_corruption


def test_gaussian_noise_has_the_requested_std():
    x = torch.full((200, 1, 28, 28), 0.5)
    noisy = gaussian_noise(x, 0.3, torch.Generator().manual_seed(0))
    assert (noisy - x).std().item() == pytest.approx(0.3, rel=0.01)
    assert (noisy - x).mean().item() == pytest.approx(0.0, abs=0.005)


def test_zero_noise_is_the_identity():
    x = torch.rand(3, 1, 28, 28)
    assert torch.equal(gaussian_noise(x, 0.0, torch.Generator()), x)


@pytest.mark.parametrize("size", [1, 7, 28])
def test_occlusion_blanks_exactly_a_square_of_the_given_side(size):
    x = torch.ones(50, 1, 28, 28)
    out = occlude(x, size, torch.Generator().manual_seed(0))
    assert ((out == 0).sum(dim=(1, 2, 3)) == size * size).all()
    rows = (out[:, 0] == 0).any(dim=2).sum(dim=1)
    assert (rows == size).all()  # one square, not scattered pixels


def test_occlusion_positions_vary_and_follow_the_seed():
    x = torch.ones(50, 1, 28, 28)
    a = occlude(x, 5, torch.Generator().manual_seed(1))
    b = occlude(x, 5, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    assert len({tuple((m[0] == 0).nonzero()[0].tolist()) for m in a}) > 10


def test_a_patch_larger_than_the_image_is_rejected():
    with pytest.raises(ValueError, match="larger than"):
        occlude(torch.ones(1, 1, 28, 28), 29, torch.Generator())


def test_both_corruptions_occlude_then_add_noise():
    x = torch.ones(4, 1, 28, 28)
    out = training_corruption("both", 0.1, 6)(x, torch.Generator().manual_seed(0))
    assert (out - x).abs().min() > 0  # noise everywhere
    assert ((out < 0.6).sum(dim=(1, 2, 3)) >= 30).all()  # and a blanked square
