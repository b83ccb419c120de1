"""The quantizer as pure functions: round a code in [0, 1] to b bits, and back.

The bottlenecks of `qae.bottlenecks` compose these, so evaluation can sweep bits
without retraining. This module knows nothing about models, images or training.

Two quantizers, both with 2**b levels and integer codes k = floor(u * 2**b):
- `midpoint=True` (corrected): k decodes to the centre of its bin, (k + 0.5) / 2**b,
  so the error is at most half a step.
- `midpoint=False` (post 001 as written): k decodes to the bin's lower edge, k / 2**b,
  an error of up to a whole step, always downwards.
"""

from __future__ import annotations

import math

import torch

LOGIT_EPS = 1e-3  # post 001's torch.logit(x, eps=0.001): keeps the decoder input finite
UNQUANTIZED = "fp32"  # the bits value (params, command lines, file names) that keeps the float32 code


def is_valid_bits(value: object) -> bool:
    """True for 1..32 or UNQUANTIZED."""
    return value == UNQUANTIZED or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 32)


def parse_bits(value: int | str) -> int | None:
    """A bits value from params or a command line ("8", 8, "fp32") as the quantizer's:
    an int, or None for the float32 code."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not is_valid_bits(value):
        raise ValueError(f"bits must be an integer in 1..32 or '{UNQUANTIZED}', got {value!r}")
    return None if value == UNQUANTIZED else int(value)


def bits_name(bits: int | None) -> str:
    """The inverse of `parse_bits`: 8 -> "8", None -> "fp32"."""
    return UNQUANTIZED if bits is None else str(bits)


def to_codes(u: torch.Tensor, bits: int) -> torch.Tensor:
    """Integer codes in [0, 2**bits - 1] of values `u` in [0, 1]; int64, same shape."""
    levels = 2**bits
    # float64 so that 2**32 levels are counted exactly; (N, d) codes are small.
    return torch.floor(u.double() * levels).clamp_(0, levels - 1).long()


def from_codes(codes: torch.Tensor, bits: int, midpoint: bool = True) -> torch.Tensor:
    """Values in [0, 1] that integer `codes` of `bits` bits stand for (float32)."""
    offset = 0.5 if midpoint else 0.0
    return ((codes.double() + offset) / 2**bits).float()


def round_to_bits(u: torch.Tensor, bits: int, midpoint: bool = True) -> torch.Tensor:
    """Quantize `u` in [0, 1] to one of 2**bits levels."""
    return from_codes(to_codes(u, bits), bits, midpoint).to(u.device)


GAUSSIAN_GAIN = 1.702  # sigmoid(1.702 x) is within 0.01 of the normal CDF


def index_bits(count: int) -> int:
    """Bits of a fixed-width index that takes `count` values (at least 1)."""
    return max(1, math.ceil(math.log2(count)))
