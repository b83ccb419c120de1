"""Pictures of digits prepared as MNIST's were: inverted if dark on light, fitted to
20x20 with the aspect ratio kept, centred by the centre of mass in 28x28."""

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from qae.mnist import read_idx
from qae.picture import PictureError, prepare, read_picture
from tests.helpers import DRAWN, SAMPLE_MIRROR


@pytest.fixture(scope="module")
def seven() -> Image.Image:
    """The drawn seven: black ink on white, 100x100, grayscale."""
    return read_picture(DRAWN / "seven.png")


@pytest.fixture(scope="module")
def prepared_seven(seven) -> torch.Tensor:
    return prepare(seven)[0]


def centre_of_mass(image: torch.Tensor) -> tuple[float, float]:
    mass = image.double()
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    return float((mass * ys).sum() / mass.sum()), float((mass * xs).sum() / mass.sum())


def bounding_box(image: torch.Tensor) -> tuple[int, int]:
    """(width, height) of the nonzero pixels."""
    rows, cols = image.any(1).nonzero(), image.any(0).nonzero()
    return int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


def rectangle(size: tuple[int, int], box: tuple[int, int, int, int], ink: int = 0, paper: int = 255) -> Image.Image:
    picture = Image.new("L", size, paper)
    ImageDraw.Draw(picture).rectangle(box, fill=ink)
    return picture


def test_dark_ink_on_light_paper_is_inverted(prepared_seven, seven):
    assert prepare(seven)[1].inverted
    assert prepared_seven[0].eq(0).all() and prepared_seven.max() == 255  # black paper, white ink


def test_light_ink_on_dark_paper_is_kept(seven):
    image, done = prepare(Image.eval(seven, lambda v: 255 - v))
    assert not done.inverted
    assert torch.equal(image, prepare(seven)[0])


def test_the_digit_fits_a_20_pixel_box_keeping_its_aspect_ratio():
    image, done = prepare(rectangle((200, 200), (40, 30, 69, 149)))  # a 30x120 bar
    assert done.ink == (30, 120) and done.fitted == (5, 20)
    assert bounding_box(image) == (5, 20)


def test_the_centre_of_mass_lands_on_pixel_14_14_as_in_mnist():
    picture = rectangle((150, 90), (100, 5, 140, 40))  # far from the picture's centre
    picture.paste(0, (100, 40, 110, 80))  # an L: the centre of mass is not the box's centre
    cy, cx = centre_of_mass(prepare(picture)[0])
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_the_centre_of_mass_is_where_mnist_digits_have_theirs():
    cy, cx = centre_of_mass(read_idx(SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz")[:200].float().mean(0))
    assert abs(cy - 14) < 0.1 and abs(cx - 14) < 0.1


def test_a_28x28_mnist_digit_is_taken_as_it_is():
    digit = read_idx(SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz")[0]
    image, done = prepare(Image.fromarray(digit.numpy(), "L"))
    assert done.as_is
    assert torch.equal(image, digit)


def test_a_blank_picture_holds_no_digit():
    with pytest.raises(PictureError, match="no digit"):
        prepare(Image.new("RGB", (64, 64), (250, 250, 250)))


def test_jpeg_noise_around_the_strokes_counts_as_paper():
    image, done = prepare(read_picture(DRAWN / "seven.jpg"))
    assert bounding_box(image) == done.fitted == (17, 20)  # no speckle beyond the digit's box


VARIANTS = {
    "RGB": lambda p: p.convert("RGB"),
    "RGBA, opaque": lambda p: p.convert("RGBA"),
    "RGBA, ink on a transparent canvas": lambda p: Image.merge(
        "RGBA", [Image.new("L", p.size, 0)] * 3 + [p.point(lambda v: 255 - v)]
    ),
    "LA": lambda p: p.convert("LA"),
    "palette": lambda p: p.convert("P"),
    "1-bit": lambda p: p.convert("1"),
    "16-bit": lambda p: Image.fromarray(np.asarray(p).astype(np.uint16) * 257),
    "112x112": lambda p: p.resize((112, 112), Image.Resampling.LANCZOS),
    "2000x2000": lambda p: p.resize((2000, 2000), Image.Resampling.BICUBIC),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_any_mode_and_size_of_a_picture_gives_the_same_digit(variant, seven, prepared_seven):
    image, _ = prepare(VARIANTS[variant](seven))
    assert (image.float() - prepared_seven.float()).abs().mean() < 6  # of 255: rounding, dithering, resampling


def test_a_transparent_canvas_is_flattened_onto_the_colour_the_ink_is_not(seven):
    _, done = prepare(VARIANTS["RGBA, ink on a transparent canvas"](seven))
    assert done.flattened_onto == "white" and done.inverted


def test_the_description_says_what_was_done():
    _, done = prepare(read_picture(DRAWN / "seven.jpg"))
    assert done.describe() == (
        "100x100 RGB JPEG: grayscale, inverted (dark on light), digit 62x73 fitted to 17x20, "
        "centred by its centre of mass in 28x28"
    )


def test_a_truncated_picture_is_refused(tmp_path):
    data = (DRAWN / "seven.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(PictureError, match="corrupt or truncated"):
        read_picture(tmp_path / "cut.png")
