"""Finite scalar quantization (Mentzer et al. 2023): the posts' scalar rounding as a
trained bottleneck, with no codebook to learn.

The vector is projected to `groups` groups of len(`levels`) bounded numbers, each rounded to
its number of levels; a group's numbers make one index of prod(levels) values.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from vector_quantize_pytorch import FSQ as LibraryFSQ

from qae.bottlenecks.base import Point
from qae.bottlenecks.vector import VectorQuantized
from qae.quantize import index_bits


class FSQ(VectorQuantized):
    """`groups` indices per image, each of prod(`levels`) values."""

    start_images = 0  # nothing to start: no codebook

    def __init__(self, width: int, groups: int, levels: list[int]) -> None:
        super().__init__(width)
        self.groups, self.levels = groups, list(levels)
        # indices keep their group axis, one group or many: (N, 1, groups) like the others'
        self.quantizer = LibraryFSQ(levels=self.levels, dim=width, num_codebooks=groups, keep_num_codebooks_dim=True)

    @property
    def options(self) -> dict[str, Any]:
        return {"groups": self.groups, "levels": self.levels}

    def symbol_bits(self, point: Point) -> int:
        return index_bits(math.prod(self.levels))

    def code_dims(self, point: Point) -> int:
        return self.groups

    def _decode(self, indices: torch.Tensor) -> torch.Tensor:
        return self.quantizer.indices_to_codes(indices)
