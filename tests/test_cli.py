"""`qae compress` / `qae decompress` on IDX files and pictures, with a tiny model; every
bad input or output is one line on stderr, exit status 1, and nothing written."""

import errno
import gzip
import os
import tempfile

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
from qae.picture import prepare, read_picture
from tests.helpers import DRAWN


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


def test_raw_png_files_round_trip(codec_path, images, tmp_path):
    paths = [tmp_path / f"{i}.png" for i in range(2)]
    for image, path in zip(images, paths, strict=False):
        Image.fromarray(image.numpy(), "L").save(path)
    args = ["compress", "--raw", "--codec", str(codec_path), *map(str, paths), "-o", str(tmp_path / "x.qae")]
    assert main(args) == 0
    assert main(["decompress", "--codec", str(codec_path), str(tmp_path / "x.qae"), "-o", str(tmp_path / "d.png")]) == 0
    decoded = [torch.from_numpy(np.array(Image.open(tmp_path / f"d-{i:05d}.png"))) for i in range(2)]
    assert torch.equal(torch.stack(decoded), expected(codec_path, images[:2]))


def test_raw_refuses_a_png_of_the_wrong_size_by_name(codec_path, tmp_path, capsys):
    Image.new("L", (32, 32)).save(tmp_path / "big.png")
    args = ["compress", "--raw", "--codec", str(codec_path), str(tmp_path / "big.png"), "-o", str(tmp_path / "x")]
    assert main(args) == 1
    assert "big.png: expected a 28x28 grayscale PNG, got a 32x32 L PNG" in capsys.readouterr().err


def test_a_corrupt_bitstream_is_refused_without_output(codec_path, images, tmp_path, capsys):
    data = bytearray(load_codec(codec_path).compress(images))
    data[-1] ^= 1
    (tmp_path / "bad.qae").write_bytes(bytes(data))
    out = tmp_path / "out.idx"
    assert main(["decompress", "--codec", str(codec_path), str(tmp_path / "bad.qae"), "-o", str(out)]) == 1
    assert "bad.qae: corrupt" in capsys.readouterr().err
    assert not out.exists()


def test_a_text_file_is_named_as_one(codec_path, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["compress", "--codec", str(codec_path), str(tmp_path / "notes.txt"), "-o", str(tmp_path / "x")]) == 1
    assert "notes.txt: a text file, not an image" in capsys.readouterr().err


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


# Pictures: any format, mode and size, prepared as MNIST's digits were (qae.picture).
def test_a_drawn_jpeg_is_prepared_and_stderr_says_how(codec_path, tmp_path, capsys):
    assert main(["compress", "--codec", str(codec_path), str(DRAWN / "seven.jpg"), "-o", str(tmp_path / "x.qae")]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"qae compress: {DRAWN / 'seven.jpg'}: 100x100 RGB JPEG: grayscale, inverted (dark on light), "
        "digit 62x73 fitted to 17x20, centred by its centre of mass in 28x28"
    ]


def test_many_pictures_are_told_in_one_line(codec_path, tmp_path, capsys):
    pictures = [str(DRAWN / "seven.png")] * 11
    assert main(["compress", "--codec", str(codec_path), *pictures, "-o", str(tmp_path / "x.qae")]) == 0
    err = capsys.readouterr().err
    assert err == "qae compress: 11 pictures prepared as MNIST's digits: 11 inverted (dark on light)\n"


def test_the_decoded_images_are_the_prepared_digits_the_codec_saw(codec_path, tmp_path):
    assert main(["compress", "--codec", str(codec_path), str(DRAWN / "two.png"), "-o", str(tmp_path / "x.qae")]) == 0
    assert main(["decompress", "--codec", str(codec_path), str(tmp_path / "x.qae"), "-o", str(tmp_path / "d.png")]) == 0
    seen = prepare(read_picture(DRAWN / "two.png"))[0]
    decoded = torch.from_numpy(np.array(Image.open(tmp_path / "d.png")))[None]
    assert torch.equal(decoded, expected(codec_path, seen[None]))


# Bad inputs and outputs: one line on stderr, exit status 1, nothing written.
def refused(argv: list[str], tmp_path, capsys) -> str:
    """The one stderr line of `qae ARGV`, which must exit with 1 and leave tmp_path as it was."""
    before = sorted(tmp_path.rglob("*"))
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1, captured.err
    assert sorted(tmp_path.rglob("*")) == before  # no output, no temporary file
    return captured.err.strip()


def compress(codec_path, *paths, out=None) -> list[str]:
    return ["compress", "--codec", str(codec_path), *map(str, paths), "-o", str(out)]


@pytest.fixture
def out(tmp_path):
    return tmp_path / "out.qae"


def test_a_missing_input_is_named(codec_path, tmp_path, capsys, out):
    assert refused(compress(codec_path, tmp_path / "nope.png", out=out), tmp_path, capsys).endswith(
        "nope.png: no such file"
    )


def test_a_folder_given_as_an_input_is_refused(codec_path, tmp_path, capsys, out):
    (tmp_path / "pictures").mkdir()
    line = refused(compress(codec_path, tmp_path / "pictures", out=out), tmp_path, capsys)
    assert line.endswith("pictures: a folder, not a file")


def test_an_empty_file_is_refused(codec_path, tmp_path, capsys, out):
    (tmp_path / "empty.png").write_bytes(b"")
    assert refused(compress(codec_path, tmp_path / "empty.png", out=out), tmp_path, capsys).endswith(
        "empty.png: an empty file"
    )


@pytest.mark.parametrize("name", ["seven.png", "seven.jpg"])
def test_a_truncated_picture_is_refused_without_a_traceback(codec_path, tmp_path, capsys, out, name):
    data = (DRAWN / name).read_bytes()
    (tmp_path / name).write_bytes(data[: len(data) * 2 // 3])
    line = refused(compress(codec_path, tmp_path / name, out=out), tmp_path, capsys)
    assert f"{name}: a corrupt or truncated image" in line


def test_a_png_cut_inside_its_header_is_named_as_a_png(codec_path, tmp_path, capsys, out):
    (tmp_path / "cut.png").write_bytes((DRAWN / "seven.png").read_bytes()[:8])  # the PNG signature alone
    line = refused(compress(codec_path, tmp_path / "cut.png", out=out), tmp_path, capsys)
    assert line.endswith("cut.png: a PNG image that cannot be read: corrupt or truncated")


def test_a_pdf_is_named_as_one(codec_path, tmp_path, capsys, out):
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert refused(compress(codec_path, tmp_path / "scan.pdf", out=out), tmp_path, capsys).endswith(
        "scan.pdf: a PDF document, not an image"
    )


def test_a_bitstream_given_to_compress_points_to_decompress(codec_path, images, tmp_path, capsys, out):
    (tmp_path / "x.qae").write_bytes(load_codec(codec_path).compress(images))
    line = refused(compress(codec_path, tmp_path / "x.qae", out=out), tmp_path, capsys)
    assert line.endswith("x.qae: a qae bitstream (qae decompress reads it), not an image")


def test_raw_refuses_a_jpeg_by_what_it_is(codec_path, tmp_path, capsys, out):
    line = refused([*compress(codec_path, DRAWN / "seven.jpg", out=out), "--raw"], tmp_path, capsys)
    assert line.endswith("seven.jpg: expected a 28x28 grayscale PNG, got a 100x100 RGB JPEG")


def test_a_blank_picture_is_refused(codec_path, tmp_path, capsys, out):
    Image.new("RGB", (50, 50), "white").save(tmp_path / "blank.png")
    line = refused(compress(codec_path, tmp_path / "blank.png", out=out), tmp_path, capsys)
    assert "blank.png: no digit: the picture is one flat shade" in line


def test_a_corrupt_gzip_is_refused(codec_path, tmp_path, capsys, out):
    data = gzip.compress(idx_bytes(torch.zeros(3, 28, 28, dtype=torch.uint8)))
    (tmp_path / "t.idx.gz").write_bytes(data[:12] + bytes(b ^ 0x55 for b in data[12:]))
    line = refused(compress(codec_path, tmp_path / "t.idx.gz", out=out), tmp_path, capsys)
    assert "t.idx.gz: a gzip file, but " in line


def test_an_idx_file_of_no_images_is_refused(codec_path, tmp_path, capsys, out):
    (tmp_path / "none.idx").write_bytes(idx_bytes(torch.zeros(0, 28, 28, dtype=torch.uint8)))
    line = refused(compress(codec_path, tmp_path / "none.idx", out=out), tmp_path, capsys)
    assert line.endswith("none.idx: the IDX file holds no images")


def test_an_idx_file_among_pictures_is_refused(codec_path, images, tmp_path, capsys, out):
    (tmp_path / "in.idx").write_bytes(idx_bytes(images))
    line = refused(compress(codec_path, tmp_path / "in.idx", DRAWN / "seven.png", out=out), tmp_path, capsys)
    assert line.endswith("give one IDX file, or pictures only")


def test_an_output_in_a_missing_folder_is_refused(codec_path, tmp_path, capsys):
    line = refused(compress(codec_path, DRAWN / "seven.png", out=tmp_path / "no" / "x.qae"), tmp_path, capsys)
    assert line.endswith(f"x.qae: no folder {tmp_path / 'no'} to write it in")


def test_an_output_that_is_a_folder_is_refused(codec_path, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    line = refused(compress(codec_path, DRAWN / "seven.png", out=tmp_path / "out"), tmp_path, capsys)
    assert line.endswith("out: a folder; name a file to write")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes in read-only folders")
def test_an_output_in_a_read_only_folder_is_refused(codec_path, tmp_path, capsys):
    (tmp_path / "ro").mkdir(mode=0o555)
    line = refused(compress(codec_path, DRAWN / "seven.png", out=tmp_path / "ro" / "x.qae"), tmp_path, capsys)
    assert line.endswith("(permission denied)")


def test_an_output_the_system_refuses_to_write_leaves_nothing(codec_path, tmp_path, capsys, out, monkeypatch):
    """What a full disk or a read-only mount does, even to root."""

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tempfile, "mkstemp", full_disk)
    line = refused(compress(codec_path, DRAWN / "seven.png", out=out), tmp_path, capsys)
    assert line.endswith(f"out.qae: cannot write it ({os.strerror(errno.ENOSPC)})")


def test_an_output_that_is_an_input_is_refused(codec_path, tmp_path, capsys):
    (tmp_path / "seven.png").write_bytes((DRAWN / "seven.png").read_bytes())
    line = refused(compress(codec_path, tmp_path / "seven.png", out=tmp_path / "seven.png"), tmp_path, capsys)
    assert line.endswith("seven.png: an input too; name another file to write")


def test_a_file_that_is_no_codec_is_refused(tmp_path, capsys, out):
    (tmp_path / "codec.pt").write_text("not a codec")
    line = refused(compress(tmp_path / "codec.pt", DRAWN / "seven.png", out=out), tmp_path, capsys)
    assert "cannot load the codec" in line


def decompress(codec_path, path, out) -> list[str]:
    return ["decompress", "--codec", str(codec_path), str(path), "-o", str(out)]


def test_decompress_names_a_picture_given_as_a_bitstream(codec_path, tmp_path, capsys):
    line = refused(decompress(codec_path, DRAWN / "seven.jpg", tmp_path / "d.png"), tmp_path, capsys)
    assert line.endswith("seven.jpg: a JPEG image, not a qae bitstream (qae compress makes them)")


def test_decompress_refuses_an_empty_file(codec_path, tmp_path, capsys):
    (tmp_path / "x.qae").write_bytes(b"")
    line = refused(decompress(codec_path, tmp_path / "x.qae", tmp_path / "d.png"), tmp_path, capsys)
    assert line.endswith("x.qae: an empty file")


def test_decompress_refuses_an_image_name_it_would_not_write(codec_path, images, tmp_path, capsys):
    (tmp_path / "x.qae").write_bytes(load_codec(codec_path).compress(images))
    line = refused(decompress(codec_path, tmp_path / "x.qae", tmp_path / "d.jpg"), tmp_path, capsys)
    assert line.endswith("d.jpg: decompress writes PNGs (.png) or an IDX file (any other name)")


def test_decompress_writes_all_the_pngs_or_none(codec_path, images, tmp_path, capsys):
    (tmp_path / "x.qae").write_bytes(load_codec(codec_path).compress(images))
    (tmp_path / "d-00003.png").mkdir()  # the fourth of five cannot be written
    line = refused(decompress(codec_path, tmp_path / "x.qae", tmp_path / "d.png"), tmp_path, capsys)
    assert line.endswith("d-00003.png: a folder; name another file to write")


def test_a_bitstream_of_no_images_is_refused(codec_path, tmp_path, capsys):
    codec = load_codec(codec_path)
    (tmp_path / "x.qae").write_bytes(codec.compress_codes(torch.zeros(0, codec.dims, dtype=torch.long)))
    line = refused(decompress(codec_path, tmp_path / "x.qae", tmp_path / "d.png"), tmp_path, capsys)
    assert line.endswith("x.qae: the bitstream holds no images")
