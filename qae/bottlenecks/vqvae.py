"""VQ-VAE (van den Oord et al. 2017): one codebook, one index per image.

`codebook_size` vectors learned by EMA updates and started at k-means, a commitment loss
pulling the encoder to them, dead codewords re-seeded from the batch. The code is one
index of log2(codebook_size) bits.
"""

from __future__ import annotations

from typing import Any

import torch
from vector_quantize_pytorch import VectorQuantize

from qae.bottlenecks.base import Point
from qae.bottlenecks.vector import VectorQuantized, codebook_options
from qae.quantize import index_bits


class VQVAE(VectorQuantized):
    """One EMA codebook of `codebook_size` vectors."""

    def __init__(
        self, width: int, codebook_size: int, commitment: float = 0.001, dead_code_threshold: float = 0.0
    ) -> None:
        super().__init__(width)
        self.codebook_size, self.commitment, self.dead_code_threshold = codebook_size, commitment, dead_code_threshold
        codebook = codebook_options(commitment, dead_code_threshold)
        self.quantizer = VectorQuantize(dim=width, codebook_size=codebook_size, **codebook)

    @property
    def options(self) -> dict[str, Any]:
        return {
            "codebook_size": self.codebook_size,
            "commitment": self.commitment,
            "dead_code_threshold": self.dead_code_threshold,
        }

    def symbol_bits(self, point: Point) -> int:
        return index_bits(self.codebook_size)

    def code_dims(self, point: Point) -> int:
        return 1

    def _decode(self, indices: torch.Tensor) -> torch.Tensor:
        return self.quantizer.get_output_from_indices(indices[..., 0])
