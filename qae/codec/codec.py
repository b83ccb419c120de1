"""`Codec`: an autoencoder at one operating point plus its code model, images <-> bytes.

The code model is fitted on the autoencoder's training codes and saved with the model
in one file, so `Codec.compress(images) -> bytes` and `Codec.decompress(bytes) ->
images` need nothing else. The container and the checks are `qae.codec.base`'s, the
entropy coder `qae.codec.entropy`'s, the optional encode-time search
`qae.codec.search`'s (with the feature network it may measure distortion by, also in the
file: it only encodes, so the codec's id and its streams do not depend on it). A float32
code (a rounding bottleneck's point None) is sent raw: 32 x dims bits per image, no
entropy coding. This module does not train or score models.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import torch

from qae.bottlenecks.base import Point
from qae.codec.base import BaseCodec
from qae.codec.bitstream import HEADER_BYTES
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
from qae.models import (
    Autoencoder,
    Classifier,
    autoencoder_checkpoint,
    autoencoder_from_checkpoint,
    classifier_checkpoint,
    classifier_from_checkpoint,
)
from qae.runtime import pick_device


def table_bits_for(model: Autoencoder, point: Point, table_bits: int) -> int:
    """Bits of a code the table models: `table_bits` of an ordered code (the rest are sent
    uniform), all of an index, whose values are labels (qae.codec.entropy)."""
    bits = model.bottleneck.symbol_bits(point)
    return table_bits if model.bottleneck.ordered or bits is None else bits


class Codec(BaseCodec):
    """An autoencoder at one operating point plus its fitted code model: images <-> bytes."""

    kind = "codec"

    def __init__(
        self,
        model: Autoencoder,
        point: Point,
        counts: torch.Tensor | None = None,
        smoothing: float = 0.5,
        table_bits: int = 8,
        search: CodeSearch | None = None,
        features: Classifier | None = None,
    ) -> None:
        model.bottleneck.check(point)
        self.model, self.point = model.eval(), point
        self.bits = model.bottleneck.symbol_bits(point)
        self.dims = model.bottleneck.code_dims(point)
        if search is not None and self.bits is None:
            raise ValueError("a code search needs integer codes, not float32 ones")
        if search is not None and search.feature_weight and features is None:
            raise ValueError("a code search with a feature_weight needs a feature network")
        self.features = None if features is None else features.eval().requires_grad_(False)
        self.smoothing, self.table_bits = smoothing, table_bits_for(model, point, table_bits)
        self.counts, self.search = counts, search
        self.probs = None if self.bits is None else probabilities(counts, smoothing)
        # What `code_bits` looks up, on the model's device: the search reads it every batch.
        self._bit_table = None if self.bits is None else bit_table(self.probs).to(model.device)
        super().__init__()

    @classmethod
    def from_codes(
        cls,
        model: Autoencoder,
        codes: torch.Tensor | None,
        point: Point,
        smoothing: float = 0.5,
        table_bits: int = 8,
        search: CodeSearch | None = None,
        features: Classifier | None = None,
    ) -> Codec:
        """A codec whose code model is fitted on `codes`, the (N, dims) integer codes of
        the autoencoder's training set at `point` (None for a float32 code)."""
        bits = model.bottleneck.symbol_bits(point)
        counts = None if bits is None else fit_counts(codes, bits, table_bits_for(model, point, table_bits))
        return cls(model, point, counts, smoothing, table_bits, search, features)

    @classmethod
    def fit(
        cls,
        model: Autoencoder,
        images: torch.Tensor,
        point: Point,
        smoothing: float = 0.5,
        table_bits: int = 8,
        search: CodeSearch | None = None,
        features: Classifier | None = None,
    ) -> Codec:
        """A codec whose code model is fitted on the encoder's codes of `images` (the
        autoencoder's training set) at `point`."""
        return cls.from_codes(model, model.encode(images, point), point, smoothing, table_bits, search, features)

    def digest_parts(self) -> Iterable[bytes]:
        """The model (config and weights), the point and the code model; not the search
        nor its feature network, which only encode."""
        yield json.dumps([asdict(self.model.config), self.point, self.bits, self.smoothing, self.table_bits]).encode()
        for name, tensor in sorted(self.model.state_dict().items()):
            yield name.encode()
            yield tensor.detach().cpu().contiguous().numpy().tobytes()
        if self.counts is not None:
            yield self.counts.numpy().tobytes()

    # Codes <-> payload
    def encode_payload(self, codes: torch.Tensor) -> bytes:
        if self.bits is None:
            return codes.detach().cpu().float().numpy().astype("<f4").tobytes()
        return encode_codes(codes, self.probs, self.bits, self.table_bits)

    def decode_payload(self, payload: bytes, count: int) -> torch.Tensor:
        if self.bits is None:
            return decode_floats(payload, self.dims, count)
        return decode_codes(payload, self.probs, self.bits, self.table_bits, count)

    # Images <-> codes
    def round_codes(self, images: torch.Tensor) -> torch.Tensor:
        """(N, dims) codes: the encoder's, at the codec's point, before any search."""
        return self.model.encode(images, self.point).cpu()

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The encoder's codes, searched if the codec has a `CodeSearch`."""
        codes = self.round_codes(images)
        return codes if self.search is None else self.search_codes(images, codes)

    def search_codes(self, images: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        """The codec's `CodeSearch` from `codes` (see `qae.codec.search`)."""
        return search_codes(self, self.search, images, codes)

    @property
    def decoder(self) -> torch.nn.Module:
        """The model's decoder (what the search measures moves with)."""
        return self.model.decoder

    @property
    def device(self) -> torch.device:
        """Where the model runs."""
        return self.model.device

    def decoder_input(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, dims) codes -> (N, width) what the decoder reads."""
        return self.model.decoder_input(codes, self.point)

    def code_bits(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, dims) float32: the ideal bits of each code under the code model."""
        shift = max(self.bits - self.table_bits, 0)
        return self._bit_table.to(codes.device).gather(0, codes >> shift) + shift

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        return self.model.decode(codes, self.point).cpu()

    def without_search(self) -> Codec:
        return Codec(self.model, self.point, self.counts, self.smoothing, self.table_bits)

    # The file
    def state(self) -> dict[str, Any]:
        return {
            "point": self.point,
            "smoothing": self.smoothing,
            "table_bits": self.table_bits,
            "counts": self.counts,
            "search": None if self.search is None else asdict(self.search),
            "autoencoder": autoencoder_checkpoint(self.model),
            "features": None if self.features is None else classifier_checkpoint(self.features, **self.features.meta),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], device: str | torch.device | None = None) -> Codec:
        model = autoencoder_from_checkpoint(state["autoencoder"]).to(pick_device(device))
        search = None if state["search"] is None else CodeSearch(**state["search"])
        features = state.get("features")  # files made before feature searches have none
        features = None if features is None else classifier_from_checkpoint(features).to(model.device)
        return cls(model, state["point"], state["counts"], state["smoothing"], state["table_bits"], search, features)


def coding_metrics(codec: Codec, codes: torch.Tensor) -> dict[str, float | None]:
    """Bits per image of (N, dims) `codes` through `codec`, checked lossless:
    coded_bits (the payload actually written, 8 x bytes / N; the 28-byte header is not
    counted), model_bits (the ideal length under the fitted model) and entropy_bits
    (the plug-in entropy of these codes, per dimension, summed). For a float32 code the
    coded bits are the raw 32 x dims and the other two are None."""
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
