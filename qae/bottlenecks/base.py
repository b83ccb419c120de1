"""The bottleneck contract, and the registry that builds any bottleneck by name.

A bottleneck sits between an encoder's (N, width) output and the decoder's (N, width)
input and makes the code a codec sends. Every bottleneck keeps one contract, so that one
`qae.models.Autoencoder`, one training loop (`qae.train`) and one codec (`qae.codec`)
serve them all:

- training: `forward(z, generator)` returns what the decoder reads and an auxiliary loss
  the loop adds to the reconstruction loss (0, a commitment loss, a rate); `start` sees
  the encoder outputs of `start_images` training images before the first step, and
  `after_training` those of the whole training set after the last (a calibration);
- operating points (`points`): one trained model may be sent several ways: at any bits
  per element (rounding), at one of its rate levels (rate-distortion), with its first q
  codebooks (residual VQ). A point's code is `code_dims(point)` integers per image of
  `symbol_bits(point)` bits each (None: float32 numbers, sent raw);
- coding: `to_codes(z, point)` and `from_codes(codes, point)` are the two ends of a codec.

Adding a method takes one new file in this folder (a subclass, its name in `BOTTLENECKS`),
its params and its stage entry. Not here: training loops, entropy coding, images.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import nn

Point = int | None  # an operating point: bits per element, a rate level, a codebook count; None: the default

# Registry: name (params, checkpoints) -> "module:class". Loaded on use, so that building a
# rounding model never imports the VQ family's library.
BOTTLENECKS = {
    "rounding": "qae.bottlenecks.rounding:Rounding",
    "posts_rounding": "qae.bottlenecks.posts_rounding:PostsRounding",
    "quantization_aware": "qae.bottlenecks.quantization_aware:QuantizationAware",
    "rate_distortion": "qae.bottlenecks.rate_distortion:RateDistortion",
    "vqvae": "qae.bottlenecks.vqvae:VQVAE",
    "rvq": "qae.bottlenecks.rvq:ResidualVQ",
    "fsq": "qae.bottlenecks.fsq:FSQ",
}


class Bottleneck(nn.Module):
    """The contract (see the module). Subclasses take `width` and their own options as
    keyword arguments, and `options` returns those, so a config rebuilds them."""

    ordered: ClassVar[bool] = True  # integer codes are ordered levels; False: arbitrary labels (indices)
    nested: ClassVar[bool] = False  # a point's code is the first code_dims(point) integers of point None's
    start_images: ClassVar[int] = 0  # training images whose encoder outputs `start` sees

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    @property
    def options(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this bottleneck (besides `width`)."""
        return {}

    # Operating points
    @property
    def points(self) -> tuple[Point, ...]:
        """Every operating point this bottleneck offers."""
        return (None,)

    def check(self, point: Point) -> None:
        """Raise ValueError if `point` is not one of `points`."""
        if point not in self.points:
            raise ValueError(f"{type(self).__name__} offers the operating points {self.points}, not {point!r}")

    def symbol_bits(self, point: Point) -> int | None:
        """Bits of one integer of the code at `point`; None: float32 numbers."""
        raise NotImplementedError

    def code_dims(self, point: Point) -> int:
        """Integers (or numbers) per image at `point`."""
        return self.width

    def describe(self, point: Point) -> dict[str, Any]:
        """What a record says of `point`: dims (integers per image), bits (of each, or
        "fp32"), and whatever else names the point (a rate level and its weight)."""
        bits = self.symbol_bits(point)
        return {"dims": self.code_dims(point), "bits": "fp32" if bits is None else bits}

    # Coding
    def to_codes(self, z: torch.Tensor, point: Point) -> torch.Tensor:
        """(N, width) encoder outputs -> (N, code_dims) int64 codes (float32 for float codes)."""
        raise NotImplementedError

    def from_codes(self, codes: torch.Tensor, point: Point) -> torch.Tensor:
        """(N, code_dims) codes -> (N, width) what the decoder reads."""
        raise NotImplementedError

    def quantize(self, z: torch.Tensor, point: Point) -> torch.Tensor:
        """(N, width) encoder outputs -> what the decoder reads after sending them at `point`."""
        return self.from_codes(self.to_codes(z, point), point)

    # Training
    def forward(self, z: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Training: (N, width) -> (what the decoder reads, with gradients; an auxiliary
        loss, a scalar). `generator` is the training loop's, for random choices."""
        raise NotImplementedError

    def start(self, z: torch.Tensor) -> None:
        """Before the first training step, with `start_images` images' encoder outputs."""

    def after_training(self, training_codes: Callable[[], torch.Tensor]) -> None:
        """After the last training step; `training_codes()` gives the training set's
        encoder outputs (computed only if called)."""


def bottleneck_class(name: str) -> type[Bottleneck]:
    """The class registered as `name` in `BOTTLENECKS`."""
    if name not in BOTTLENECKS:
        raise ValueError(f"unknown bottleneck {name!r}; one of {', '.join(BOTTLENECKS)}")
    module, _, cls = BOTTLENECKS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def build_bottleneck(name: str, width: int, options: dict[str, Any] | None = None) -> Bottleneck:
    """A fresh bottleneck `name` for `width`-wide encoder outputs, with `options`."""
    return bottleneck_class(name)(width, **(options or {}))
