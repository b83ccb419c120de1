"""The qae bitstream container: a 28-byte header and the entropy coder's payload.

    offset  size  field
    0       4     magic b"QAEB"
    4       1     format version (1)
    5       1     bits per code element (0: fp32, raw float32 codes)
    6       2     code dims
    8       4     image count
    12      8     codec id (first 8 bytes of the sha256 of everything decoding depends on)
    20      4     payload bytes
    24      4     CRC32 of the header's first 24 bytes and the payload

All fields big-endian. `unpack` checks every field and raises `BitstreamError` on
corrupt, truncated or foreign input rather than let a decoder read garbage.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from qae.errors import UserError

MAGIC = b"QAEB"
FORMAT_VERSION = 1
_HEADER = struct.Struct(">4sBBHI8sII")
HEADER_BYTES = _HEADER.size  # 28


class BitstreamError(UserError, ValueError):
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
