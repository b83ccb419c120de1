"""Images in memory: uint8 <-> [0, 1], batches, one of each digit."""

import pytest
import torch

from qae.images import as_unit_images, batch_slices, first_of_each_digit, load_training_images, to_uint8


@pytest.mark.parametrize("shape", [(5, 28, 28), (5, 1, 28, 28)])
def test_as_unit_images_accepts_uint8_and_float_in_both_shapes(shape):
    u8 = torch.full(shape, 255, dtype=torch.uint8)
    assert torch.equal(as_unit_images(u8), torch.ones(5, 1, 28, 28))
    assert torch.equal(as_unit_images(u8.float() / 255), torch.ones(5, 1, 28, 28))


def test_as_unit_images_rejects_other_shapes():
    with pytest.raises(ValueError, match="shape"):
        as_unit_images(torch.zeros(5, 784))


def test_batch_slices_cover_everything_once():
    covered = [i for s in batch_slices(10, 4) for i in range(10)[s]]
    assert covered == list(range(10))


def test_to_uint8_undoes_as_unit_images():
    u8 = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8)
    assert torch.equal(to_uint8(as_unit_images(u8)), u8)


def test_first_of_each_digit_finds_the_first_image_of_every_class():
    labels = torch.tensor([3, 1, 0, 1, 2, 4, 5, 6, 7, 8, 9, 0])
    index = first_of_each_digit(labels)
    assert torch.equal(labels[index], torch.arange(10))
    assert int(index[0]) == 2 and int(index[1]) == 1


@pytest.fixture
def two_splits(tmp_path):
    """Two tiny split files: 3 images of 1s, then 2 images of 2s."""
    for name, value, n in (("autoencoder", 1, 3), ("classifier", 2, 2)):
        torch.save({"images": torch.full((n, 28, 28), value, dtype=torch.uint8)}, tmp_path / f"{name}.pt")
    return tmp_path / "autoencoder.pt", tmp_path / "classifier.pt"


def test_training_images_all_are_the_split_then_the_other_half(two_splits):
    images = load_training_images(*two_splits, "all")
    assert images[:, 0, 0].tolist() == [1, 1, 1, 2, 2]


def test_training_images_autoencoder_are_the_split_alone(two_splits):
    assert load_training_images(*two_splits, "autoencoder")[:, 0, 0].tolist() == [1, 1, 1]


def test_training_images_name_the_choices_when_asked_for_another(two_splits):
    with pytest.raises(ValueError, match="'autoencoder', 'all'"):
        load_training_images(*two_splits, "classifier")
