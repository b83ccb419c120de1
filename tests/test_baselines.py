"""The classic codecs: rates that grow with quality, headers measured from the files."""

import io

import pytest
import torch
from PIL import Image

from qae.evaluate import Scorers
from qae.mnist import read_idx
from qae.models import Classifier
from qae.studies.baselines import (
    PCA,
    codebook_record,
    image_codec_records,
    jpeg_header_bytes,
    label_record,
    pca_records,
    pillow_roundtrip,
    webp_header_bytes,
)
from tests.helpers import SAMPLE_MIRROR


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    return read_idx(SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz")[:8]


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_file_size_never_shrinks_as_quality_rises(digits, fmt):
    qualities = [1, 5, 10, 30, 50, 70, 90, 100]
    for image in digits[:4]:
        sizes = [pillow_roundtrip(image[None], fmt, quality=q)[1][0] for q in qualities]
        assert sizes == sorted(sizes), sizes
        assert sizes[-1] > sizes[0]


def test_jpeg_header_is_the_same_for_every_image_at_a_quality(digits):
    _, sizes, headers = pillow_roundtrip(digits, "JPEG", quality=50)
    assert len(set(headers)) == 1 and all(h < s for h, s in zip(headers, sizes, strict=True))


def test_jpeg_header_ends_where_the_scan_data_starts(digits):
    buffer = io.BytesIO()
    Image.fromarray(digits[0].numpy(), "L").save(buffer, "JPEG", quality=50)
    data = buffer.getvalue()
    header = jpeg_header_bytes(data)
    sos = header - 2 - 10  # one component's start-of-scan segment: the marker and 8 bytes
    assert data[sos : sos + 2] == b"\xff\xda"
    assert data.endswith(b"\xff\xd9")


def test_webp_header_is_container_plus_frame_header(digits):
    buffer = io.BytesIO()
    Image.fromarray(digits[0].numpy(), "L").save(buffer, "WEBP", quality=50)
    data = buffer.getvalue()
    assert webp_header_bytes(data) == 12 + 8 + 10


def test_header_parsers_refuse_other_formats():
    with pytest.raises(ValueError, match="not a JPEG"):
        jpeg_header_bytes(b"RIFF....WEBP")
    with pytest.raises(ValueError, match="not a WebP"):
        webp_header_bytes(b"\xff\xd8\xff")


def test_each_quality_gives_a_whole_file_and_a_payload_record(digits):
    torch.manual_seed(0)
    scorers = Scorers(Classifier().eval(), Classifier(arch="mlp").eval())
    labels = torch.zeros(len(digits), dtype=torch.long)
    records = image_codec_records(scorers, digits, labels, "JPEG", [10, 90])
    assert {"accuracy", "second_accuracy", "images"} <= set(records[0])
    assert [r["method"] for r in records] == ["jpeg", "jpeg_payload"] * 2
    whole, payload = records[0]["coded_bits"], records[1]["coded_bits"]
    assert 0 < payload < whole and whole - payload == 8 * 330  # Pillow's standard tables, gray


def test_pca_keeps_more_of_an_image_with_more_components(digits):
    pca = PCA(digits)
    errors = [(pca.decode(pca.encode(digits, k)) - digits[:, None] / 255).pow(2).mean() for k in (1, 4, 7)]
    assert errors[0] > errors[1] > errors[2] >= 0


def test_pca_records_count_coded_bits_near_k_times_bits(digits):
    torch.manual_seed(0)
    labels = torch.zeros(len(digits), dtype=torch.long)
    records = pca_records(Scorers(Classifier().eval()), digits, digits, labels, [2, 4], [3], 0.5, 8)
    assert [r["setting"] for r in records] == ["k=2, bits=3", "k=4, bits=3"]
    assert all(0 < r["coded_bits"] <= 8 * 4 * 3 for r in records)  # whole 32-bit words, 8 images


def test_the_label_floor_is_log2_of_ten_bits():
    assert label_record({"accuracy": 0.99, "images": 10})["coded_bits"] == pytest.approx(3.3219, abs=1e-4)


def test_a_codebook_costs_log2_of_its_size_and_sends_its_codewords(digits):
    scorers = Scorers(Classifier().eval())
    codebook = torch.rand(16, 784)
    record = codebook_record(scorers, codebook, digits[:8], torch.zeros(8, dtype=torch.long), "kmeans", "k=16")
    assert record["coded_bits"] == 4
    assert record["method"] == "kmeans"
