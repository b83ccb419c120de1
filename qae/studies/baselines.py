"""The codecs an autoencoder has to beat, scored like it: bits per image against the
classifier's accuracy on what the receiver decodes.

- JPEG and WebP (Pillow) at a sweep of qualities, each image its own file. Two rates
  per quality: the whole file, and the payload without the fixed header. The header is
  read from the file's own structure, not estimated: for JPEG, everything up to the end
  of the start-of-scan segment plus the 2-byte end-of-image marker (with Pillow's
  standard Huffman tables it is the same for every image at a quality: 330 bytes); for
  WebP, the RIFF container (12 bytes), the `VP8 ` chunk header (8) and the VP8 key-frame
  header (10).
- PNG, each image its own file, and gzip -9 of the whole test set as one stream
  (post 001's baseline): lossless, so the accuracy is the classifier's on the raw images.
- PCA: k principal components fitted on the autoencoder training set, each component's
  coefficient rounded to b bits with the same calibrated quantizer as the autoencoders
  (`Rounding.calibrate`), and entropy coded with the same coder (`qae.codec`).
- Codebooks in pixel space (vector quantization at its plainest): k-means codewords
  fitted on the training images, no labels, and the training images themselves (the
  nearest neighbour). Each test image is sent as the index of its nearest codeword,
  log2(k) bits, and drawn as that codeword.
- The floor: sending the classifier's predicted label, log2(10) bits.

Records are flat: {"study", "method", "setting", "coded_bits", "accuracy"} (coded_bits:
bits per image as written: a file, a payload, an index). Comparing
them with the autoencoders is the rate_accuracy study's job.
"""

from __future__ import annotations

import io
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import torch
from PIL import Image

from qae.bottlenecks.rounding import Rounding
from qae.codec.codebook import kmeans, nearest_codeword
from qae.codec.entropy import encode_codes, fit_counts, probabilities
from qae.evaluate import Scorers, gzip_baseline, score_images
from qae.images import as_unit_images
from qae.io import progress
from qae.runtime import workers

JPEG_EOI_BYTES = 2  # the end-of-image marker after the scan
WEBP_FRAME_HEADER_BYTES = 10  # VP8 key frame: 3-byte frame tag, 3-byte start code, 4 bytes of size
LABEL_BITS = math.log2(10)
ROUNDTRIP_CHUNKS = 64  # tasks per pillow_roundtrip: enough to keep every worker busy to the end


def jpeg_header_bytes(data: bytes) -> int:
    """Bytes of a baseline JPEG file that are not entropy-coded scan data: the marker
    segments up to and including start-of-scan, and the end-of-image marker."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG file")
    pos = 2
    while pos + 4 <= len(data):
        marker, length = data[pos : pos + 2], int.from_bytes(data[pos + 2 : pos + 4], "big")
        pos += 2 + length
        if marker == b"\xff\xda":  # start of scan: the payload follows
            return pos + JPEG_EOI_BYTES
    raise ValueError("JPEG file without a start-of-scan segment")


def webp_header_bytes(data: bytes) -> int:
    """Bytes of a lossy WebP file that are not VP8 frame data: the RIFF container, the
    chunk headers (and any other chunks) and the 10-byte VP8 key-frame header."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP file")
    pos, frame = 12, None
    while pos + 8 <= len(data):
        fourcc, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if fourcc == b"VP8 ":
            frame = size - WEBP_FRAME_HEADER_BYTES
        pos += 8 + size + size % 2  # chunks are padded to even sizes
    if frame is None:
        raise ValueError("WebP file without a lossy VP8 frame")
    return len(data) - frame


def _encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _roundtrip(pixels: np.ndarray, fmt: str, options: dict[str, Any]) -> tuple[np.ndarray, int, int]:
    header = {"JPEG": jpeg_header_bytes, "WEBP": webp_header_bytes}.get(fmt, lambda data: 0)
    data = _encode(Image.fromarray(pixels, "L"), fmt, **options)
    decoded = Image.open(io.BytesIO(data), formats=[fmt])  # named: Pillow need not probe every format
    return np.asarray(decoded.convert("L")), len(data), header(data)


def pillow_roundtrip(images: torch.Tensor, fmt: str, **options: Any) -> tuple[torch.Tensor, list[int], list[int]]:
    """Save each uint8 (N, 28, 28) image as its own `fmt` file and read it back:
    (decoded uint8 images, file sizes in bytes, header sizes in bytes). Images are
    encoded in parallel threads (Pillow's coders release the GIL), one per worker."""

    def roundtrip_all(chunk: np.ndarray) -> list[tuple[np.ndarray, int, int]]:
        return [_roundtrip(px, fmt, options) for px in chunk]

    # A task per chunk of images, not per image: a future per 28x28 image cost a fifth
    # of the time in handing work out and waiting on the GIL.
    chunks = np.array_split(images.numpy(), ROUNDTRIP_CHUNKS)
    with ThreadPoolExecutor(workers()) as pool:
        results = [result for done in pool.map(roundtrip_all, chunks) for result in done]
    decoded, sizes, headers = zip(*results, strict=True)
    return torch.from_numpy(np.stack(decoded)), list(sizes), list(headers)


def _record(method: str, setting: str, bits: float, scores: dict[str, float]) -> dict[str, Any]:
    return {"study": "baselines", "method": method, "setting": setting, "coded_bits": bits, **scores}


def image_codec_records(
    scorers: Scorers,
    images: torch.Tensor,
    labels: torch.Tensor,
    fmt: str,
    qualities: list[int],
    **options: Any,
) -> list[dict[str, Any]]:
    """A lossy Pillow format at each quality: one record for the whole file, one for the payload."""
    method = fmt.lower()
    records = []
    for quality in progress(qualities, method, unit="qualities"):
        decoded, sizes, headers = pillow_roundtrip(images, fmt, quality=quality, **options)
        accuracy = score_images(scorers, decoded, labels)
        whole, header = 8 * sum(sizes) / len(images), 8 * sum(headers) / len(images)
        records.append(_record(method, f"quality={quality}", whole, accuracy))
        records.append(_record(f"{method}_payload", f"quality={quality}", whole - header, accuracy))
    return records


def lossless_records(images: torch.Tensor, raw_accuracy: dict[str, float]) -> list[dict[str, Any]]:
    """PNG (each image a file, Pillow's optimize=True) and gzip -9 of the whole set."""
    _, sizes, _ = pillow_roundtrip(images, "PNG", optimize=True)
    return [
        _record("png", "optimize=True, one file per image", 8 * sum(sizes) / len(images), raw_accuracy),
        _record("gzip", "level 9, the test set as one stream", gzip_baseline(images)["bits_per_image"], raw_accuracy),
    ]


def label_record(raw_accuracy: dict[str, float]) -> dict[str, Any]:
    """The floor: send the label a scorer predicts on the raw image (each scorer's own)."""
    return _record("label", "the predicted digit", LABEL_BITS, raw_accuracy)


class PCA:
    """Principal components of [0, 1] images: (N, 784) -> (N, k) coefficients and back."""

    def __init__(self, images: torch.Tensor) -> None:
        x = as_unit_images(images).flatten(1).double()  # (N, 784)
        self.mean = x.mean(0)
        covariance = (x - self.mean).T @ (x - self.mean) / len(x)
        # One thread: LAPACK's eigh synchronizes its threads at every step, and on a busy
        # 2-core machine took 18 s on two where it takes 0.15 s on one.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            eigenvalues, vectors = torch.linalg.eigh(covariance)
        finally:
            torch.set_num_threads(threads)
        self.components = vectors.flip(1)  # (784, 784), columns by decreasing variance
        self.variance = eigenvalues.flip(0)

    def encode(self, images: torch.Tensor, k: int) -> torch.Tensor:
        """Images -> (N, k) float32 coefficients."""
        return ((as_unit_images(images).flatten(1).double() - self.mean) @ self.components[:, :k]).float()

    def decode(self, coefficients: torch.Tensor) -> torch.Tensor:
        """(N, k) coefficients -> (N, 1, 28, 28) images clipped to [0, 1]."""
        k = coefficients.shape[1]
        x = self.mean + coefficients.double() @ self.components[:, :k].T
        return x.clamp(0, 1).float().reshape(-1, 1, 28, 28)


def pca_records(
    scorers: Scorers,
    train: torch.Tensor,
    images: torch.Tensor,
    labels: torch.Tensor,
    ks: list[int],
    bits_levels: list[int],
    smoothing: float,
    table_bits: int,
) -> list[dict[str, Any]]:
    """PCA with k components, each coefficient quantized to b bits and entropy coded with
    a per-component code model fitted on `train`; bits per image is the coded payload."""
    pca = PCA(train)
    records = []
    for k in progress(ks, "pca", unit="values of k"):
        z_train, z_test = pca.encode(train, k), pca.encode(images, k)
        bottleneck = Rounding(k)
        bottleneck.calibrate(z_train)
        for bits in bits_levels:
            codes = bottleneck.to_codes(z_test, bits)
            probs = probabilities(fit_counts(bottleneck.to_codes(z_train, bits), bits, table_bits), smoothing)
            coded = 8 * len(encode_codes(codes, probs, bits, table_bits)) / len(images)
            decoded = pca.decode(bottleneck.from_codes(codes, bits))
            accuracy = score_images(scorers, decoded, labels)
            records.append(_record("pca", f"k={k}, bits={bits}", coded, accuracy))
    return records


def codebook_record(
    scorers: Scorers,
    codebook: torch.Tensor,
    images: torch.Tensor,
    labels: torch.Tensor,
    method: str,
    setting: str,
) -> dict[str, Any]:
    """Send each image as the index of its nearest codeword (log2(K) bits) and score the codewords."""
    decoded = codebook[nearest_codeword(as_unit_images(images).flatten(1), codebook)].reshape(-1, 1, 28, 28)
    return _record(method, setting, math.log2(len(codebook)), score_images(scorers, decoded, labels))


def codebook_records(
    scorers: Scorers,
    train: torch.Tensor,
    images: torch.Tensor,
    labels: torch.Tensor,
    ks: list[int],
    iterations: int,
    seed: int,
    tolerance: float = 0.0,
) -> list[dict[str, Any]]:
    """A k-means codebook per k (see `kmeans` for `iterations` and `tolerance`), and the
    training images as the codebook (nearest neighbour)."""
    records = [
        codebook_record(scorers, kmeans(train, k, iterations, seed, tolerance), images, labels, "kmeans", f"k={k}")
        for k in progress(ks, "k-means", unit="codebooks")
    ]
    everything = as_unit_images(train).flatten(1)
    return [*records, codebook_record(scorers, everything, images, labels, "nearest_neighbour", f"k={len(train)}")]
