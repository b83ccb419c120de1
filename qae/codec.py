"""Real bitstreams: the integer codes of an autoencoder, entropy coded.

A `Codec` is an autoencoder, a bits level and a per-dimension probability model of
the integer codes, fitted on the autoencoder's training set and saved with the model
in one file, so `Codec.compress(images) -> bytes` and `Codec.decompress(bytes) ->
images` need nothing else. The coder is `constriction`'s range coder.

The probability model is a smoothed histogram per code dimension: the calibrated
bottleneck makes every dimension's codes nearly uniform but not exactly, and a
quantization-aware model may shape them any way it likes, so a table that assumes no
shape is the safe choice; the smoothing pseudo-count keeps every level codable. Above
`table_bits` bits per element the top `table_bits` bits of a code are modeled by the
table and the rest are sent uniformly (there, a level holds about as much probability
as its neighbours, and 30k training codes could not fill a finer table anyway).

A bitstream is a 28-byte header (magic, format version, bits, dims, image count, the
codec's id, payload length, CRC32 of header and payload) and the range coder's
payload. `decompress` checks all of it and raises `BitstreamError` on corrupt,
truncated or foreign input rather than decode garbage. `bits=None` (fp32) sends the
float32 decoder inputs raw: 32 x dims bits per image, no entropy coding.

The encoder's rounding is a guess, not the best code: with a `CodeSearch` the codec
then moves codes one step at a time while that lowers reconstruction error + weight x
bits, as classic codecs' encoders search their own quantized values. Only encoding
changes (and slows); decoders and bitstreams are the same, so a searched stream
decodes with any copy of the codec.

This module does not train models or score reconstructions.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from dataclasses import asdict, dataclass

import constriction
import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from qae.data import as_unit_images, batch_slices
from qae.io import save_torch
from qae.models import Autoencoder, autoencoder_checkpoint, autoencoder_from_checkpoint, read_checkpoint

MAGIC = b"QAEB"
FORMAT_VERSION = 1
# magic, version, bits (0: fp32), dims, image count, codec id, payload bytes, CRC32
_HEADER = struct.Struct(">4sBBHI8sII")
HEADER_BYTES = _HEADER.size  # 28
UNIFORM_CHUNK_BITS = 16  # constriction's Uniform model takes alphabets below 2**24
MIN_GAIN = 1e-3  # a search move must beat the current code by more than float noise


class BitstreamError(ValueError):
    """Bytes that are not a valid qae bitstream for this codec: corrupt, truncated or foreign."""


@dataclass(frozen=True)
class Header:
    """What a bitstream says about itself."""

    bits: int | None
    dims: int
    count: int
    codec_id: bytes
    payload_bytes: int


def pack(header: Header, payload: bytes) -> bytes:
    """Header + payload, with a CRC32 over both."""
    fields = (MAGIC, FORMAT_VERSION, header.bits or 0, header.dims, header.count, header.codec_id, len(payload))
    head = _HEADER.pack(*fields, 0)[:-4]
    return head + struct.pack(">I", zlib.crc32(payload, zlib.crc32(head))) + payload


def unpack(data: bytes) -> tuple[Header, bytes]:
    """Split and check a bitstream; BitstreamError names what is wrong."""
    if len(data) < HEADER_BYTES:
        raise BitstreamError(f"truncated: {len(data)} bytes, shorter than the {HEADER_BYTES}-byte header")
    magic, version, bits, dims, count, codec_id, size, crc = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise BitstreamError(f"not a qae bitstream: starts with {magic!r}, expected {MAGIC!r}")
    if version != FORMAT_VERSION:
        raise BitstreamError(f"format version {version} is not supported (this qae reads {FORMAT_VERSION})")
    payload = data[HEADER_BYTES:]
    if len(payload) < size:
        raise BitstreamError(f"truncated: the header announces {size} payload bytes, {len(payload)} are left")
    if len(payload) > size:
        raise BitstreamError(f"{len(payload) - size} unexpected bytes after the payload")
    if zlib.crc32(payload, zlib.crc32(data[: HEADER_BYTES - 4])) != crc:
        raise BitstreamError("corrupt: the CRC32 checksum does not match")
    return Header(bits or None, dims, count, codec_id, size), payload


def table_levels(bits: int, table_bits: int) -> int:
    """How many levels each dimension's probability table has."""
    return 2 ** min(bits, table_bits)


def fit_counts(codes: torch.Tensor, bits: int, table_bits: int) -> torch.Tensor:
    """(d, levels) int64 histogram of the (N, d) `codes`' top `table_bits` bits."""
    shift = max(bits - table_bits, 0)
    levels = table_levels(bits, table_bits)
    high = (codes.long() >> shift) + levels * torch.arange(codes.shape[1])  # one bin range per dimension
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


def decode_codes(payload: bytes, probs: np.ndarray, bits: int, table_bits: int, count: int) -> torch.Tensor:
    """The (count, d) int64 codes `encode_codes` turned into `payload`."""
    if len(payload) % 4:
        raise BitstreamError(f"corrupt: a payload of {len(payload)} bytes is not whole 32-bit words")
    decoder = constriction.stream.queue.RangeDecoder(np.frombuffer(payload, ">u4").astype(np.uint32))
    columns = []
    for p in probs:
        column = decoder.decode(constriction.stream.model.Categorical(p, perfect=False), count).astype(np.int64)
        for _, width in _low_chunks(bits, table_bits):
            column = column << width | decoder.decode(constriction.stream.model.Uniform(2**width), count)
        columns.append(column)
    return torch.from_numpy(np.stack(columns, 1)) if columns else torch.zeros(count, 0, dtype=torch.long)


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


@dataclass(frozen=True)
class CodeSearch:
    """How `Codec.encode` searches for better codes than the encoder's rounding.

    Each round, every image whose code moved last round tries the `candidates` one-step
    moves (one dimension up or down by one level) that the decoder's gradient and the
    code model predict lower its cost most, measures them exactly, and keeps the best
    if it lowers the cost; at most `rounds` rounds. Cost = the reconstruction's binary
    cross-entropy, summed over pixels (nats), + `weight` x the code's bits, which is the
    rate-distortion models' training loss times 784: `weight` is their rate weight.
    """

    weight: float
    candidates: int
    rounds: int


class Codec:
    """An autoencoder at one bits level plus its fitted code model: images <-> bytes."""

    def __init__(
        self,
        model: Autoencoder,
        bits: int | None,
        counts: torch.Tensor | None = None,
        smoothing: float = 0.5,
        table_bits: int = 8,
        search: CodeSearch | None = None,
    ) -> None:
        if search is not None and bits is None:
            raise ValueError("a code search needs integer codes: bits must not be None (fp32)")
        self.model = model.eval()
        self.bits = bits
        self.smoothing = smoothing
        self.table_bits = table_bits
        self.counts = counts
        self.search = search
        self.probs = None if bits is None else probabilities(counts, smoothing)
        # -log2 p per (level, dim), float32: what `code_bits` looks up, built once.
        self._bit_table = None if bits is None else torch.from_numpy(-np.log2(self.probs).T).float()
        self.id = self._digest()[:8]  # decoding does not depend on the search: not in the id

    @classmethod
    @torch.inference_mode()
    def fit(
        cls,
        model: Autoencoder,
        images: torch.Tensor,
        bits: int | None,
        smoothing: float = 0.5,
        table_bits: int = 8,
        search: CodeSearch | None = None,
        batch_size: int = 1000,
    ) -> Codec:
        """Fit the per-dimension code model on `images` (the autoencoder's training set),
        on the encoder's rounded codes."""
        if bits is None:
            return cls(model, None, None, smoothing, table_bits, search)
        counts = torch.zeros(model.config.dims, table_levels(bits, table_bits), dtype=torch.long)
        for s in batch_slices(len(images), batch_size):
            counts += fit_counts(model.encode(images[s], bits).cpu(), bits, table_bits)
        return cls(model, bits, counts, smoothing, table_bits, search)

    @property
    def dims(self) -> int:
        return self.model.config.dims

    def _digest(self) -> bytes:
        """sha256 of everything that decoding depends on: equal codecs, equal ids."""
        h = hashlib.sha256(json.dumps([asdict(self.model.config), self.bits, self.smoothing, self.table_bits]).encode())
        for name, tensor in sorted(self.model.state_dict().items()):
            h.update(name.encode())
            h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        if self.counts is not None:
            h.update(self.counts.numpy().tobytes())
        return h.digest()

    # Integer codes <-> bytes
    def compress_codes(self, codes: torch.Tensor) -> bytes:
        """A bitstream of (N, dims) integer codes (float32 decoder inputs for fp32)."""
        if self.bits is None:
            payload = codes.detach().cpu().float().numpy().astype("<f4").tobytes()
        else:
            payload = encode_codes(codes, self.probs, self.bits, self.table_bits)
        return pack(Header(self.bits, self.dims, len(codes), self.id, len(payload)), payload)

    def decompress_codes(self, data: bytes) -> torch.Tensor:
        """The (N, dims) codes of a bitstream `compress_codes` wrote with this codec."""
        header, payload = unpack(data)
        if (header.bits, header.dims) != (self.bits, self.dims) or header.codec_id != self.id:
            theirs = f"id {header.codec_id.hex()}, dims {header.dims}, bits {header.bits or 'fp32'}"
            raise BitstreamError(
                f"made by another codec ({theirs}); this one is id {self.id.hex()}, dims {self.dims}, "
                f"bits {self.bits or 'fp32'}"
            )
        if self.bits is None:
            if len(payload) != 4 * self.dims * header.count:
                raise BitstreamError(f"corrupt: {len(payload)} bytes cannot hold {header.count} float32 codes")
            return torch.from_numpy(np.frombuffer(payload, "<f4").astype(np.float32)).reshape(header.count, self.dims)
        try:
            return decode_codes(payload, self.probs, self.bits, self.table_bits, header.count)
        except (ValueError, AssertionError) as e:  # the coder's own complaint about its input
            raise BitstreamError(f"corrupt payload: {e}") from e

    # Images <-> codes
    def encode(self, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Images (uint8 or [0, 1], (N, 28, 28) or (N, 1, 28, 28)) -> (N, dims) codes:
        the encoder's, rounded, then searched if the codec has a `CodeSearch`."""
        if self.bits is None:
            with torch.inference_mode():
                x = as_unit_images(images).to(self._device())
                return self.model.bottleneck(self.model.encoder(x)).cpu()  # what the decoder reads
        codes = self.round_codes(images, batch_size)
        if self.search is not None:
            codes = self.search_codes(images, codes, batch_size)
        return codes.cpu()

    def round_codes(self, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """(N, dims) codes: the encoder's, rounded, before any search."""
        return torch.cat([self.model.encode(images[s], self.bits).cpu() for s in batch_slices(len(images), batch_size)])

    def _device(self) -> torch.device:
        return next(self.model.parameters()).device

    def code_bits(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, dims) float32: the ideal bits of each code under the code model."""
        shift = max(self.bits - self.table_bits, 0)
        return self._bit_table.to(codes.device).gather(0, codes >> shift) + shift

    def _distortion(self, inputs: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """(N,) binary cross-entropy against `x` of what the decoder makes of `inputs`, per image."""
        return F.binary_cross_entropy_with_logits(self.model.decoder(inputs), x, reduction="none").flatten(1).sum(1)

    @torch.no_grad()
    def search_codes(self, images: torch.Tensor, codes: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Better (N, dims) codes for `images`, starting from `codes`, by the codec's
        `CodeSearch`; no image's cost (distortion + weight x bits) goes up. Deterministic."""
        search = self.search
        codes = codes.to(self._device()).clone()  # a normal tensor: autograd refuses inference-mode ones
        per_batch = max(1, batch_size // search.candidates)  # decoder inputs per pass ~ batch_size
        active = torch.arange(len(codes))
        with tqdm(total=search.rounds, desc="code search", leave=False) as bar:
            for _ in range(search.rounds):
                moved = []
                for s in batch_slices(len(active), per_batch):
                    rows = active[s]
                    x = as_unit_images(images[rows]).to(codes.device)
                    better, new = self._best_moves(codes[rows], x)
                    better = better.cpu()
                    codes[rows[better]] = new[better.to(codes.device)]
                    moved.append(rows[better])
                active = torch.cat(moved)
                bar.update()
                bar.set_postfix(moved=len(active))
                if not len(active):
                    break
        return codes.cpu()

    def _best_moves(self, codes: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One search round for a batch: (which rows improve, their best one-step move)."""
        n, d = codes.shape
        weight = self.search.weight
        with torch.enable_grad():
            u = self.model.bottleneck.from_codes(codes, self.bits).clone().requires_grad_(True)
            distortion = self._distortion(u, x)
            (grad,) = torch.autograd.grad(distortion.sum(), u)
        bits = self.code_bits(codes)
        cost = distortion.detach() + weight * bits.sum(1)
        # Predicted change of cost for every move: first order in the decoder input, exact in bits.
        steps = torch.stack([(codes + 1).clamp_(max=2**self.bits - 1), (codes - 1).clamp_(min=0)], 1)  # (n, 2, d)
        du = self.model.bottleneck.from_codes(steps.reshape(-1, d), self.bits).reshape(n, 2, d) - u.detach()[:, None]
        step_bits = self.code_bits(steps.reshape(-1, d)).reshape(n, 2, d)
        predicted = grad[:, None] * du + weight * (step_bits - bits[:, None])
        predicted[steps == codes[:, None]] = torch.inf  # a step off the end of the range
        k = min(self.search.candidates, 2 * d)
        best_predicted, pick = predicted.reshape(n, 2 * d).topk(k, 1, largest=False)  # pick: direction * d + dim
        candidates = codes[:, None].repeat(1, k, 1)
        candidates.scatter_(2, (pick % d)[..., None], steps.reshape(n, 2 * d).gather(1, pick)[..., None])
        flat = candidates.reshape(n * k, d)
        inputs = self.model.bottleneck.from_codes(flat, self.bits)
        exact = self._distortion(inputs, x.repeat_interleave(k, 0)) + weight * self.code_bits(flat).sum(1)
        exact = exact.reshape(n, k).masked_fill(best_predicted.isinf(), torch.inf)
        best, j = exact.min(1)
        return best < cost - MIN_GAIN, candidates[torch.arange(n), j]

    @torch.inference_mode()
    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, dims) codes -> (N, 1, 28, 28) float images in [0, 1]."""
        if self.bits is not None:
            return self.model.decode(codes, self.bits).cpu()
        return torch.sigmoid(self.model.decoder(codes.to(self._device()))).cpu()

    def compress(self, images: torch.Tensor) -> bytes:
        """Images -> one bitstream."""
        return self.compress_codes(self.encode(images))

    def decompress(self, data: bytes) -> torch.Tensor:
        """One bitstream -> (N, 1, 28, 28) float images in [0, 1]."""
        return self.decode(self.decompress_codes(data))

    def save(self, path: str | os.PathLike) -> None:
        """One self-contained file: the autoencoder's checkpoint and the code model."""
        ckpt = {
            "kind": "codec",
            "format": FORMAT_VERSION,
            "bits": self.bits,
            "smoothing": self.smoothing,
            "table_bits": self.table_bits,
            "counts": self.counts,
            "autoencoder": autoencoder_checkpoint(self.model),
        }
        if self.search is not None:  # only then: codecs without a search keep their bytes
            ckpt["search"] = asdict(self.search)
        save_torch(path, ckpt)


def load_codec(path: str | os.PathLike, device: str | torch.device = "cpu") -> Codec:
    """A codec saved by `Codec.save` (make one with `Codec.fit(...).save(path)`)."""
    ckpt = read_checkpoint(path, "codec", "codec file")
    model = autoencoder_from_checkpoint(ckpt["autoencoder"])
    search = CodeSearch(**ckpt["search"]) if "search" in ckpt else None  # saved only by codecs that search
    return Codec(model.to(device), ckpt["bits"], ckpt["counts"], ckpt["smoothing"], ckpt["table_bits"], search)


def _as_codec(codec: Codec | str | os.PathLike) -> Codec:
    return codec if isinstance(codec, Codec) else load_codec(codec)


def compress(images: torch.Tensor, codec: Codec | str | os.PathLike) -> bytes:
    """Images -> bytes with `codec` (a Codec or the path of a saved one)."""
    return _as_codec(codec).compress(images)


def decompress(data: bytes, codec: Codec | str | os.PathLike) -> torch.Tensor:
    """Bytes from `compress` -> (N, 1, 28, 28) float images in [0, 1]."""
    return _as_codec(codec).decompress(data)


def coding_metrics(codec: Codec, images: torch.Tensor, codes: torch.Tensor | None = None) -> dict[str, float | None]:
    """Bits per image of `images` through `codec` (or of their `codes`, if already
    encoded), checked lossless on the codes:
    coded_bits (the payload actually written, 8 x bytes / N; the 28-byte header is not
    counted), model_bits (the ideal length under the fitted model) and entropy_bits
    (the plug-in entropy of these codes, per dimension, summed). For fp32 the coded
    bits are the raw 32 x dims and the other two are None."""
    codes = codec.encode(images) if codes is None else codes
    data = codec.compress_codes(codes)
    if not torch.equal(codec.decompress_codes(data), codes):
        raise AssertionError("the bitstream did not decode to the codes it was made from")
    n = len(images)
    coded = 8 * (len(data) - HEADER_BYTES) / n
    if codec.bits is None:
        return {"coded_bits": coded, "model_bits": None, "entropy_bits": None}
    return {
        "coded_bits": coded,
        "model_bits": code_length(codes, codec.probs, codec.bits, codec.table_bits) / n,
        "entropy_bits": empirical_entropy(codes),
    }
