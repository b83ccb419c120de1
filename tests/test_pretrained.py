"""The codec qae ships: it works before any training, and its card tells the truth
about where it came from and what it measured."""

import hashlib
import json
import re

import numpy as np
import pytest
import yaml
from PIL import Image

from qae.cli import main
from qae.codec.base import load_codec
from qae.codec.bitstream import HEADER_BYTES
from qae.mnist import read_idx
from qae.picture import prepare, read_picture
from qae.pretrained import CARD, CODEC, samples
from tests.helpers import DRAWN, ROOT, SAMPLE_MIRROR

SAMPLE = SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz"


def card() -> dict[str, str]:
    """The card's `| key | value |` rows."""
    rows = (line.strip("| \n").split(" | ", 1) for line in CARD.read_text().splitlines() if line.startswith("| "))
    return {key.strip(): value.strip() for key, value in rows}


def shipped_record() -> dict:
    """The pipeline's metrics of the rate level the card names."""
    weight = float(card()["rate weight"])
    records = json.loads((ROOT / "metrics/compressor/rd.json").read_text())
    return next(r for r in records if r["rate_weight"] == weight)


def test_compress_without_a_codec_uses_the_shipped_one(tmp_path, capsys):
    assert main(["compress", str(SAMPLE), "-o", str(tmp_path / "t.qae")]) == 0
    assert main(["decompress", str(tmp_path / "t.qae"), "-o", str(tmp_path / "t.idx")]) == 0
    images, decoded = read_idx(SAMPLE).float() / 255, read_idx(tmp_path / "t.idx").float() / 255
    assert decoded.shape == images.shape
    assert ((decoded - images) ** 2).mean() < 0.03  # digits, not noise: the mean image scores ~0.07


def test_the_shipped_codec_spends_about_the_bits_its_card_says(tmp_path):
    images = read_idx(SAMPLE)
    bits = 8 * len(load_codec(CODEC, "cpu").compress(images)) / len(images)
    assert bits == pytest.approx(shipped_record()["coded_bits"], rel=0.25)  # 200 images, not 10,000


def test_the_card_names_the_file_it_describes():
    assert hashlib.md5(CODEC.read_bytes()).hexdigest() == card()["md5"]


def test_the_card_names_the_pipeline_output_the_codec_was_copied_from():
    lock = yaml.safe_load((ROOT / "dvc.lock").read_text())
    outs = {o["path"]: o["md5"] for o in lock["stages"]["compressor_rd_eval"]["outs"]}
    assert card()["copied from"] == f"`data/compressor/rd/codecs/{card()['rate weight']}.pt`"
    assert card()["in dvc.lock"] == f"`data/compressor/rd/codecs`: {outs['data/compressor/rd/codecs']}"


def test_the_card_quotes_the_metrics_of_its_rate_level():
    record = shipped_record()
    assert card()["coded bits per image"].startswith(f"{record['coded_bits']:.1f} ")
    assert card()["accuracy"].startswith(f"{100 * record['accuracy']:.2f}% ")


def test_the_shipped_model_was_trained_with_the_committed_recipe():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())["compressor"]["rd"]
    model = load_codec(CODEC, "cpu").model
    recipe = model.meta["recipe"]
    assert list(model.config.options["rate_weights"]) == params["rate_weights"]
    assert recipe["epochs"] == params["epochs"] and recipe["lr"] == params["lr"]


def test_the_card_says_how_and_on_what_the_model_was_trained():
    meta = load_codec(CODEC, "cpu").model.meta
    run, recipe = meta["run"], meta["recipe"]
    torch_version = run["torch"].split("+")[0]
    assert card()["trained on"] == (
        f"{run['device'].upper()} ({run['cpu_capability']} kernels), {run['threads']} threads, torch {torch_version}"
    )
    assert card()["training"].startswith(f"{recipe['epochs']} epochs, Adam, cosine from {recipe['lr']}")
    raw = json.loads((ROOT / "metrics/classifier.json").read_text())["test_accuracy"]
    assert card()["accuracy"].endswith(f"on the raw ones: {100 * raw:.2f}%)")


def test_the_card_quotes_the_training_time_the_pipeline_benchmark_measured():
    rows = (line.split("|") for line in (ROOT / "bench/pipeline.md").read_text().splitlines())
    seconds = next(float(row[2]) for row in rows if len(row) > 2 and row[1].strip() == "`compressor_rd_train`")
    assert card()["training time"].startswith(f"{seconds:.0f} s, the stage `compressor_rd_train`")


def test_the_card_quotes_what_the_search_adds_to_accuracy():
    record = shipped_record()
    no_search = card()["accuracy without the search"]
    assert no_search.startswith(f"{100 * record['rounded_accuracy']:.2f}% (`--no-search`")
    assert f"at {record['rounded_model_bits']:.1f} bits per image" in no_search


def test_the_card_states_the_header_every_file_has():
    assert card()["header"].startswith(f"{HEADER_BYTES} bytes ({8 * HEADER_BYTES} bits) per file")


def test_the_card_states_the_project_s_license():
    license_ = re.search(r'^license = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert card()["license"].startswith(f"{license_}, like the rest of qae")
    assert (ROOT / "LICENSE").read_text().startswith(f"{license_} License")


# The card's samples (python -m qae.pretrained.samples): they must be the shipped codec's.
DRAWINGS = [p.name for p in samples.drawings(DRAWN)]


@pytest.fixture(scope="module")
def codec():
    return load_codec(CODEC, "cpu")


@pytest.mark.parametrize("drawing", DRAWINGS)
def test_the_card_shows_a_sample_of_each_drawing(drawing):
    name = samples.sample_name(drawing)
    assert f"](samples/{name}.png)" in CARD.read_text() and f"](samples/{name}.qae)" in CARD.read_text()


@pytest.mark.parametrize("drawing", DRAWINGS)
def test_a_sample_s_bitstream_is_the_shipped_codec_s(drawing, codec):
    """A bitstream names its codec: one made by an earlier codec.pt is refused, and fails here."""
    bitstream = (samples.SAMPLES / f"{samples.sample_name(drawing)}.qae").read_bytes()
    assert codec.decompress(bitstream).shape == (1, 1, 28, 28)


@pytest.mark.parametrize("drawing", DRAWINGS)
def test_a_sample_shows_its_drawing_what_the_codec_saw_and_its_bitstream_s_decode(drawing, codec):
    name = samples.sample_name(drawing)
    bitstream = (samples.SAMPLES / f"{name}.qae").read_bytes()
    picture = read_picture(DRAWN / drawing)
    expected = samples.Sample(picture, prepare(picture)[0].numpy(), bitstream, samples.decode(bitstream, codec))
    drawn, seen, decoded = samples.panels(Image.open(samples.SAMPLES / f"{name}.png"))
    want = samples.panels(samples.render(expected))
    assert np.array_equal(drawn, want[0]) and np.array_equal(seen, want[1])
    assert np.abs(decoded.astype(int) - want[2].astype(int)).max() <= 1  # another CPU's float rounding
