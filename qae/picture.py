"""A picture of one handwritten digit, prepared as MNIST's digits were: a 28x28 image.

MNIST's digits are NIST's black-on-white scans, size-normalized to fit a 20x20 box
with their aspect ratio kept (the anti-aliasing makes the gray levels), then centred
by their centre of mass in a 28x28 field, white on black (LeCun, Bottou, Bengio and
Haffner, 1998). `prepare` does the same to a picture of any size and mode Pillow reads:

1. grayscale; a transparent background is flattened onto the colour the ink is not;
2. dark ink on light paper (the picture's border is light) is inverted;
3. levels: the paper (the border's median) goes to 0 and the brightest ink to 1; what
   is within `NOISE_FLOOR` of the paper is paper (JPEG ringing, grain, faint shadows);
4. the ink's bounding box is scaled to fit 20x20, aspect ratio kept, anti-aliased, and
   its brightest pixel made 255 (nearly every MNIST digit reaches 255);
5. it is placed in 28x28 with its centre of mass on pixel (14, 14), MNIST's own (the
   test digits' mean is (14.0, 14.0), whole-pixel shifts), moved back inside if it
   would cross the edge.
A 28x28 picture with a dark border is MNIST's format already and is taken as it is.

What it is not for: finding a digit in a photo or a page (every mark, shadow or second
digit counts as ink), deskewing (MNIST did not deskew), thickening thin strokes, or
anything that is not one digit. `qae compress` uses it; qae/pretrained/CARD.md says
what the codec is for.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

BOX, FIELD, CENTRE = 20, 28, 14  # MNIST's: the digit's box, the image, its centre-of-mass pixel
NOISE_FLOOR = 0.2  # share of the ink's contrast above the paper that still counts as paper
MIN_CONTRAST = 0.1  # brightest ink minus paper, below which a picture holds no digit
WORKING_SIDE = 1024  # larger pictures are shrunk first: the digit ends up 20 pixels tall anyway
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


class PictureError(ValueError):
    """A picture qae cannot read, or that holds no digit."""


@dataclass(frozen=True)
class Preparation:
    """What `prepare` did to a picture."""

    size: tuple[int, int]  # the picture's (width, height)
    mode: str  # its Pillow mode: "L", "RGB", "RGBA", "1", ...
    format: str | None  # its file format: "PNG", "JPEG", ... (None: made in memory)
    as_is: bool  # 28x28 with a dark border: taken as it is
    flattened_onto: str | None = None  # "white" or "black": where transparency was flattened
    inverted: bool = False  # dark ink on light paper, made light on dark
    ink: tuple[int, int] = (0, 0)  # (width, height) of the digit's bounding box in the picture
    fitted: tuple[int, int] = (0, 0)  # its (width, height) in the 28x28 image

    def describe(self) -> str:
        """One line for the user: the picture, then what was done to it."""
        picture = f"{self.size[0]}x{self.size[1]} {self.mode}" + (f" {self.format}" if self.format else "")
        if self.as_is:
            return f"{picture}, light on dark: taken as it is (MNIST's format)"
        steps = ["grayscale" if self.mode not in ("L", "1") else None]
        steps.append(f"transparency flattened onto {self.flattened_onto}" if self.flattened_onto else None)
        steps.append("inverted (dark on light)" if self.inverted else None)
        steps.append(f"digit {self.ink[0]}x{self.ink[1]} fitted to {self.fitted[0]}x{self.fitted[1]}")
        steps.append(f"centred by its centre of mass in {FIELD}x{FIELD}")
        return f"{picture}: " + ", ".join(s for s in steps if s)


def read_picture(path: str | os.PathLike) -> Image.Image:
    """The picture in `path`, decoded in full (its first frame) and turned upright as its
    EXIF orientation says; PictureError says why not."""
    try:
        with Image.open(path) as opened:
            opened.load()  # now, not later: a truncated file fails here
            picture = ImageOps.exif_transpose(opened)
            picture.format = opened.format  # exif_transpose returns a copy without it
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise  # the file, not the picture: the caller names it
    except UnidentifiedImageError as e:
        raise PictureError("not an image format Pillow reads") from e
    except Image.DecompressionBombError as e:
        raise PictureError(f"too large to be one digit ({e})") from e
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as e:  # how Pillow's decoders say it
        raise PictureError(f"a corrupt or truncated image ({e})") from e
    return picture


def prepare(picture: Image.Image) -> tuple[torch.Tensor, Preparation]:
    """`picture` as an MNIST digit: uint8 (28, 28), light on dark, and what was done."""
    size, mode, fmt = picture.size, picture.mode, picture.format
    gray, flattened_onto = _grayscale(picture)
    shrunk = max(size) / max(gray.shape)  # picture pixels per working pixel
    paper = float(np.median(_border(gray)))
    if size == (FIELD, FIELD) and paper < MIN_CONTRAST:
        return torch.from_numpy(_to_uint8(gray)), Preparation(size, mode, fmt, as_is=True)
    inverted = paper > 0.5
    if inverted:
        gray, paper = 1 - gray, 1 - paper
    ink = _levels(gray, paper)
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    digit = _fit(ink)
    image = _centre(digit)
    box = (round(ink.shape[1] * shrunk), round(ink.shape[0] * shrunk))  # in the picture's pixels
    done = Preparation(size, mode, fmt, False, flattened_onto, inverted, box, (digit.shape[1], digit.shape[0]))
    return torch.from_numpy(_to_uint8(image)), done


def _grayscale(picture: Image.Image) -> tuple[np.ndarray, str | None]:
    """float32 (H, W) in [0, 1], shrunk to WORKING_SIDE at most; and the colour a
    transparent background was flattened onto (None: the picture has none)."""
    alpha = None
    if picture.mode in _ALPHA_MODES or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"), np.float32) / 255
        gray = np.asarray(rgba.convert("L"), np.float32) / 255
    elif picture.mode.startswith("I"):  # 16- or 32-bit integers: 16-bit PNGs and TIFFs
        gray = np.asarray(picture, np.float32)
        gray = gray / (65535 if gray.max() > 255 else 255)
    elif picture.mode == "F":
        gray = np.clip(np.asarray(picture, np.float32), 0, None)
        gray = gray / max(float(gray.max()), 1.0)
    else:
        try:
            gray = np.asarray(picture.convert("RGB").convert("L"), np.float32) / 255
        except ValueError as e:  # a mode Pillow cannot convert (LAB, HSV in some versions, ...)
            raise PictureError(f"{picture.mode} pictures cannot be made grayscale ({e})") from e
    flattened_onto = None
    if alpha is not None and alpha.min() < 1:
        # Ink drawn on a transparent canvas: lay the canvas in the colour the ink is not.
        ink = float((alpha * gray).sum() / max(float(alpha.sum()), 1e-6))
        background = 1.0 if ink < 0.5 else 0.0
        gray = alpha * gray + (1 - alpha) * background
        flattened_onto = "white" if background else "black"
    if max(gray.shape) > WORKING_SIDE:
        scale = WORKING_SIDE / max(gray.shape)
        shape = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        gray = np.asarray(Image.fromarray(gray, "F").resize(shape, Image.Resampling.BOX))
    return np.clip(gray, 0, 1), flattened_onto


def _border(gray: np.ndarray) -> np.ndarray:
    """The outermost pixels of a (H, W) image: where the paper is."""
    return np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])


def _levels(gray: np.ndarray, paper: float) -> np.ndarray:
    """Light-on-dark `gray` with the paper at 0 and the brightest ink at 1 (see NOISE_FLOOR)."""
    top = float(gray.max())
    if top - paper < MIN_CONTRAST:
        raise PictureError(f"no digit: the picture is one flat shade (its ink stands out by {top - paper:.0%})")
    floor = paper + NOISE_FLOOR * (top - paper)
    return np.clip((gray - floor) / (top - floor), 0, 1)


def _fit(ink: np.ndarray) -> np.ndarray:
    """The (h, w) ink scaled to fit BOX x BOX, aspect ratio kept, brightest pixel 1."""
    scale = BOX / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    # Shrinking averages the area each pixel covers (the anti-aliasing of MNIST's
    # normalization); enlarging a tiny drawing interpolates.
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    digit = np.clip(np.asarray(Image.fromarray(ink.astype(np.float32), "F").resize(size, resample)), 0, 1)
    return digit / max(float(digit.max()), 1e-6)


def _centre(digit: np.ndarray) -> np.ndarray:
    """The (h, w) digit in a FIELD x FIELD image, its centre of mass on pixel (CENTRE, CENTRE)."""
    h, w = digit.shape
    mass = float(digit.sum())
    cy = float(digit.sum(1) @ np.arange(h)) / mass
    cx = float(digit.sum(0) @ np.arange(w)) / mass
    top = min(max(math.floor(CENTRE - cy + 0.5), 0), FIELD - h)  # whole pixels: no second blur
    left = min(max(math.floor(CENTRE - cx + 0.5), 0), FIELD - w)
    field = np.zeros((FIELD, FIELD), np.float32)
    field[top : top + h, left : left + w] = digit
    return field


def _to_uint8(gray: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(gray, 0, 1) * 255).astype(np.uint8)
