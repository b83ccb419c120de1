"""Draw the digits the tests and the codec's card use as pictures people make: black
ink on white, 100x100, as a drawing app would save them (anti-aliased strokes).

Usage: python tests/data/make_drawn_digits.py [OUT_DIR]  (default: tests/data/drawn)
Writes seven.png, the same seven as seven.jpg (quality 75, as photo tools default to),
and two.png. Drawn with Pillow at 4x, then shrunk: the strokes' edges come out gray.
"""

import sys
from pathlib import Path

from PIL import Image, ImageDraw

SIDE, SCALE, PEN = 100, 4, 9  # a 100x100 picture, drawn at 4x, a 9-pixel marker


def canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("L", (SIDE * SCALE, SIDE * SCALE), 255)
    return image, ImageDraw.Draw(image)


def stroke(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]]) -> None:
    """A pen stroke through `points` (in the 100x100 picture's coordinates)."""
    scaled = [(x * SCALE, y * SCALE) for x, y in points]
    draw.line(scaled, fill=0, width=PEN * SCALE, joint="curve")
    r = PEN * SCALE / 2  # round pen ends
    for x, y in (scaled[0], scaled[-1]):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=0)


def seven() -> Image.Image:
    image, draw = canvas()
    stroke(draw, [(24, 24), (50, 22), (76, 21), (70, 34), (60, 52), (50, 70), (44, 84)])
    return image.resize((SIDE, SIDE), Image.Resampling.LANCZOS)


def two() -> Image.Image:
    image, draw = canvas()
    top = [(26, 36), (30, 26), (40, 19), (53, 18), (65, 23), (70, 33), (67, 44), (58, 55)]
    stroke(draw, [*top, (46, 67), (32, 79), (26, 82), (45, 81), (62, 80), (76, 81)])
    return image.resize((SIDE, SIDE), Image.Resampling.LANCZOS)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "drawn"
    out.mkdir(parents=True, exist_ok=True)
    seven().save(out / "seven.png", optimize=True)
    seven().convert("RGB").save(out / "seven.jpg", quality=75)
    two().save(out / "two.png", optimize=True)


if __name__ == "__main__":
    main()
