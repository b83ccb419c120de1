"""The card's samples: digits drawn as people draw them, what the shipped codec saw of
each, and what it gave back.

    python -m qae.pretrained.samples     # or `make samples`: after codec.pt is replaced

For each drawing in tests/data/drawn (a repository checkout's; --drawn for another
folder) it writes into qae/pretrained/samples/ NAME-EXT.qae, the bitstream of
`qae compress DRAWING`, and NAME-EXT.png, three panels 112 pixels tall: the drawing,
the 28x28 digit prepared from it (qae.picture), and the bitstream's decode, the last
two enlarged 4x pixel for pixel. A bitstream names its codec: tests/test_pretrained.py
checks that the committed ones decode with codec.pt to the committed pictures.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from qae.codec.base import load_codec
from qae.codec.codec import Codec
from qae.images import to_uint8
from qae.io import write_bytes
from qae.picture import prepare, read_picture
from qae.pretrained import CODEC

SAMPLES = Path(__file__).with_name("samples")
DRAWN = Path(__file__).resolve().parents[2] / "tests" / "data" / "drawn"  # in a checkout of the repository
PANEL, GAP, ZOOM = 112, 8, 4  # each panel's side, the gray gap between panels, the 28x28 digits' zoom
DRAWING_SUFFIXES = (".png", ".jpg")


@dataclass(frozen=True)
class Sample:
    """One drawing through the codec."""

    drawing: Image.Image
    prepared: np.ndarray  # uint8 (28, 28): what the codec saw
    bitstream: bytes
    decoded: np.ndarray  # uint8 (28, 28): what `qae decompress` writes


def sample_name(drawing: str | os.PathLike) -> str:
    """seven.jpg -> seven-jpg: the stem of the drawing's sample files."""
    path = Path(drawing)
    return f"{path.stem}-{path.suffix.lstrip('.').lower()}"


def make_sample(drawing: str | os.PathLike, codec: Codec) -> Sample:
    """`drawing` prepared, compressed and decompressed as `qae compress` / `qae decompress` do."""
    picture = read_picture(drawing)
    prepared, _ = prepare(picture)
    bitstream = codec.compress(prepared[None])
    return Sample(picture, prepared.numpy(), bitstream, decode(bitstream, codec))


def decode(bitstream: bytes, codec: Codec) -> np.ndarray:
    """The uint8 (28, 28) digit a one-digit bitstream decodes to."""
    return to_uint8(codec.decompress(bitstream))[0].numpy()


def render(sample: Sample) -> Image.Image:
    """The three panels side by side: drawing, prepared digit, decoded digit."""
    strip = Image.new("L", (3 * PANEL + 2 * GAP, PANEL), 160)
    drawing = ImageOps.contain(sample.drawing.convert("L"), (PANEL, PANEL), Image.Resampling.LANCZOS)
    strip.paste(255, (0, 0, PANEL, PANEL))
    strip.paste(drawing, ((PANEL - drawing.width) // 2, (PANEL - drawing.height) // 2))
    for i, digit in enumerate((sample.prepared, sample.decoded), start=1):
        zoomed = Image.fromarray(digit, "L").resize((28 * ZOOM, 28 * ZOOM), Image.Resampling.NEAREST)
        strip.paste(zoomed, (i * (PANEL + GAP), 0))
    return strip


def panels(strip: Image.Image) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A rendered strip's drawing panel (PANEL, PANEL), prepared and decoded digits (28, 28)."""
    pixels = np.asarray(strip.convert("L"))
    digits = (pixels[::ZOOM, i * (PANEL + GAP) : i * (PANEL + GAP) + PANEL : ZOOM] for i in (1, 2))
    return pixels[:, :PANEL], *digits


def drawings(folder: Path) -> list[Path]:
    """The drawings of `folder`, by name."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in DRAWING_SUFFIXES)


def main(argv: list[str] | None = None) -> int:
    """Write every drawing's sample files; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drawn", type=Path, default=DRAWN, help=f"folder of drawings (default: {DRAWN})")
    parser.add_argument("--out", type=Path, default=SAMPLES, help=f"folder to write (default: {SAMPLES})")
    args = parser.parse_args(argv)
    if not args.drawn.is_dir() or not drawings(args.drawn):
        print(f"no drawings (PNG, JPEG) in {args.drawn}: run it in a checkout, or pass --drawn", file=sys.stderr)
        return 1
    codec = load_codec(CODEC, "cpu")
    for drawing in drawings(args.drawn):
        sample = make_sample(drawing, codec)
        png = io.BytesIO()
        render(sample).save(png, "PNG", optimize=True)
        name = sample_name(drawing)
        write_bytes(args.out / f"{name}.qae", sample.bitstream)
        write_bytes(args.out / f"{name}.png", png.getvalue())
        print(f"{drawing} -> {args.out / name}.png, .qae ({len(sample.bitstream)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
