"""The code model and the range coder: integer codes <-> payload bytes.

The code model is a smoothed histogram per code dimension: the calibrated bottleneck
makes every dimension's codes nearly uniform but not exactly, and a quantization-aware
or rate-distortion model may shape them any way it likes, so a table that assumes no
shape is the safe choice; the smoothing pseudo-count keeps every level codable. Above
`table_bits` bits per element the top `table_bits` bits of a code are modeled by the
table and the rest are sent uniformly (there, a level holds about as much probability
as its neighbours, and 30k training codes could not fill a finer table anyway).

The coder is `constriction`'s range coder, one dimension after another. Decoding
checks what a header announces against the payload, so forged bytes raise
`BitstreamError`, never allocate for images that are not there. fp32 codecs send
float32 codes uncoded (`decode_floats`). This module knows nothing about models or images.
"""

from __future__ import annotations

import constriction
import numpy as np
import torch

from qae.codec.bitstream import BitstreamError

UNIFORM_CHUNK_BITS = 16  # constriction's Uniform model takes alphabets below 2**24
CODER_PRECISION = 24  # constriction's range coder rounds probabilities to multiples of 2**-24
CODER_STATE_BITS = 64  # what the coder's state may carry beyond the bits its symbols cost


def table_levels(bits: int, table_bits: int) -> int:
    """How many levels each dimension's probability table has."""
    return 2 ** min(bits, table_bits)


def fit_counts(codes: torch.Tensor, bits: int, table_bits: int) -> torch.Tensor:
    """(d, levels) int64 histogram of the (N, d) `codes`' top `table_bits` bits."""
    codes = codes.cpu().long()
    shift = max(bits - table_bits, 0)
    levels = table_levels(bits, table_bits)
    high = (codes >> shift) + levels * torch.arange(codes.shape[1])  # one bin range per dimension
    return torch.bincount(high.flatten(), minlength=levels * codes.shape[1]).reshape(codes.shape[1], levels)


def probabilities(counts: torch.Tensor, smoothing: float) -> np.ndarray:
    """(d, levels) float64 per-dimension probabilities: counts + `smoothing`, normalized."""
    p = counts.double().numpy() + smoothing
    return p / p.sum(1, keepdims=True)


def _low_chunks(bits: int, table_bits: int) -> list[tuple[int, int]]:
    """(shift, width) of the uniformly coded low parts of a code, high to low."""
    chunks, rest = [], max(bits - table_bits, 0)
    while rest:
        width = min(rest, UNIFORM_CHUNK_BITS)
        rest -= width
        chunks.append((rest, width))
    return chunks


def encode_codes(codes: torch.Tensor, probs: np.ndarray, bits: int, table_bits: int) -> bytes:
    """Range-code (N, d) integer `codes` of `bits` bits, dimension by dimension, with
    the (d, levels) `probs`; the payload only, no header."""
    codes = codes.cpu().long()
    if codes.dim() != 2 or codes.shape[1] != len(probs):
        raise ValueError(f"expected (N, {len(probs)}) codes, got {tuple(codes.shape)}")
    if len(codes) and (int(codes.min()) < 0 or int(codes.max()) >= 2**bits):
        raise ValueError(f"codes must lie in 0..{2**bits - 1}")
    shift = max(bits - table_bits, 0)
    encoder = constriction.stream.queue.RangeEncoder()
    for j, p in enumerate(probs):
        column = codes[:, j]
        encoder.encode((column >> shift).int().numpy(), constriction.stream.model.Categorical(p, perfect=False))
        for low, width in _low_chunks(bits, table_bits):
            chunk = (column >> low) & (2**width - 1)
            encoder.encode(chunk.int().numpy(), constriction.stream.model.Uniform(2**width))
    return encoder.get_compressed().astype(">u4").tobytes()


def fewest_bits(probs: np.ndarray, bits: int, table_bits: int) -> float:
    """The fewest bits the coder can spend on one (d,) row of codes: each dimension's
    likeliest level (its probability as the coder rounds it up, at most), plus the low
    parts, sent uniformly."""
    if probs.size == 0:
        return 0.0
    likeliest = np.minimum(probs.max(1) + (probs.shape[1] + 2) * 2.0**-CODER_PRECISION, 1.0)
    return float(-np.log2(likeliest).sum()) + max(bits - table_bits, 0) * len(probs)


def decode_codes(payload: bytes, probs: np.ndarray, bits: int, table_bits: int, count: int) -> torch.Tensor:
    """The (count, d) int64 codes `encode_codes` turned into `payload`."""
    if len(payload) % 4:
        raise BitstreamError(f"corrupt: a payload of {len(payload)} bytes is not whole 32-bit words")
    # The coder reads zeros past the end of its data: without this bound a forged count
    # would decode a 28-byte file into as many images as memory holds.
    if count * fewest_bits(probs, bits, table_bits) > 8 * len(payload) + CODER_STATE_BITS:
        raise BitstreamError(f"{len(payload)} payload bytes cannot hold {count:,} images")  # callers say "corrupt"
    decoder = constriction.stream.queue.RangeDecoder(np.frombuffer(payload, ">u4").astype(np.uint32))
    columns = []
    for p in probs:
        column = decoder.decode(constriction.stream.model.Categorical(p, perfect=False), count).astype(np.int64)
        for _, width in _low_chunks(bits, table_bits):
            column = column << width | decoder.decode(constriction.stream.model.Uniform(2**width), count)
        columns.append(column)
    return torch.from_numpy(np.stack(columns, 1)) if columns else torch.zeros(count, 0, dtype=torch.long)


def decode_floats(payload: bytes, dims: int, count: int) -> torch.Tensor:
    """The (count, dims) float32 codes of an uncoded (fp32) payload: little-endian
    float32s, row after row; all finite (a decoder fed NaN draws NaN images)."""
    if len(payload) != 4 * dims * count:
        raise BitstreamError(f"corrupt: {len(payload)} bytes cannot hold {count} float32 codes")
    codes = np.frombuffer(payload, "<f4").astype(np.float32).reshape(count, dims)
    if not np.isfinite(codes).all():
        raise BitstreamError("corrupt payload: a float32 code is not a finite number")
    return torch.from_numpy(codes)


def bit_table(probs: np.ndarray) -> torch.Tensor:
    """(levels, d) float32 -log2 p: the ideal bits of each level in each dimension."""
    return torch.from_numpy(-np.log2(probs).T).float()


def code_length(codes: torch.Tensor, probs: np.ndarray, bits: int, table_bits: int) -> float:
    """Ideal bits (-log2 probability, summed) of the (N, d) `codes` under `probs`:
    what a perfect entropy coder would write."""
    shift = max(bits - table_bits, 0)
    high = (codes.cpu().long() >> shift).numpy()
    return float(-np.log2(np.take_along_axis(probs.T, high, 0)).sum() + shift * codes.numel())


def empirical_entropy(codes: torch.Tensor) -> float:
    """Bits per row: the sum over dimensions of the plug-in entropy of each column's
    values. Biased low when there are about as many levels as rows."""
    total = 0.0
    for column in codes.cpu().long().T:
        p = torch.unique(column, return_counts=True)[1].double() / len(column)
        total -= float((p * p.log2()).sum())
    return total
