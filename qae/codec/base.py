"""The codec contract: what every qae codec shares, and the functions that load any one.

A codec turns images into integer codes and back (`encode` / `decode`: its own business)
and codes into bytes and back through the shared container (`qae.codec.bitstream`): a
header that names the codec (an id: the first 8 bytes of the sha256 of everything
decoding depends on), the symbols' bits, the code's dims and the image count, checked
on the way in, so a stream from another codec, or a corrupt one, raises
`BitstreamError` instead of decoding to garbage. A codec is one self-contained file
(`save`), of a `kind` that `load_codec` dispatches on. Subclasses: `qae.codec.codec.Codec`
(an autoencoder at one operating point) and `qae.codec.semantic.SemanticCodec`.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Iterable
from typing import Any, ClassVar

import torch

from qae.codec.bitstream import FORMAT_VERSION, BitstreamError, Header, pack, unpack
from qae.io import save_torch
from qae.models import read_checkpoint

# A codec file's kind -> "module:class". Loaded on use: no module of this folder imports another's codec.
CODECS = {
    "codec": "qae.codec.codec:Codec",
    "semantic_codec": "qae.codec.semantic:SemanticCodec",
}


class BaseCodec:
    """Images <-> codes <-> bytes; subclasses define the codes and their payload."""

    kind: ClassVar[str]  # the `kind` of its files, a key of CODECS
    bits: int | None  # the header's bits field: of one symbol (None: float32 codes)
    dims: int  # the header's dims field: symbols per image

    def __init__(self) -> None:
        h = hashlib.sha256()
        for part in self.digest_parts():
            h.update(part)
        self.id = h.digest()[:8]

    # What a subclass defines
    def digest_parts(self) -> Iterable[bytes]:
        """The bytes of everything decoding depends on (equal codecs, equal ids)."""
        raise NotImplementedError

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images (uint8 or [0, 1], (N, 28, 28) or (N, 1, 28, 28)) -> (N, dims) codes."""
        raise NotImplementedError

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, dims) codes -> (N, 1, 28, 28) float images in [0, 1], on the CPU."""
        raise NotImplementedError

    def encode_payload(self, codes: torch.Tensor) -> bytes:
        """(N, dims) codes -> the payload bytes (no header)."""
        raise NotImplementedError

    def decode_payload(self, payload: bytes, count: int) -> torch.Tensor:
        """The (count, dims) codes `encode_payload` turned into `payload`; raise
        BitstreamError (or the coder's ValueError / AssertionError) on a corrupt one."""
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        """What `save` writes besides kind and format, and `from_state` reads back."""
        raise NotImplementedError

    @classmethod
    def from_state(cls, state: dict[str, Any], device: str | torch.device | None = None) -> BaseCodec:
        """The codec a `save`d file's dict describes, its model on `device` (None: $QAE_DEVICE)."""
        raise NotImplementedError

    def without_search(self) -> BaseCodec:
        """This codec without an encode-time search, where it has one: faster, larger."""
        return self

    # What every codec shares
    def compress_codes(self, codes: torch.Tensor) -> bytes:
        """A bitstream of (N, dims) codes."""
        payload = self.encode_payload(codes)
        return pack(Header(self.bits, self.dims, len(codes), self.id, len(payload)), payload)

    def decompress_codes(self, data: bytes) -> torch.Tensor:
        """The (N, dims) codes of a bitstream this codec wrote; BitstreamError says why not."""
        header, payload = unpack(data)
        if (header.bits, header.dims, header.codec_id) != (self.bits, self.dims, self.id):
            theirs = f"id {header.codec_id.hex()}, dims {header.dims}, bits {header.bits or 'fp32'}"
            raise BitstreamError(
                f"made by another codec ({theirs}); this one is {self.kind} id {self.id.hex()}, dims {self.dims}, "
                f"bits {self.bits or 'fp32'}"
            )
        try:
            return self.decode_payload(payload, header.count)
        except (ValueError, AssertionError) as e:  # the coder's own complaint about its input
            if isinstance(e, BitstreamError):
                raise
            raise BitstreamError(f"corrupt payload: {e}") from e

    def compress(self, images: torch.Tensor) -> bytes:
        """Images -> one bitstream."""
        return self.compress_codes(self.encode(images))

    def decompress(self, data: bytes) -> torch.Tensor:
        """One bitstream -> (N, 1, 28, 28) float images in [0, 1]."""
        return self.decode(self.decompress_codes(data))

    def save(self, path: str | os.PathLike) -> None:
        """One self-contained file: everything `load_codec` needs."""
        save_torch(path, {"kind": self.kind, "format": FORMAT_VERSION, **self.state()})


def codec_class(kind: str) -> type[BaseCodec]:
    """The class of codec files of `kind`."""
    module, _, name = CODECS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def load_codec(path: str | os.PathLike, device: str | torch.device | None = None) -> BaseCodec:
    """Any codec a `save` wrote, on `device` (None: $QAE_DEVICE, else auto: CUDA when present)."""
    ckpt = read_checkpoint(path, tuple(CODECS), "codec file")
    return codec_class(ckpt["kind"]).from_state(ckpt, device)


def _as_codec(codec: BaseCodec | str | os.PathLike) -> BaseCodec:
    return codec if isinstance(codec, BaseCodec) else load_codec(codec)


def compress(images: torch.Tensor, codec: BaseCodec | str | os.PathLike) -> bytes:
    """Images -> bytes with `codec` (a codec or the path of a saved one)."""
    return _as_codec(codec).compress(images)


def decompress(data: bytes, codec: BaseCodec | str | os.PathLike) -> torch.Tensor:
    """Bytes from `compress` -> (N, 1, 28, 28) float images in [0, 1]."""
    return _as_codec(codec).decompress(data)
