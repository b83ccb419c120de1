"""A model scored as a codec: accuracy, pixel errors and real coded bits per image.

The encoder runs once per image set; each bits level (or each search's rate weight)
then only rounds, decodes, scores and entropy codes. Records are flat, one per
operating point, as `qae.evaluate.score_codes` + `nominal_bits` + `coding_metrics`
write them.
"""

from __future__ import annotations

from typing import Any

import torch

from qae.codec.codec import Codec, coding_metrics
from qae.codec.search import CodeSearch
from qae.evaluate import nominal_bits, score_codes
from qae.models import Autoencoder, Classifier


def evaluate_codes(
    model: Autoencoder,
    classifier: Classifier,
    train_codes: torch.Tensor | None,
    test: dict[str, torch.Tensor],
    codes: torch.Tensor,
    bits: int | None,
    smoothing: float,
    table_bits: int,
) -> tuple[dict[str, Any], Codec]:
    """A codec fitted on `train_codes` (None with float32 codes) and the record of the
    `test` split ({"images", "labels"}) sent as `codes` through it."""
    codec = Codec.from_codes(model, train_codes, bits, smoothing, table_bits)
    record = score_codes(model, classifier, test["images"], test["labels"], codes, bits)
    return {**record, **nominal_bits(model.config.dims, bits), **coding_metrics(codec, codes)}, codec


def evaluate_bits(
    model: Autoencoder,
    classifier: Classifier,
    train_images: torch.Tensor,
    test: dict[str, torch.Tensor],
    bits_levels: list[int | None],
    smoothing: float,
    table_bits: int,
) -> list[tuple[dict[str, Any], Codec]]:
    """For each bits level (None: float32), a codec fitted on the rounded codes of
    `train_images` and the record of the `test` split ({"images", "labels"}) through it."""
    z_train, z_test = model.encode_float(train_images), model.encode_float(test["images"])
    results = []
    for bits in bits_levels:
        if bits is None:
            train_codes, codes = None, z_test
        else:
            train_codes, codes = model.bottleneck.to_codes(z_train, bits), model.bottleneck.to_codes(z_test, bits)
        results.append(evaluate_codes(model, classifier, train_codes, test, codes, bits, smoothing, table_bits))
    return results


def evaluate_search(
    model: Autoencoder,
    classifier: Classifier,
    train_images: torch.Tensor,
    test: dict[str, torch.Tensor],
    bits: int,
    search: CodeSearch,
    smoothing: float,
    table_bits: int,
) -> tuple[dict[str, Any], Codec]:
    """The codec at `bits` with `search` and the record of the `test` split through it:
    the searched codes' scores and bits, plus rounded_accuracy and rounded_model_bits
    of the encoder's rounding alone."""
    rounded_train = model.bottleneck.to_codes(model.encode_float(train_images), bits)
    codec = Codec.from_codes(model, rounded_train, bits, smoothing, table_bits, search)
    images, labels = test["images"], test["labels"]
    rounded = codec.round_codes(images)
    codes = codec.search_codes(images, rounded)
    record = score_codes(model, classifier, images, labels, codes, bits)
    record |= nominal_bits(model.config.dims, bits) | coding_metrics(codec, codes)
    record["rounded_accuracy"] = score_codes(model, classifier, images, labels, rounded, bits)["accuracy"]
    record["rounded_model_bits"] = codec.code_bits(rounded).sum(1).mean().item()
    return {"rate_weight": search.rate_weight, **record}, codec
