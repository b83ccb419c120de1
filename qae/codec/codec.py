"""`Codec`: an autoencoder at one bits level plus its code model, images <-> bytes.

The code model is fitted on the autoencoder's training codes and saved with the model
in one file, so `Codec.compress(images) -> bytes` and `Codec.decompress(bytes) ->
images` need nothing else. The container format is `qae.codec.bitstream`'s, the
entropy coder `qae.codec.entropy`'s, the optional encode-time search
`qae.codec.search`'s. `bits=None` (fp32) sends the float32 codes raw: 32 x dims bits
per image, no entropy coding. This module does not train models or score them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict

import torch

from qae.codec.bitstream import FORMAT_VERSION, HEADER_BYTES, BitstreamError, Header, pack, unpack
from qae.codec.entropy import (
    bit_table,
    code_length,
    decode_codes,
    decode_floats,
    empirical_entropy,
    encode_codes,
    fit_counts,
    probabilities,
)
from qae.codec.search import CodeSearch, search_codes
from qae.codec.semantic import KIND as SEMANTIC
from qae.codec.semantic import SemanticCodec
from qae.io import save_torch
from qae.models import Autoencoder, autoencoder_checkpoint, autoencoder_from_checkpoint, read_checkpoint
from qae.runtime import pick_device


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
        # What `code_bits` looks up, on the model's device: the search reads it every batch.
        self._bit_table = None if bits is None else bit_table(self.probs).to(model.device)
        self.id = self._digest()[:8]  # decoding does not depend on the search: not in the id

    @classmethod
    def from_codes(
        cls,
        model: Autoencoder,
        codes: torch.Tensor | None,
        bits: int | None,
        smoothing: float = 0.5,
        table_bits: int = 8,
        search: CodeSearch | None = None,
    ) -> Codec:
        """A codec whose code model is fitted on `codes`, the (N, dims) integer codes of
        the autoencoder's training set (None for fp32)."""
        counts = None if bits is None else fit_counts(codes, bits, table_bits)
        return cls(model, bits, counts, smoothing, table_bits, search)

    @classmethod
    def fit(
        cls,
        model: Autoencoder,
        images: torch.Tensor,
        bits: int | None,
        smoothing: float = 0.5,
        table_bits: int = 8,
        search: CodeSearch | None = None,
    ) -> Codec:
        """A codec whose code model is fitted on the encoder's rounded codes of `images`
        (the autoencoder's training set)."""
        codes = None if bits is None else model.bottleneck.to_codes(model.encode_float(images), bits)
        return cls.from_codes(model, codes, bits, smoothing, table_bits, search)

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
        """A bitstream of (N, dims) integer codes (float32 codes for fp32)."""
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
            return decode_floats(payload, self.dims, header.count)
        try:
            return decode_codes(payload, self.probs, self.bits, self.table_bits, header.count)
        except (ValueError, AssertionError) as e:  # the coder's own complaint about its input
            raise BitstreamError(f"corrupt payload: {e}") from e

    # Images <-> codes
    def round_codes(self, images: torch.Tensor) -> torch.Tensor:
        """(N, dims) codes: the encoder's, rounded (float codes for fp32), before any search."""
        z = self.model.encode_float(images)
        return (z if self.bits is None else self.model.bottleneck.to_codes(z, self.bits)).cpu()

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images (uint8 or [0, 1], (N, 28, 28) or (N, 1, 28, 28)) -> (N, dims) codes:
        the encoder's, rounded, then searched if the codec has a `CodeSearch`."""
        codes = self.round_codes(images)
        return codes if self.search is None else self.search_codes(images, codes)

    def search_codes(self, images: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        """The codec's `CodeSearch` from `codes` (see `qae.codec.search`)."""
        return search_codes(self, self.search, images, codes)

    def code_bits(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, dims) float32: the ideal bits of each code under the code model."""
        shift = max(self.bits - self.table_bits, 0)
        return self._bit_table.to(codes.device).gather(0, codes >> shift) + shift

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, dims) codes -> (N, 1, 28, 28) float images in [0, 1]."""
        return self.model.decode(codes, self.bits).cpu()

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
            "search": None if self.search is None else asdict(self.search),
            "autoencoder": _model_checkpoint(self.model),
        }
        save_torch(path, ckpt)


def _model_checkpoint(model: Autoencoder) -> dict:
    """The codec's model as its own checkpoint: an autoencoder's, or a VQ autoencoder's."""
    if isinstance(model, Autoencoder):
        return autoencoder_checkpoint(model)
    from qae.vq.models import vq_checkpoint  # the VQ family needs vector-quantize-pytorch: only for its codecs

    return vq_checkpoint(model)


def _model_from_checkpoint(ckpt: dict) -> Autoencoder:
    """The model a codec file holds (see `_model_checkpoint`), on the CPU."""
    if ckpt.get("kind") == "autoencoder":
        return autoencoder_from_checkpoint(ckpt)
    from qae.vq.models import vq_from_checkpoint  # imported only for VQ codecs, as in _model_checkpoint

    return vq_from_checkpoint(ckpt)


def load_codec(path: str | os.PathLike, device: str | torch.device | None = None) -> Codec | SemanticCodec:
    """A codec saved by `Codec.save` or `SemanticCodec.save`, on `device` (None: $QAE_DEVICE,
    else auto: CUDA when present)."""
    ckpt = read_checkpoint(path, ("codec", SEMANTIC), "codec file")
    if ckpt["kind"] == SEMANTIC:
        return SemanticCodec.from_checkpoint(ckpt, device)
    model = _model_from_checkpoint(ckpt["autoencoder"]).to(pick_device(device))
    search = None if ckpt["search"] is None else CodeSearch(**ckpt["search"])
    return Codec(model, ckpt["bits"], ckpt["counts"], ckpt["smoothing"], ckpt["table_bits"], search)


def _as_codec(codec: Codec | SemanticCodec | str | os.PathLike) -> Codec | SemanticCodec:
    return codec if isinstance(codec, (Codec, SemanticCodec)) else load_codec(codec)


def compress(images: torch.Tensor, codec: Codec | SemanticCodec | str | os.PathLike) -> bytes:
    """Images -> bytes with `codec` (a Codec or the path of a saved one)."""
    return _as_codec(codec).compress(images)


def decompress(data: bytes, codec: Codec | SemanticCodec | str | os.PathLike) -> torch.Tensor:
    """Bytes from `compress` -> (N, 1, 28, 28) float images in [0, 1]."""
    return _as_codec(codec).decompress(data)


def coding_metrics(codec: Codec, codes: torch.Tensor) -> dict[str, float | None]:
    """Bits per image of (N, dims) `codes` through `codec`, checked lossless:
    coded_bits (the payload actually written, 8 x bytes / N; the 28-byte header is not
    counted), model_bits (the ideal length under the fitted model) and entropy_bits
    (the plug-in entropy of these codes, per dimension, summed). For fp32 the coded
    bits are the raw 32 x dims and the other two are None."""
    codes = codes.cpu()
    data = codec.compress_codes(codes)
    if not torch.equal(codec.decompress_codes(data), codes if codec.bits is not None else codes.float()):
        raise AssertionError("the bitstream did not decode to the codes it was made from")
    n = len(codes)
    coded = 8 * (len(data) - HEADER_BYTES) / n
    if codec.bits is None:
        return {"coded_bits": coded, "model_bits": None, "entropy_bits": None}
    return {
        "coded_bits": coded,
        "model_bits": code_length(codes, codec.probs, codec.bits, codec.table_bits) / n,
        "entropy_bits": empirical_entropy(codes),
    }
