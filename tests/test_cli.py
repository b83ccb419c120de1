"""`qae compress` / `qae decompress` on IDX and PNG files, with a tiny model."""

import gzip

import numpy as np
import pytest
import torch
from PIL import Image

from qae.cli import main
from qae.codec.base import load_codec
from qae.codec.codec import Codec
from qae.codec.search import CodeSearch
from qae.mnist import idx_bytes, read_idx
from qae.models import AutoencoderConfig, build_autoencoder


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    return torch.randint(0, 256, (5, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


@pytest.fixture(scope="module")
def codec_path(images, tmp_path_factory):
    torch.manual_seed(0)
    model = build_autoencoder(AutoencoderConfig("linear", 4)).eval()
    path = tmp_path_factory.mktemp("codec") / "codec.pt"
    Codec.fit(model, images, point=3).save(path)
    return path


def expected(codec_path, images) -> torch.Tensor:
    codec = load_codec(codec_path)
    return codec.decompress(codec.compress(images)).squeeze(1).mul(255).round().to(torch.uint8)


@pytest.mark.parametrize("name", ["in.idx3-ubyte", "in.idx.gz"])
def test_idx_round_trip(codec_path, images, tmp_path, name):
    data = idx_bytes(images)
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert main(["compress", "--codec", str(codec_path), str(tmp_path / name), "-o", str(tmp_path / "x.qae")]) == 0
    out = tmp_path / "out.idx.gz"
    assert main(["decompress", "--codec", str(codec_path), str(tmp_path / "x.qae"), "-o", str(out)]) == 0
    assert torch.equal(read_idx(out), expected(codec_path, images))


def test_png_files_round_trip(codec_path, images, tmp_path):
    paths = [tmp_path / f"{i}.png" for i in range(2)]
    for image, path in zip(images, paths, strict=False):
        Image.fromarray(image.numpy(), "L").save(path)
    assert main(["compress", "--codec", str(codec_path), *map(str, paths), "-o", str(tmp_path / "x.qae")]) == 0
    assert main(["decompress", "--codec", str(codec_path), str(tmp_path / "x.qae"), "-o", str(tmp_path / "d.png")]) == 0
    decoded = [torch.from_numpy(np.array(Image.open(tmp_path / f"d-{i:05d}.png"))) for i in range(2)]
    assert torch.equal(torch.stack(decoded), expected(codec_path, images[:2]))


def test_a_png_of_the_wrong_size_is_refused_by_name(codec_path, tmp_path, capsys):
    Image.new("L", (32, 32)).save(tmp_path / "big.png")
    assert main(["compress", "--codec", str(codec_path), str(tmp_path / "big.png"), "-o", str(tmp_path / "x")]) == 1
    assert "big.png: expected a 28x28 grayscale PNG, got a 32x32 L PNG" in capsys.readouterr().err


def test_a_corrupt_bitstream_is_refused_without_output(codec_path, images, tmp_path, capsys):
    data = bytearray(load_codec(codec_path).compress(images))
    data[-1] ^= 1
    (tmp_path / "bad.qae").write_bytes(bytes(data))
    out = tmp_path / "out.idx"
    assert main(["decompress", "--codec", str(codec_path), str(tmp_path / "bad.qae"), "-o", str(out)]) == 1
    assert "bad.qae: corrupt" in capsys.readouterr().err
    assert not out.exists()


def test_a_file_that_is_neither_idx_nor_png_is_refused(codec_path, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["compress", "--codec", str(codec_path), str(tmp_path / "notes.txt"), "-o", str(tmp_path / "x")]) == 1
    assert "notes.txt: not an IDX file" in capsys.readouterr().err


def test_no_search_sends_the_encoder_s_rounding(images, tmp_path):
    torch.manual_seed(0)
    model = build_autoencoder(AutoencoderConfig("linear", 4)).eval()
    codec = Codec.fit(model, images, point=3, search=CodeSearch(rate_weight=0.1, candidates=8, rounds=20))
    codec.save(tmp_path / "codec.pt")
    (tmp_path / "in.idx").write_bytes(idx_bytes(images))
    searched, rounded = codec.encode(images), codec.round_codes(images)
    assert not torch.equal(searched, rounded)
    for flags, codes in (([], searched), (["--no-search"], rounded)):
        paths = [str(tmp_path / name) for name in ("codec.pt", "in.idx", "x.qae")]
        assert main(["compress", "--codec", paths[0], paths[1], "-o", paths[2], *flags]) == 0
        assert torch.equal(codec.decompress_codes((tmp_path / "x.qae").read_bytes()), codes)
