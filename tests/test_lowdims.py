import pytest
import torch

from qae.models import Autoencoder, AutoencoderConfig
from qae.studies.lowdims import mean_image, mean_image_loss, saturation, start_at, train_mlp


@pytest.fixture(autouse=True)
def one_thread():
    """A 784-100-3 MLP is too small to share between threads: one is faster, above all on a busy CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def strokes() -> torch.Tensor:
    """512 synthetic 'digits': a bright bar at one of 16 positions, rows or columns."""
    g = torch.Generator().manual_seed(0)
    images = torch.zeros(512, 28, 28, dtype=torch.uint8)
    pos, vertical = torch.randint(4, 24, (512,), generator=g), torch.randint(0, 2, (512,), generator=g)
    for i, (p, v) in enumerate(zip(pos.tolist(), vertical.tolist(), strict=True)):
        if v:
            images[i, 4:24, p - 1 : p + 2] = 255
        else:
            images[i, p - 1 : p + 2, 4:24] = 255
    return images


def test_the_mean_image_loss_is_the_pixel_variance():
    images = torch.full((2, 28, 28), 255, dtype=torch.uint8)
    images[0, :, :14] = 0
    assert mean_image_loss(images) == pytest.approx(0.125)  # half the pixels differ by 1: variance 0.25


def test_starting_at_an_image_makes_the_untrained_decoder_draw_it():
    model = Autoencoder(AutoencoderConfig("mlp", 3))
    image = torch.rand(1, 28, 28) * 0.9 + 0.05
    start_at(model, image)
    with torch.no_grad():
        model.decoder[2].weight.zero_()  # whatever the code: the output is the bias
    assert torch.allclose(model(torch.rand(2, 1, 28, 28))[0], image, atol=1e-5)


def test_the_fix_takes_d3_below_the_mean_image_loss(strokes):
    mean = mean_image_loss(strokes)
    _, history = train_mlp(strokes, 3, "mean", 3, 32, 1e-3, seed=0, progress=False)
    assert history[-1]["loss"] < 0.9 * mean


def test_as_written_d3_saturates_its_code_and_stays_at_the_mean_image(strokes):
    model, history = train_mlp(strokes, 3, "default", 3, 32, 1e-3, seed=0, progress=False)
    assert history[-1]["loss"] > 0.97 * mean_image_loss(strokes)
    assert saturation(model, strokes) > 0.9


def test_the_mean_image_is_per_pixel():
    images = torch.zeros(4, 28, 28, dtype=torch.uint8)
    images[:2, 0, 0] = 255
    assert mean_image(images)[0, 0, 0] == pytest.approx(0.5) and mean_image(images)[0, 1, 1] == 0
