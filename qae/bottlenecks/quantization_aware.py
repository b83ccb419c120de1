"""Quantization-aware training: the rounding bottleneck, with the rounding in the loop.

While training, each batch's code is standardized with the batch's own mean and standard
deviation (as batch norm does), so the encoder cannot push it into saturation where every
image gets the same level (code collapse), then rounded to `bits` bits with a
straight-through gradient, or, with `noise`, given uniform noise one step wide instead.
After training it is calibrated like `rounding`, and evaluated like it (at any bits).
"""

from __future__ import annotations

from typing import Any

import torch

from qae.bottlenecks.rounding import Rounding
from qae.quantize import GAUSSIAN_GAIN, LOGIT_EPS, round_to_bits


class QuantizationAware(Rounding):
    """`Rounding` trained at `bits` bits per element (straight-through, or `noise`)."""

    def __init__(self, width: int, bits: int, noise: bool = False) -> None:
        super().__init__(width)
        self.bits, self.noise = bits, noise

    @property
    def options(self) -> dict[str, Any]:
        return {"bits": self.bits, "noise": self.noise}

    def forward(self, z: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, None]:
        center, scale = z.mean(0), z.std(0).clamp_min(1e-6) / GAUSSIAN_GAIN
        u = torch.sigmoid((z - center) / scale)
        if self.noise:
            q = (u + (torch.rand_like(u) - 0.5) * 2.0**-self.bits).clamp(0, 1)
        else:
            q = u + (round_to_bits(u, self.bits, self.midpoint) - u).detach()  # straight through
        return torch.logit(q, eps=LOGIT_EPS) * scale + center, None

    def extra_repr(self) -> str:
        return f"bits={self.bits}, noise={self.noise}"
