"""Rate-distortion training: integer codes priced in bits by a learned prior.

Ballé et al.'s recipe in its scalar form: the code is rounded to integers with a
straight-through gradient, and a learned zero-mean logistic prior per dimension prices it
(`rate_bits`); the training loss is reconstruction + weight x bits per pixel, so the model
itself decides how many bits each dimension gets, and dimensions that do not pay for
themselves go quiet. Variable rate (Cui et al. 2021's gain units): one model learns one
operating point per rate weight, sharing everything but a gain per dimension on each side
of the rounding (the code is z x gain, the decoder reads its integers x inv_gain) and the
prior; each training image draws a level and pays that level's weight.

Operating points: the rate levels 0..L-1 (None: level 0). Codes are stored as integers in
[0, 2**code_bits), the integer range [-2**(code_bits-1), 2**(code_bits-1)) shifted.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from qae.bottlenecks.base import Bottleneck, Point

MNIST_PIXELS = 28 * 28  # the rate is priced per pixel, like the reconstruction loss


class RateDistortion(Bottleneck):
    """Gained integer rounding with a learned prior; one rate level per weight."""

    def __init__(self, width: int, rate_weights: list[float], code_bits: int = 8) -> None:
        super().__init__(width)
        self.rate_weights, self.code_bits = list(rate_weights), code_bits
        levels = len(self.rate_weights)
        self.log_scale = nn.Parameter(torch.zeros(levels, width))
        self.gain = nn.Parameter(torch.ones(levels, width))
        self.inv_gain = nn.Parameter(torch.ones(levels, width))
        self.register_buffer("weights", torch.tensor(self.rate_weights), persistent=False)

    @property
    def options(self) -> dict[str, Any]:
        return {"rate_weights": self.rate_weights, "code_bits": self.code_bits}

    @property
    def points(self) -> tuple[Point, ...]:
        return tuple(range(len(self.rate_weights)))

    def symbol_bits(self, point: Point) -> int:
        return self.code_bits

    def describe(self, point: Point) -> dict[str, Any]:
        level = self._level(point)
        return {**super().describe(point), "level": level, "rate_weight": self.rate_weights[level]}

    def _level(self, point: Point) -> int:
        return 0 if point is None else point

    @torch.no_grad()
    def to_codes(self, z: torch.Tensor, point: Point) -> torch.Tensor:
        half = 2 ** (self.code_bits - 1)
        return (torch.round(z * self.gain[self._level(point)]).long() + half).clamp_(0, 2 * half - 1)

    @torch.no_grad()
    def from_codes(self, codes: torch.Tensor, point: Point) -> torch.Tensor:
        integers = (codes.to(self.gain.device) - 2 ** (self.code_bits - 1)).float()
        return integers * self.inv_gain[self._level(point)]

    def rate_bits(self, z: torch.Tensor, level: int | torch.Tensor = 0) -> torch.Tensor:
        """(N,) bits each row of `z` costs under the prior of its rate `level` (one for all
        rows, or one per row), measured on the gained code plus uniform noise one step
        wide: the rounded code's price, with a gradient."""
        y = z * self.gain[level] + torch.rand_like(z) - 0.5
        scale = self.log_scale[level].exp()
        p = torch.sigmoid((y + 0.5) / scale) - torch.sigmoid((y - 0.5) / scale)
        return -torch.log2(p.clamp_min(1e-9)).sum(1)

    def forward(self, z: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Each row draws a rate level from `generator`; the auxiliary loss is the mean
        over rows of its level's weight x its bits per pixel."""
        level = torch.randint(len(self.rate_weights), (len(z),), generator=generator).to(z.device)
        y = z * self.gain[level]
        y = y + (torch.round(y) - y).detach()  # straight through
        rate = (self.weights[level] * self.rate_bits(z, level)).mean() / MNIST_PIXELS
        return y * self.inv_gain[level], rate
