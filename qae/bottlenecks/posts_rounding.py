"""Rounding as posts 000/001 wrote it: sigmoid -> round to b bits -> logit, uncalibrated.

Kept to reproduce the posts (`sweep.recipe: post`). Three differences from `rounding`:
an integer code decodes to its bin's lower edge (an error of up to a whole step, always
downwards); the code is never standardized (center 0, scale 1); and float codes pass
logit(sigmoid(z), eps=0.001) too, which clamps them to +-6.9 with zero gradient beyond,
so a code that drifts there stops learning.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from qae.bottlenecks.rounding import Rounding


class PostsRounding(Rounding):
    """`Rounding` with post 001's floor, no calibration and the clamped float path."""

    midpoint = False

    def float_path(self, z: torch.Tensor) -> torch.Tensor:
        return self.unbound(self.bound(z))

    def after_training(self, training_codes: Callable[[], torch.Tensor]) -> None:
        """Nothing: the posts never calibrate."""
