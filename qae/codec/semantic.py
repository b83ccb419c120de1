"""`SemanticCodec`: first what the digit is, then as much detail as the rate allows.

An image is sent as two indices: the cluster a network puts it in (a `Classifier` with
one output per cluster, learned without labels: `qae.studies.semantic`), then its
nearest codeword among up to 2^r pixel codewords of that cluster's training images
(r = `refine_bits`; r = 0: the cluster's mean image). Both are range coded
(`qae.codec.entropy`) with tables of their training frequencies, one stream each.

The bitstream is `qae.codec.bitstream`'s container with bits = the cluster index's bits,
dims = 2 (cluster, refinement) and a payload of: the cluster stream's length (4 bytes,
big-endian), the cluster stream, the refinement stream. Codewords are stored and drawn
as uint8 images, as an image codec's receiver shows them.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from typing import Any

import torch

from qae.codec.base import BaseCodec
from qae.codec.bitstream import BitstreamError, unpack
from qae.codec.codebook import kmeans, nearest_codeword
from qae.codec.entropy import decode_codes, encode_codes, fit_counts, probabilities
from qae.images import as_unit_images, batch_slices
from qae.models import Classifier, classifier_checkpoint, classifier_from_checkpoint
from qae.quantize import index_bits
from qae.runtime import device_of, eval_batch, pick_device

KIND = "semantic_codec"  # the `kind` of its files, beside `Codec`'s "codec"
_LENGTH = struct.Struct(">I")


@torch.inference_mode()
def assign(network: Classifier, images: torch.Tensor) -> torch.Tensor:
    """The cluster `network` puts each image (uint8 or [0, 1]) in: (N,) int64 on the CPU."""
    device = device_of(network)
    images = images.to(device)  # once: no host copy per batch
    batches = batch_slices(len(images), eval_batch(device))
    return torch.cat([network(as_unit_images(images[s])).argmax(1) for s in batches]).cpu()  # one copy back


def refinement_codebooks(
    images: torch.Tensor, clusters: torch.Tensor, count: int, bits: int, iterations: int, seed: int
) -> list[torch.Tensor]:
    """Per cluster id in 0..count-1, a k-means codebook of up to 2^`bits` codewords of the
    uint8 `images` in it (fewer if it holds fewer images; an empty one: the blank image),
    rounded to uint8 images (K, 784)."""
    books = []
    for c in range(count):
        own = images[clusters == c]
        book = kmeans(own, min(2**bits, len(own)), iterations, seed) if len(own) else torch.zeros(1, 784)
        books.append(book.mul(255).round_().to(torch.uint8))
    return books


def refinement_index(images: torch.Tensor, clusters: torch.Tensor, books: list[torch.Tensor]) -> torch.Tensor:
    """Each image's refinement index: its nearest codeword in the codebook of its own
    cluster (`clusters`, (N,) ids into `books`). (N,) int64."""
    x = as_unit_images(images.cpu()).flatten(1)
    index = torch.zeros(len(x), dtype=torch.long)
    for c, book in enumerate(books):
        rows = clusters == c
        if rows.any():
            index[rows] = nearest_codeword(x[rows], as_unit_images(book.view(-1, 28, 28)).flatten(1))
    return index


def draw(clusters: torch.Tensor, index: torch.Tensor, books: list[torch.Tensor]) -> torch.Tensor:
    """What the receiver draws for each (cluster, refinement index): that codeword of that
    cluster's codebook, (N, 1, 28, 28) in [0, 1]."""
    drawn = torch.zeros(len(clusters), 784, dtype=torch.uint8)
    for c, book in enumerate(books):
        rows = clusters == c
        drawn[rows] = book[index[rows]]
    return as_unit_images(drawn.view(-1, 28, 28))


class SemanticCodec(BaseCodec):
    """A cluster network, per-cluster pixel codebooks of 2^`refine_bits` codewords and
    the training frequencies of both indices: images <-> bytes."""

    kind = KIND
    dims = 2  # two indices per image: the cluster, then the codeword within it

    def __init__(
        self,
        network: Classifier,
        books: list[torch.Tensor],
        refine_bits: int,
        cluster_counts: torch.Tensor,
        refine_counts: torch.Tensor,
        smoothing: float = 0.5,
        table_bits: int = 8,
    ) -> None:
        if len(books) != network.classes:
            raise ValueError(f"one codebook per cluster: {network.classes} clusters, {len(books)} codebooks")
        self.network = network.eval()
        self.books = books
        self.refine_bits = refine_bits
        self.bits = self.cluster_bits = index_bits(network.classes)  # the header's bits: the cluster index's
        self.cluster_counts, self.refine_counts = cluster_counts, refine_counts
        self.smoothing, self.table_bits = smoothing, table_bits
        self._cluster_probs = probabilities(cluster_counts, smoothing)
        self._refine_probs = probabilities(refine_counts, smoothing)
        super().__init__()

    @classmethod
    def fit(
        cls,
        network: Classifier,
        images: torch.Tensor,
        refine_bits: int,
        iterations: int,
        seed: int,
        smoothing: float = 0.5,
        table_bits: int = 8,
        clusters: torch.Tensor | None = None,
    ) -> SemanticCodec:
        """The codec of `network` at `refine_bits`, its codebooks and tables fitted on the
        uint8 training `images` (whose clusters may be passed, if already assigned)."""
        clusters = assign(network, images) if clusters is None else clusters
        books = refinement_codebooks(images, clusters, network.classes, refine_bits, iterations, seed)
        index = refinement_index(images, clusters, books)
        cluster_bits = index_bits(network.classes)
        return cls(
            network,
            books,
            refine_bits,
            fit_counts(clusters[:, None], cluster_bits, cluster_bits),
            fit_counts(index[:, None], refine_bits, table_bits),
            smoothing,
            table_bits,
        )

    def digest_parts(self) -> Iterable[bytes]:
        """The codebooks and both tables (the network only encodes: not in it)."""
        yield json.dumps([KIND, self.refine_bits, self.smoothing, self.table_bits]).encode()
        for tensor in (*self.books, self.cluster_counts, self.refine_counts):
            yield tensor.contiguous().numpy().tobytes()

    def encode(self, images: torch.Tensor, clusters: torch.Tensor | None = None) -> torch.Tensor:
        """Images -> (N, 2) int64 indices: the cluster, then the codeword within it.
        `clusters`: this codec's network's clusters of `images`, when already known
        (codecs that share a network)."""
        if clusters is None:
            clusters = assign(self.network, images)
        return torch.stack([clusters, refinement_index(images, clusters, self.books)], 1)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        return draw(codes[:, 0], codes[:, 1], self.books)

    def encode_payload(self, codes: torch.Tensor) -> bytes:
        """The cluster stream's length (4 bytes), the cluster stream, the refinement stream."""
        first = encode_codes(codes[:, :1], self._cluster_probs, self.cluster_bits, self.cluster_bits)
        rest = (
            b""
            if self.refine_bits == 0
            else encode_codes(codes[:, 1:], self._refine_probs, self.refine_bits, self.table_bits)
        )
        return _LENGTH.pack(len(first)) + first + rest

    def decode_payload(self, payload: bytes, count: int) -> torch.Tensor:
        first = _LENGTH.unpack_from(payload)[0] if len(payload) >= _LENGTH.size else None
        if first is None or first > len(payload) - _LENGTH.size:
            raise BitstreamError("corrupt: the cluster stream's length does not fit the payload")
        split = _LENGTH.size + first
        clusters = decode_codes(
            payload[_LENGTH.size : split], self._cluster_probs, self.cluster_bits, self.cluster_bits, count
        )
        if self.refine_bits == 0:
            index = torch.zeros_like(clusters)
        else:
            index = decode_codes(payload[split:], self._refine_probs, self.refine_bits, self.table_bits, count)
        codes = torch.cat([clusters, index], 1)
        sizes = torch.tensor([len(b) for b in self.books])
        if (codes[:, 0] >= len(sizes)).any() or (codes[:, 1] >= sizes[codes[:, 0]]).any():
            raise BitstreamError("corrupt payload: an index names no codeword")
        return codes

    def compress(self, images: torch.Tensor, clusters: torch.Tensor | None = None) -> bytes:
        """Images -> one bitstream; `clusters` as for `encode`."""
        return self.compress_codes(self.encode(images, clusters))

    def payload_bits(self, data: bytes) -> dict[str, float]:
        """Bits per image of a bitstream this codec wrote: all of its payload (`coded_bits`)
        and the cluster stream's part (`cluster_bits`); the 28-byte header is not counted."""
        header, payload = unpack(data)
        first = _LENGTH.unpack_from(payload)[0]
        return {"coded_bits": 8 * len(payload) / header.count, "cluster_bits": 8 * first / header.count}

    def state(self) -> dict[str, Any]:
        """The cluster network (with how it was made), the codebooks and both tables."""
        return {
            "refine_bits": self.refine_bits,
            "smoothing": self.smoothing,
            "table_bits": self.table_bits,
            "cluster_counts": self.cluster_counts,
            "refine_counts": self.refine_counts,
            "books": self.books,
            "network": classifier_checkpoint(self.network, **self.network.meta),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], device: str | torch.device | None = None) -> SemanticCodec:
        network = classifier_from_checkpoint(state["network"]).to(pick_device(device))
        return cls(
            network,
            state["books"],
            state["refine_bits"],
            state["cluster_counts"],
            state["refine_counts"],
            state["smoothing"],
            state["table_bits"],
        )
