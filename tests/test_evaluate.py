import pytest
import torch

from qae.codec.evaluate import evaluate_points, evaluate_search
from qae.codec.search import CodeSearch
from qae.evaluate import RAW_BITS, Scorers, evaluate_quantized, gzip_baseline, score_codes
from qae.models import AutoencoderConfig, Classifier, build_autoencoder
from qae.runtime import eval_batch


@pytest.fixture
def setup():
    torch.manual_seed(0)
    images = torch.randint(0, 256, (30, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (30,))
    model = build_autoencoder(AutoencoderConfig("linear", 16)).eval()
    return model, Scorers(Classifier().eval(), Classifier(arch="mlp").eval()), images, labels


@pytest.mark.parametrize(("bits", "total"), [(4, 64), (None, 512)])
def test_total_bits_and_compression_ratio(setup, bits, total):
    record = evaluate_quantized(*setup, point=bits, batch_size=7)
    assert record["total_bits"] == total
    assert record["compression_ratio"] == pytest.approx(RAW_BITS / total)


def test_scores_do_not_depend_on_the_batch_size(setup):
    a = evaluate_quantized(*setup, point=8, batch_size=7)
    b = evaluate_quantized(*setup, point=8, batch_size=30)
    assert a["accuracy"] == b["accuracy"]
    assert a["mse"] == pytest.approx(b["mse"], rel=1e-5)


def test_coarser_codes_reconstruct_worse(setup):
    mse = [evaluate_quantized(*setup, point=b, batch_size=30)["mse"] for b in (1, 8)]
    assert mse[0] > mse[1]


def test_every_bits_level_is_scored_as_rounding_after_training_scores_it(setup):
    model, classifier, images, labels = setup
    results = evaluate_points(model, classifier, images, {"images": images, "labels": labels}, [2, None], 0.5, 8)
    for bits, (record, codec) in zip([2, None], results, strict=True):
        alone = evaluate_quantized(model, classifier, images, labels, bits)
        assert record["accuracy"] == alone["accuracy"] and record["mse"] == pytest.approx(alone["mse"], rel=1e-6)
        assert codec.bits == bits and record["bits"] == ("fp32" if bits is None else bits) and record["dims"] == 16
    assert results[0][0]["coded_bits"] <= 16 * 2 + 32 / len(images)  # the payload is whole 32-bit words
    assert results[1][0]["coded_bits"] == 16 * 32  # float32 codes go raw


def test_a_search_is_scored_on_its_searched_codes_beside_the_rounding(setup):
    model, classifier, images, labels = setup
    test = {"images": images, "labels": labels}
    search = CodeSearch(rate_weight=0.5, candidates=8, rounds=20)
    record, codec = evaluate_search(model, classifier, images, test, 4, search, 0.5, 8)
    searched = score_codes(model, classifier, images, labels, codec.encode(images), 4)
    rounded = evaluate_quantized(model, classifier, images, labels, 4)
    assert record["rate_weight"] == 0.5
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


def test_the_evaluation_batch_comes_from_the_environment_when_set(monkeypatch):
    monkeypatch.setenv("QAE_EVAL_BATCH", "64")
    assert eval_batch() == 64


def test_a_bad_evaluation_batch_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("QAE_EVAL_BATCH", "0")
    with pytest.raises(ValueError, match=r"\$QAE_EVAL_BATCH"):
        eval_batch()


def test_the_evaluation_batch_follows_the_model_device_not_the_environment():
    assert eval_batch(torch.device("cuda")) == 1000  # $QAE_DEVICE is cpu in the tests
    assert eval_batch(torch.device("cpu")) == 256


class Always(torch.nn.Module):
    """A scorer that labels every image `digit`."""

    def __init__(self, digit: int) -> None:
        super().__init__()
        self.digit = digit
        self.anchor = torch.nn.Parameter(torch.zeros(()))  # gives the scorer a device

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.one_hot(torch.full((len(x),), self.digit), 10).float()


def test_each_scorer_gets_its_own_accuracy():
    from qae.evaluate import score_images

    images, labels = torch.zeros(10, 28, 28, dtype=torch.uint8), torch.tensor([1, 1, 1, 2, 2, 3, 4, 5, 6, 7])
    scores = score_images(Scorers(Always(1), Always(2)), images, labels, batch_size=3)
    assert scores == {"accuracy": 0.3, "second_accuracy": 0.2, "images": 10}


def test_without_a_second_scorer_records_have_accuracy_alone():
    from qae.evaluate import score_images

    images, labels = torch.zeros(4, 28, 28, dtype=torch.uint8), torch.tensor([1, 1, 0, 0])
    assert score_images(Scorers(Always(0)), images, labels) == {"accuracy": 0.5, "images": 4}
