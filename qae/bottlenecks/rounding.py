"""Rounding, corrected: sigmoid -> round to b bits -> logit, calibrated to the training codes.

The bottleneck of posts 000/001 with their flaws fixed (reports/sweep.md): an integer code
k = floor(u * 2**b) decodes to its bin's centre (error at most half a step); float codes
pass unchanged while training; after training `after_training` standardizes each
dimension with the training codes' mean and standard deviation, scaled so that the
sigmoid of a Gaussian code is close to uniform, so every level is used about equally
often whatever range the encoder settled on. Operating points: any bits per element
1..32, or None for the float32 code. No weights, only the `center` and `scale` buffers.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from qae.bottlenecks.base import Bottleneck, Point
from qae.quantize import GAUSSIAN_GAIN, LOGIT_EPS, from_codes, to_codes


class Rounding(Bottleneck):
    """sigmoid((z - center) / scale) -> round to b bits -> logit, scaled back."""

    midpoint = True  # an integer code decodes to its bin's centre

    def __init__(self, width: int) -> None:
        super().__init__(width)
        self.register_buffer("center", torch.zeros(width))
        self.register_buffer("scale", torch.ones(width))

    @property
    def points(self) -> tuple[Point, ...]:
        return (*range(1, 33), None)

    def symbol_bits(self, point: Point) -> int | None:
        return point

    @torch.no_grad()
    def calibrate(self, z: torch.Tensor) -> None:
        """Set center and scale from (N, width) float codes of the training set."""
        self.center.copy_(z.mean(0))
        self.scale.copy_(z.std(0).clamp_min(1e-6) / GAUSSIAN_GAIN)

    def bound(self, z: torch.Tensor) -> torch.Tensor:
        """(N, width) real codes -> (N, width) codes in (0, 1)."""
        return torch.sigmoid((z - self.center) / self.scale)

    def unbound(self, u: torch.Tensor) -> torch.Tensor:
        """(N, width) codes in [0, 1] -> (N, width) decoder inputs."""
        return torch.logit(u, eps=LOGIT_EPS) * self.scale + self.center

    def to_codes(self, z: torch.Tensor, point: Point) -> torch.Tensor:
        return z if point is None else to_codes(self.bound(z), point)

    def from_codes(self, codes: torch.Tensor, point: Point) -> torch.Tensor:
        if point is None:
            return self.float_path(codes)
        return self.unbound(from_codes(codes, point, self.midpoint).to(self.center.device))

    def float_path(self, z: torch.Tensor) -> torch.Tensor:
        """What the decoder reads of an unquantized code: the code itself (logit(sigmoid(z)) is z)."""
        return z

    def forward(self, z: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, None]:
        return self.float_path(z), None

    def after_training(self, training_codes: Callable[[], torch.Tensor]) -> None:
        self.calibrate(training_codes())
