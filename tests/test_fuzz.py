"""Random, corrupt and forged bitstreams: the decoder answers `qae.BitstreamError` or
decodes images, nothing else (no IndexError, no error of torch's, no hang, no huge
allocation), for each kind of codec.

Seeded and bounded: 3,000 cases per codec, 12,000 in all, 1.5 s on 2 cores. Most mutations recompute
the CRC, so that the bytes get past the checksum to the decoder's own checks.
"""

import faulthandler
import random
import struct
import zlib
from collections import Counter
from collections.abc import Callable

import pytest
import torch

import qae
from qae.codec.bitstream import HEADER_BYTES
from qae.codec.codec import Codec
from qae.codec.semantic import SemanticCodec
from qae.mnist import read_idx
from qae.models import AutoencoderConfig, Classifier, build_autoencoder
from tests.helpers import SAMPLE_MIRROR

CASES = 3000  # per codec
FEWEST_BITS = 2  # bits per image, at least, of every codec below (the semantic one's: 3)
MAX_COUNT = 10_000  # images a forged header may announce (see edit_header_field)
HANG_S = 120  # a decoder caught in a loop ends the run with a traceback instead of hanging CI
# The header's fields as qae/codec/bitstream.py lays them out: (offset, struct format).
MAGIC, VERSION, BITS, DIMS, COUNT, CODEC_ID, PAYLOAD_BYTES, CRC = (
    (0, "4s"), (4, "B"), (5, "B"), (6, "H"), (8, "I"), (12, "8s"), (20, "I"), (24, "I"),
)  # fmt: skip
NUMBERS = (VERSION, BITS, DIMS, COUNT, PAYLOAD_BYTES)


def with_crc(data: bytearray) -> bytes:
    """`data` with its CRC32 recomputed over the header's first 24 bytes and the payload."""
    if len(data) >= HEADER_BYTES:
        crc = zlib.crc32(bytes(data[HEADER_BYTES:]), zlib.crc32(bytes(data[: CRC[0]])))
        struct.pack_into(">I", data, CRC[0], crc)
    return bytes(data)


def announce_payload(data: bytearray) -> bytearray:
    """`data` with the header's payload length set to what follows the header."""
    if len(data) >= HEADER_BYTES:
        struct.pack_into(">I", data, PAYLOAD_BYTES[0], len(data) - HEADER_BYTES)
    return data


def flip_bits(rng: random.Random, data: bytearray) -> bytearray:
    for _ in range(rng.randint(1, 4)):
        bit = rng.randrange(8 * len(data))
        data[bit // 8] ^= 1 << bit % 8
    return data


def truncate(rng: random.Random, data: bytearray) -> bytearray:
    return announce_payload(data[: rng.randrange(len(data))])


def extend(rng: random.Random, data: bytearray) -> bytearray:
    return announce_payload(data + rng.randbytes(rng.choice([1, 3, 4, 8, rng.randint(1, 256)])))


def edit_header_field(rng: random.Random, data: bytearray) -> bytearray:
    offset, fmt = rng.choice((MAGIC, CODEC_ID, *NUMBERS))
    if fmt.endswith("s"):
        size = struct.calcsize(fmt)
        data[offset : offset + size] = rng.randbytes(size)
        return data
    # Counts stay below MAX_COUNT: should the count's bound ever go, a fuzz case must fail, not
    # fill the machine's memory (test_codec.py has the forged huge count).
    top = MAX_COUNT if offset == COUNT[0] else 2 ** (8 * struct.calcsize(fmt)) - 1
    now = struct.unpack_from(">" + fmt, data, offset)[0]
    value = rng.choice([0, 1, 2, top, rng.randint(0, top), max(now - 1, 0), min(now + 1, top), min(2 * now, top)])
    struct.pack_into(">" + fmt, data, offset, value)
    return data


def rewrite_payload(rng: random.Random, data: bytearray) -> bytearray:
    for _ in range(rng.randint(1, 8)):
        if len(data) > HEADER_BYTES:
            data[rng.randrange(HEADER_BYTES, len(data))] = rng.randrange(256)
    return data


def write_special_number(rng: random.Random, data: bytearray) -> bytearray:
    """A float32 or int32 extreme (NaN, infinity, the largest, ...) over 4 payload bytes."""
    special = rng.choice([float("nan"), float("inf"), float("-inf"), 3.4e38, -3.4e38, 1e-45])
    word = struct.pack(rng.choice("<>") + "f", special) if rng.random() < 0.8 else rng.choice([b"\0" * 4, b"\xff" * 4])
    if len(data) >= HEADER_BYTES + 4:
        at = HEADER_BYTES + 4 * rng.randrange((len(data) - HEADER_BYTES) // 4)
        data[at : at + 4] = word
    return data


def random_payload(rng: random.Random, data: bytearray) -> bytearray:
    """This codec's header (any count) before random bytes: the coder decodes noise."""
    struct.pack_into(">I", data, COUNT[0], rng.choice([0, 1, 5, rng.randint(0, MAX_COUNT)]))
    return announce_payload(data[:HEADER_BYTES] + rng.randbytes(rng.choice([0, 4, 8, rng.randrange(512)])))


def random_bytes(rng: random.Random, data: bytearray) -> bytearray:
    return bytearray(rng.randbytes(rng.randrange(64)))


MUTATIONS: tuple[Callable[[random.Random, bytearray], bytearray], ...] = (
    flip_bits,
    truncate,
    extend,
    edit_header_field,
    rewrite_payload,
    write_special_number,
    random_payload,
    random_bytes,
)


def mutants(seed: int, valid: list[bytes]) -> list[tuple[str, bytes]]:
    """CASES (mutation name, bytes) from the `valid` bitstreams; 3 in 4 with a good CRC."""
    rng = random.Random(seed)
    out = []
    for _ in range(CASES):
        mutate = rng.choice(MUTATIONS)
        data = mutate(rng, bytearray(rng.choice(valid)))
        out.append((mutate.__name__, with_crc(data) if rng.random() < 0.75 else bytes(data)))
    return out


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    return read_idx(SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz")[:100]


def shipped(images: torch.Tensor) -> Codec:
    codec = qae.load_codec(qae.PRETRAINED_CODEC, "cpu")
    codec.search = None  # the search only changes which codes are sent: the valid streams come faster
    return codec


def small_autoencoder(bits: int | None) -> Callable[[torch.Tensor], Codec]:
    def make(images: torch.Tensor) -> Codec:
        torch.manual_seed(0)
        return Codec.fit(build_autoencoder(AutoencoderConfig("linear", 4)).eval(), images, bits)

    return make


def semantic(images: torch.Tensor) -> SemanticCodec:
    torch.manual_seed(0)
    return SemanticCodec.fit(Classifier(classes=3).eval(), images, refine_bits=3, iterations=2, seed=0)


CODECS = {
    "shipped": shipped,  # 64 codes of 8 bits, a rate-distortion model
    "fp32": small_autoencoder(None),  # float32 codes, uncoded
    "12 bits": small_autoencoder(12),  # 8 bits from the table, 4 sent uniformly
    "semantic": semantic,  # two streams in one payload
}


@pytest.fixture(autouse=True)
def hang_guard():
    faulthandler.dump_traceback_later(HANG_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.mark.parametrize("kind", CODECS)
def test_bad_bitstreams_raise_bitstream_error_or_decode_to_images(kind, images):
    codec = CODECS[kind](images)
    valid = [codec.compress(images[:n]) for n in (1, 3, 10)]
    outcomes = Counter()
    for case, (mutation, data) in enumerate(mutants(zlib.crc32(kind.encode()), valid)):
        try:
            decoded = codec.decompress(data)
        except qae.BitstreamError as e:
            outcomes["checksum" if "CRC32" in str(e) else "refused"] += 1
            continue
        except Exception as e:
            raise AssertionError(f"case {case} ({mutation}): {type(e).__name__}: {e}\n{data.hex()}") from e
        count = struct.unpack_from(">I", data, COUNT[0])[0]
        assert decoded.shape == (count, 1, 28, 28), f"case {case} ({mutation})"
        # No codec here sends an image in fewer bits: more images are decoded from nothing.
        assert count * FEWEST_BITS <= 8 * (len(data) - HEADER_BYTES) + 128, f"case {case} ({mutation}): {count} images"
        assert torch.isfinite(decoded).all() and ((decoded >= 0) & (decoded <= 1)).all(), f"case {case} ({mutation})"
        outcomes["decoded"] += 1
    # The fuzz is only as good as the share of cases that reach the decoder's own checks.
    assert outcomes["refused"] + outcomes["decoded"] > CASES // 2, outcomes
