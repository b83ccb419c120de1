"""What the vector-quantized bottlenecks share: the encoder's vector, layer-normalized,
through one of vector-quantize-pytorch's quantizers; the code is its indices.

The three methods are peers of the scalar ones (`vqvae`, `rvq`, `fsq` beside this
file); this base holds their plumbing: the normalization, the forward pass with the
quantizer's commitment loss, indices out and vectors back. Indices are labels, not ordered
levels, so a codec models every index's frequency (`ordered = False`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from qae.bottlenecks.base import Bottleneck, Point

EMA_DECAY = 0.8  # codebook EMA: the library default; 0.99 learned slower here
START_IMAGES = 8192  # the codebooks' k-means start sees this many training images' vectors, not one batch


def codebook_options(commitment: float, dead_code_threshold: float) -> dict[str, Any]:
    """The library's settings of an EMA codebook, as qae trains them."""
    return {
        "decay": EMA_DECAY,
        "kmeans_init": True,  # codebooks start at k-means of the first vectors they see (`start`)
        "threshold_ema_dead_code": dead_code_threshold,
        "commitment_weight": commitment,
        "rotation_trick": False,  # VQ-VAE's straight-through gradient
    }


class VectorQuantized(Bottleneck):
    """LayerNorm, then `self.quantizer` (set by the subclass) on one "token" per image."""

    ordered = False
    start_images = START_IMAGES
    quantizer: nn.Module

    def __init__(self, width: int) -> None:
        super().__init__(width)
        # The encoder's last layer is linear: unnormalized, its outputs grow until FSQ's tanh
        # saturates (no gradient) or drift away from the EMA codebooks.
        self.norm = nn.LayerNorm(width)

    def _indices(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, k) indices -> what the quantizer's decoding takes."""
        raise NotImplementedError

    def forward(self, z: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, width) -> the quantized (N, width) (straight-through gradients) and the
        commitment loss (0 without one). Training mode updates the codebooks."""
        out = self.quantizer(self.norm(z).unsqueeze(1))
        loss = out[2].sum() if len(out) > 2 else z.new_zeros(())
        return out[0].squeeze(1), loss

    @torch.no_grad()
    def start(self, z: torch.Tensor) -> None:
        """Start the codebooks at k-means of these vectors (the library would use one batch)."""
        self.train()
        self(z)

    @torch.inference_mode()
    def to_codes(self, z: torch.Tensor, point: Point) -> torch.Tensor:
        self.check(point)
        was_training = self.training
        self.eval()  # never update a codebook while encoding
        try:
            indices = self.quantizer(self.norm(z).unsqueeze(1))[1]
        finally:
            self.train(was_training)
        return indices.reshape(len(z), -1)[:, : self.code_dims(point)].long()

    def from_codes(self, codes: torch.Tensor, point: Point) -> torch.Tensor:
        self.check(point)
        return self._decode(codes.long().unsqueeze(1)).squeeze(1)  # (N, 1, k): one "token" per image

    def _decode(self, indices: torch.Tensor) -> torch.Tensor:
        """(N, 1, k) indices -> (N, 1, width) vectors."""
        raise NotImplementedError
