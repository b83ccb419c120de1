"""`qae compress` / `qae decompress`: MNIST-style images <-> qae bitstreams.

    qae compress --codec data/sweep/codecs/64/4.pt t10k-images-idx3-ubyte.gz -o test.qae
    qae decompress --codec data/sweep/codecs/64/4.pt test.qae -o test-decoded.idx3-ubyte
    qae compress --codec data/headline/codec.pt digit.png -o digit.qae
    qae compress 7.png 2.png -o two.qae          # the codec qae ships: no training needed
    qae decompress two.qae -o two.png

Inputs: one IDX file of uint8 28x28 images (.gz or not), or 28x28 grayscale PNGs.
Outputs of decompress: an IDX file (gzipped if the name ends in .gz), or PNGs (one
image: the name given; several: NAME-00000.png, NAME-00001.png, ...). A codec file
is what the eval stages write (`data/sweep/codecs/DIMS/BITS.pt`, `data/headline/codec.pt`,
`data/compressor/rd/codecs/WEIGHT.pt`, `data/semantic/codecs/R.pt`): the model and
its code model; without
--codec, the one qae ships (qae/pretrained/CARD.md). The rate-distortion codecs,
the shipped one too, search for cheaper codes while compressing (seconds per
thousand images on a CPU); `--no-search` sends the encoder's rounding instead, fast
and a little larger.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from qae.codec.base import BaseCodec, load_codec
from qae.codec.bitstream import BitstreamError
from qae.images import to_uint8
from qae.io import atomic_path, write_bytes
from qae.mnist import IDXError, idx_bytes, read_idx
from qae.pretrained import CARD, CODEC


class InputError(ValueError):
    """A file the command line cannot use, with the reason."""


def read_png(path: Path) -> torch.Tensor:
    """A 28x28 grayscale PNG as a uint8 (28, 28) tensor."""
    try:
        image = Image.open(path)
    except UnidentifiedImageError as e:
        raise InputError(f"{path}: not an image file") from e
    if image.format != "PNG" or image.size != (28, 28) or image.mode not in ("L", "LA", "1"):
        raise InputError(
            f"{path}: expected a 28x28 grayscale PNG, got a {image.size[0]}x{image.size[1]} {image.mode} {image.format}"
        )
    return torch.from_numpy(np.array(image.convert("L")))


def read_images(paths: list[Path]) -> torch.Tensor:
    """uint8 (N, 28, 28) images from one IDX file or from PNG files."""
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    if all(p.suffix.lower() == ".png" for p in paths):
        return torch.stack([read_png(p) for p in paths])
    if len(paths) > 1:
        raise InputError("give one IDX file, or PNG files only")
    try:
        images = read_idx(paths[0])
    except (IDXError, gzip.BadGzipFile, EOFError) as e:
        raise InputError(f"{paths[0]}: {e}") from e
    if images.dim() == 2:
        images = images.unsqueeze(0)
    if images.dim() != 3 or tuple(images.shape[1:]) != (28, 28):
        raise InputError(f"{paths[0]}: expected 28x28 images, the IDX file holds shape {tuple(images.shape)}")
    return images


def write_images(images: torch.Tensor, out: Path) -> list[Path]:
    """uint8 (N, 28, 28) images to an IDX file or PNGs (see the module docstring)."""
    if out.suffix.lower() != ".png":
        data = idx_bytes(images)
        write_bytes(out, gzip.compress(data, mtime=0) if out.suffix == ".gz" else data)
        return [out]
    paths = [out] if len(images) == 1 else [out.with_name(f"{out.stem}-{i:05d}.png") for i in range(len(images))]
    for pixels, path in zip(images.numpy(), paths, strict=True):
        with atomic_path(path) as tmp:
            Image.fromarray(pixels, "L").save(tmp, "PNG")
    return paths


def compress_command(codec: BaseCodec, inputs: list[Path], out: Path) -> str:
    images = read_images(inputs)
    data = codec.compress(images)
    write_bytes(out, data)
    return f"{len(images)} images -> {out}: {len(data):,} bytes, {8 * len(data) / len(images):.1f} bits per image"


def decompress_command(codec: BaseCodec, inputs: list[Path], out: Path) -> str:
    if len(inputs) != 1:
        raise InputError("decompress takes one bitstream file")
    try:
        images = codec.decompress(inputs[0].read_bytes())
    except FileNotFoundError as e:
        raise InputError(f"{inputs[0]}: no such file") from e
    except BitstreamError as e:
        raise InputError(f"{inputs[0]}: {e}") from e
    written = write_images(to_uint8(images), out)
    return f"{inputs[0]} -> {len(images)} images in {written[0]}" + (" ..." if len(written) > 1 else "")


def main(argv: list[str] | None = None) -> int:
    """The `qae` command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="qae", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("compress", "images -> bitstream"), ("decompress", "bitstream -> images")):
        sub = commands.add_parser(name, help=help_text)
        shipped = f"default: the one qae ships, {CARD}"
        sub.add_argument("--codec", type=Path, default=CODEC, help=f"codec file (an eval stage's output); {shipped}")
        sub.add_argument("--device", help="cpu, cuda, cuda:N or auto (CUDA if present); default: $QAE_DEVICE or auto")
        sub.add_argument("inputs", nargs="+", type=Path, help="IDX or PNG files" if name == "compress" else "bitstream")
        sub.add_argument("-o", "--out", required=True, type=Path, help="file to write")
        if name == "compress":
            sub.add_argument("--no-search", action="store_true", help="skip the codec's code search, if it has one")
    args = parser.parse_args(argv)
    try:
        codec = load_codec(args.codec, args.device)
    except (OSError, ValueError) as e:
        print(f"qae {args.command}: cannot load the codec: {e}", file=sys.stderr)
        return 1
    if getattr(args, "no_search", False):
        codec = codec.without_search()
    run = compress_command if args.command == "compress" else decompress_command
    try:
        print(run(codec, args.inputs, args.out))
    except InputError as e:
        print(f"qae {args.command}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
