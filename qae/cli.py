"""`qae compress` / `qae decompress`: pictures of digits <-> qae bitstreams.

    qae compress 7.png 2.jpg -o two.qae          # the codec qae ships: no training needed
    qae decompress two.qae -o two.png            # two-00000.png, two-00001.png
    qae compress --codec data/sweep/codecs/64/4.pt t10k-images-idx3-ubyte.gz -o test.qae
    qae decompress --codec data/sweep/codecs/64/4.pt test.qae -o test-decoded.idx3-ubyte
    qae compress --raw --codec data/headline/codec.pt digit.png -o digit.qae

Inputs of compress: pictures of one handwritten digit each, in any format, mode and
size Pillow reads (PNG, JPEG, BMP, GIF, TIFF, WebP, ...), prepared as MNIST's digits
were (qae/picture.py: grayscale, dark ink on light paper inverted, fitted to 20x20 and
centred by its centre of mass in 28x28; stderr says what was done to each); or one IDX
file of uint8 28x28 images (.gz or not), taken as it is. --raw takes 28x28 grayscale
PNGs as they are, and nothing else but IDX files: for pipelines that prepare their own.
The decoded images are what the codec saw: the prepared 28x28 digits, light on dark.
Outputs of decompress: an IDX file (gzipped if the name ends in .gz), or PNGs (one
image: the name given; several: NAME-00000.png, NAME-00001.png, ...). A codec file
is what the eval stages write (`data/sweep/codecs/DIMS/BITS.pt`, `data/headline/codec.pt`,
`data/compressor/rd/codecs/WEIGHT.pt`, `data/semantic/codecs/R.pt`): the model and
its code model; without --codec, the one qae ships (qae/pretrained/CARD.md: what it is
for). The rate-distortion codecs, the shipped one too, search for cheaper codes while
compressing (seconds per thousand images on a CPU); `--no-search` sends the encoder's
rounding instead, fast and a little larger.
A bad input or output is one line on stderr and exit status 1, with nothing written.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from qae.codec.base import BaseCodec, load_codec
from qae.codec.bitstream import MAGIC, BitstreamError
from qae.images import to_uint8
from qae.io import atomic_path, write_bytes
from qae.mnist import IDXError, idx_bytes, parse_idx
from qae.picture import PictureError, Preparation, prepare, read_picture
from qae.pretrained import CARD, CODEC

NOTES_SHOWN = 10  # pictures whose preparation stderr tells one by one; more: one summary line
_GZIP, _IDX_UBYTE = b"\x1f\x8b", b"\0\0\x08"
# What a file that is not an input is, by its first bytes.
_SIGNATURES = (
    (MAGIC, "a qae bitstream (qae decompress reads it)"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (_GZIP, "a gzip file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)
_OTHER_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}  # decompress writes PNGs


class InputError(ValueError):
    """A file the command line cannot use, with the reason."""


def describe(path: Path, head: bytes) -> str:
    """What the file `path`, starting with `head`, is: "a PDF document", "a text file", ..."""
    for signature, name in _SIGNATURES:
        if head.startswith(signature):
            return name
    with contextlib.suppress(UnidentifiedImageError, OSError), Image.open(path) as picture:
        return f"a {picture.format} image"
    if head.startswith(_IDX_UBYTE):
        return "an IDX file"
    try:
        text = head.decode()
    except UnicodeDecodeError:
        return "a file of a kind qae does not know"
    if "<svg" in text:
        return "an SVG drawing (save it as a PNG first)"
    return "a text file" if "\0" not in text else "a file of a kind qae does not know"


def read_head(path: Path, size: int = 512) -> bytes:
    """The first `size` bytes of the input file `path`: InputError if there are none."""
    if path.is_dir():
        raise InputError(f"{path}: a folder, not a file")
    try:
        with path.open("rb") as f:
            head = f.read(size)
    except FileNotFoundError as e:
        raise InputError(f"{path}: no such file") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror})") from e
    if not head:
        raise InputError(f"{path}: an empty file")
    return head


def check_output(out: Path, inputs: list[Path]) -> None:
    """InputError if `out` cannot be written, before any work is done."""
    if out.is_dir():
        raise InputError(f"{out}: a folder; name a file to write")
    folder = out.parent
    if not folder.is_dir():
        raise InputError(f"{out}: no folder {folder} to write it in")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{out}: cannot write in {folder} (permission denied)")
    if any(out.resolve() == p.resolve() for p in inputs):
        raise InputError(f"{out}: an input too; name another file to write")


def read_png(path: Path) -> torch.Tensor:
    """--raw: a 28x28 grayscale PNG as a uint8 (28, 28) tensor, as it is."""
    picture = read_picture(path)
    if picture.format != "PNG" or picture.size != (28, 28) or picture.mode not in ("L", "LA", "1"):
        raise InputError(
            f"{path}: expected a 28x28 grayscale PNG, got a {picture.size[0]}x{picture.size[1]} "
            f"{picture.mode} {picture.format}"
        )
    return torch.from_numpy(np.array(picture.convert("L")))


def read_idx_file(path: Path, head: bytes) -> torch.Tensor:
    """uint8 (N, 28, 28) images from an IDX file, gzipped or not."""
    try:
        data = path.read_bytes()
        data = gzip.decompress(data) if head.startswith(_GZIP) else data
        if data.startswith(_IDX_UBYTE) and len(data) == 4 + 4 * data[3]:  # a header, no pixels
            raise InputError(f"{path}: the IDX file holds no images")
        images = parse_idx(data)
    except (IDXError, gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise InputError(f"{path}: {'a gzip file, but ' if head.startswith(_GZIP) else ''}{e}") from e
    if images.dim() == 2:
        images = images.unsqueeze(0)
    if images.dim() != 3 or tuple(images.shape[1:]) != (28, 28):
        raise InputError(f"{path}: expected 28x28 images, the IDX file holds shape {tuple(images.shape)}")
    return images


def read_images(paths: list[Path], raw: bool) -> tuple[torch.Tensor, list[tuple[Path, Preparation]]]:
    """uint8 (N, 28, 28) images from one IDX file or from pictures, and what was done to
    each picture (nothing, with `raw`)."""
    heads = [read_head(p) for p in paths]
    idx = [h.startswith((_IDX_UBYTE, _GZIP)) for h in heads]
    if any(idx):
        if len(paths) > 1:
            raise InputError("give one IDX file, or pictures only")
        return read_idx_file(paths[0], heads[0]), []
    images, notes = [], []
    for path, head in zip(paths, heads, strict=True):
        try:
            if raw:
                images.append(read_png(path))
                continue
            image, done = prepare(read_picture(path))
        except PictureError as e:
            if "not an image format" not in str(e):
                raise InputError(f"{path}: {e}") from e
            what = describe(path, head)
            if what.endswith(" image"):  # its first bytes say so, but Pillow could not open it
                raise InputError(f"{path}: {what} that cannot be read: corrupt or truncated") from e
            raise InputError(f"{path}: {what}, not an image") from e
        images.append(image)
        notes.append((path, done))
    return torch.stack(images), notes


def tell(notes: list[tuple[Path, Preparation]]) -> None:
    """Say on stderr what was done to each picture, or in one line for many."""
    if len(notes) <= NOTES_SHOWN:
        for path, done in notes:
            print(f"qae compress: {path}: {done.describe()}", file=sys.stderr)
        return
    counts = Counter()
    for _, done in notes:
        counts["taken as they are"] += done.as_is
        counts["inverted (dark on light)"] += done.inverted
        counts[f"transparency flattened onto {done.flattened_onto}"] += done.flattened_onto is not None
    shown = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
    print(
        f"qae compress: {len(notes)} pictures prepared as MNIST's digits" + (f": {shown}" if shown else ""),
        file=sys.stderr,
    )


@contextlib.contextmanager
def writing(out: Path) -> Iterator[None]:
    """Turn a failed write of `out` (a full disk, a read-only mount) into an InputError."""
    try:
        yield
    except OSError as e:
        raise InputError(f"{out}: cannot write it ({e.strerror or e})") from e


def write_images(images: torch.Tensor, out: Path) -> list[Path]:
    """uint8 (N, 28, 28) images to an IDX file or PNGs (see the module docstring): all
    of them or, should one fail, none."""
    if out.suffix.lower() != ".png":
        data = idx_bytes(images)
        with writing(out):
            write_bytes(out, gzip.compress(data, mtime=0) if out.suffix == ".gz" else data)
        return [out]
    paths = [out] if len(images) == 1 else [out.with_name(f"{out.stem}-{i:05d}.png") for i in range(len(images))]
    for path in paths:
        if path.is_dir():
            raise InputError(f"{path}: a folder; name another file to write")
    # Each file moves into place only once every one is written.
    with writing(out), contextlib.ExitStack() as files:
        for pixels, path in zip(images.numpy(), paths, strict=True):
            Image.fromarray(pixels, "L").save(files.enter_context(atomic_path(path)), "PNG")
    return paths


def compress_command(codec: BaseCodec, inputs: list[Path], out: Path, raw: bool = False) -> str:
    """`qae compress`: the images in `inputs` to one bitstream in `out`; what it wrote."""
    images, notes = read_images(inputs, raw)
    data = codec.compress(images)
    with writing(out):
        write_bytes(out, data)
    tell(notes)
    return f"{len(images)} images -> {out}: {len(data):,} bytes, {8 * len(data) / len(images):.1f} bits per image"


def decompress_command(codec: BaseCodec, inputs: list[Path], out: Path) -> str:
    """`qae decompress`: one bitstream to images in `out`; what it wrote."""
    if len(inputs) != 1:
        raise InputError("decompress takes one bitstream file")
    if out.suffix.lower() in _OTHER_IMAGE_SUFFIXES:
        raise InputError(f"{out}: decompress writes PNGs (.png) or an IDX file (any other name)")
    path = inputs[0]
    head = read_head(path)
    if not head.startswith(MAGIC):
        raise InputError(f"{path}: {describe(path, head)}, not a qae bitstream (qae compress makes them)")
    try:
        images = codec.decompress(path.read_bytes())
    except BitstreamError as e:
        raise InputError(f"{path}: {e}") from e
    if not len(images):
        raise InputError(f"{path}: the bitstream holds no images")
    written = write_images(to_uint8(images), out)
    return f"{path} -> {len(images)} images in {written[0]}" + (" ..." if len(written) > 1 else "")


def main(argv: list[str] | None = None) -> int:
    """The `qae` command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="qae", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    helps = {"compress": "pictures of digits -> bitstream", "decompress": "bitstream -> the 28x28 digits the codec saw"}
    details = {
        "compress": "Pictures are prepared as MNIST's digits were (`qae -h`: how); --raw takes them as they are.",
        "decompress": "The decoded images are what the codec saw: the prepared 28x28 digits, light on dark.",
    }
    for name, help_text in helps.items():
        sub = commands.add_parser(name, help=help_text, description=f"{help_text}. {details[name]}")
        shipped = f"default: the one qae ships, {CARD}"
        sub.add_argument("--codec", type=Path, default=CODEC, help=f"codec file (an eval stage's output); {shipped}")
        sub.add_argument(
            "--device", help="cpu, cuda, cuda:N, mps or auto (CUDA if present); default: $QAE_DEVICE or auto"
        )
        what = "pictures (PNG, JPEG, ...) or one IDX file" if name == "compress" else "bitstream"
        sub.add_argument("inputs", nargs="+", type=Path, help=what)
        sub.add_argument("-o", "--out", required=True, type=Path, help="file to write")
        if name == "compress":
            sub.add_argument("--no-search", action="store_true", help="skip the codec's code search, if it has one")
            sub.add_argument("--raw", action="store_true", help="28x28 grayscale PNGs as they are, or an IDX file")
    args = parser.parse_args(argv)
    try:
        check_output(args.out, args.inputs)
        for path in args.inputs:
            read_head(path)
    except InputError as e:
        print(f"qae {args.command}: {e}", file=sys.stderr)
        return 1
    try:
        codec = load_codec(args.codec, args.device)
    except (OSError, ValueError) as e:
        print(f"qae {args.command}: cannot load the codec: {e}", file=sys.stderr)
        return 1
    if getattr(args, "no_search", False):
        codec = codec.without_search()
    try:
        if args.command == "compress":
            print(compress_command(codec, args.inputs, args.out, args.raw))
        else:
            print(decompress_command(codec, args.inputs, args.out))
    except InputError as e:
        print(f"qae {args.command}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
