"""Digits drawn the way people draw them (black marker on white, 100x100, PNG and JPEG;
tests/data/make_drawn_digits.py) go through `qae compress` and `qae decompress` with the
codec qae ships and come back as the digits they were."""

import numpy as np
import pytest
import torch
from PIL import Image

from qae.cli import main
from qae.mnist import read_idx
from qae.picture import prepare, read_picture
from tests.helpers import DRAWN, SAMPLE_MIRROR

DRAWINGS = ["seven.png", "seven.jpg", "two.png"]


def round_trip(picture, tmp_path) -> torch.Tensor:
    """The (784,) decoded digit in [0, 1] of `qae compress PICTURE` then `qae decompress`."""
    assert main(["compress", str(picture), "-o", str(tmp_path / "x.qae")]) == 0
    assert main(["decompress", str(tmp_path / "x.qae"), "-o", str(tmp_path / "x.png")]) == 0
    return torch.from_numpy(np.array(Image.open(tmp_path / "x.png"))).flatten().float() / 255


def seen(picture) -> torch.Tensor:
    """The (784,) digit in [0, 1] the codec saw: the picture prepared as MNIST's were."""
    return prepare(read_picture(picture))[0].flatten().float() / 255


@pytest.fixture(scope="module")
def mnist() -> tuple[torch.Tensor, torch.Tensor]:
    """(1000, 784) training digits in [0, 1] of the shipped sample, and their labels."""
    images = read_idx(SAMPLE_MIRROR / "train-images-idx3-ubyte.gz").flatten(1).float() / 255
    return images, read_idx(SAMPLE_MIRROR / "train-labels-idx1-ubyte.gz")


def mse(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(((a - b) ** 2).mean())


@pytest.mark.parametrize("name", DRAWINGS)
def test_a_drawn_digit_decodes_far_closer_to_itself_than_the_mean_digit_is(name, mnist, tmp_path):
    decoded, target = round_trip(DRAWN / name, tmp_path), seen(DRAWN / name)
    mean = mnist[0].mean(0)
    assert mse(decoded, target) < 0.25 * mse(mean, target)  # measured: 0.13 to 0.18 of it
    assert mse(torch.zeros(784), target) > mse(mean, target)  # the blank image is further still


def test_a_drawn_seven_decodes_to_what_mnist_s_sevens_look_like(mnist, tmp_path):
    images, labels = mnist
    decoded = round_trip(DRAWN / "seven.png", tmp_path)
    nearest = labels[((images - decoded) ** 2).sum(1).argsort()[:5]]
    assert (nearest == 7).sum() >= 3  # measured: all 5 of the 5 nearest training digits


def test_the_png_and_the_jpeg_of_one_drawing_decode_alike(tmp_path):
    (tmp_path / "png").mkdir()
    (tmp_path / "jpeg").mkdir()
    png, jpeg = round_trip(DRAWN / "seven.png", tmp_path / "png"), round_trip(DRAWN / "seven.jpg", tmp_path / "jpeg")
    assert mse(png, jpeg) < 0.1 * mse(png, torch.zeros(784))  # measured: the same codes, the same decode
