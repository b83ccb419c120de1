import pytest
import torch

from qae.codec import Codec, CodeSearch
from qae.evaluate import RAW_BITS, evaluate_codec, evaluate_quantized, gzip_baseline
from qae.models import AutoencoderConfig, Classifier, build_autoencoder


@pytest.fixture
def setup():
    torch.manual_seed(0)
    images = torch.randint(0, 256, (30, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (30,))
    model = build_autoencoder(AutoencoderConfig("linear", 16, "corrected")).eval()
    return model, Classifier().eval(), images, labels


@pytest.mark.parametrize(("bits", "total"), [(4, 64), (None, 512)])
def test_total_bits_and_compression_ratio(setup, bits, total):
    record = evaluate_quantized(*setup, bits=bits, batch_size=7)
    assert record["total_bits"] == total
    assert record["compression_ratio"] == pytest.approx(RAW_BITS / total)


def test_scores_do_not_depend_on_the_batch_size(setup):
    a = evaluate_quantized(*setup, bits=8, batch_size=7)
    b = evaluate_quantized(*setup, bits=8, batch_size=30)
    assert a["accuracy"] == b["accuracy"]
    assert a["mse"] == pytest.approx(b["mse"], rel=1e-5)


def test_coarser_codes_reconstruct_worse(setup):
    mse = [evaluate_quantized(*setup, bits=b, batch_size=30)["mse"] for b in (1, 8)]
    assert mse[0] > mse[1]


def test_a_searching_codec_is_scored_on_its_searched_codes(setup):
    model, classifier, images, labels = setup
    codec = Codec.fit(model, images, 4, search=CodeSearch(weight=0.5, candidates=8, rounds=20))
    record = evaluate_codec(codec, classifier, images, labels, batch_size=7)
    searched = evaluate_quantized(model, classifier, images, labels, 4, 30, codes=codec.encode(images))
    rounded = evaluate_quantized(model, classifier, images, labels, 4, 30)
    assert record["mse"] == pytest.approx(searched["mse"], rel=1e-5)
    assert searched["mse"] != pytest.approx(rounded["mse"], rel=1e-5)  # the search moved codes
    assert record["rounded_accuracy"] == rounded["accuracy"]
    cost = record["bce"] * 784 + 0.5 * record["model_bits"]  # per image, what the search lowers
    assert cost < rounded["bce"] * 784 + 0.5 * record["rounded_model_bits"]


def test_gzip_baseline_compresses_blank_images_far_better_than_noise():
    blank = gzip_baseline(torch.zeros(100, 28, 28, dtype=torch.uint8))
    noise = gzip_baseline(torch.randint(0, 256, (100, 28, 28), dtype=torch.uint8))
    assert blank["ratio"] > 50 > 1.1 > noise["ratio"] - 0.1
    assert blank["bits_per_image"] == pytest.approx(RAW_BITS / blank["ratio"])
