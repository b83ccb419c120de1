"""Residual VQ (Zeghidour et al. 2021): each codebook quantizes what the ones before left.

`codebooks` EMA codebooks of `codebook_size` vectors. Trained with quantizer dropout (each
batch stops after a random number of codebooks), so the first q indices alone decode: the
operating points are q = 1..codebooks (None: all), one model for a sweep of rates.
"""

from __future__ import annotations

from typing import Any

import torch
from vector_quantize_pytorch import ResidualVQ as LibraryResidualVQ

from qae.bottlenecks.base import Point
from qae.bottlenecks.vector import VectorQuantized, codebook_options
from qae.quantize import index_bits


class ResidualVQ(VectorQuantized):
    """`codebooks` residual EMA codebooks; the first q indices are a code of their own."""

    nested = True

    def __init__(
        self,
        width: int,
        codebooks: int,
        codebook_size: int,
        commitment: float = 0.001,
        dead_code_threshold: float = 0.0,
    ) -> None:
        super().__init__(width)
        self.codebooks, self.codebook_size = codebooks, codebook_size
        self.commitment, self.dead_code_threshold = commitment, dead_code_threshold
        self.quantizer = LibraryResidualVQ(
            dim=width,
            num_quantizers=codebooks,
            codebook_size=codebook_size,
            quantize_dropout=codebooks > 1,  # each batch stops after a random number of codebooks
            **codebook_options(commitment, dead_code_threshold),
        )

    @property
    def options(self) -> dict[str, Any]:
        return {
            "codebooks": self.codebooks,
            "codebook_size": self.codebook_size,
            "commitment": self.commitment,
            "dead_code_threshold": self.dead_code_threshold,
        }

    @property
    def points(self) -> tuple[Point, ...]:
        return (*range(1, self.codebooks + 1), None)

    def symbol_bits(self, point: Point) -> int:
        return index_bits(self.codebook_size)

    def code_dims(self, point: Point) -> int:
        return self.codebooks if point is None else point

    @torch.no_grad()
    def start(self, z: torch.Tensor) -> None:
        """Start every codebook, not a random prefix of them."""
        self.quantizer.quantize_dropout = False
        try:
            super().start(z)
        finally:
            self.quantizer.quantize_dropout = self.codebooks > 1

    def _decode(self, indices: torch.Tensor) -> torch.Tensor:
        return self.quantizer.get_output_from_indices(indices)
