"""A model scored as a codec: accuracy, pixel errors and real coded bits per image.

The encoder runs once per image set; each operating point (bits level, rate level,
codebook count) then only quantizes, decodes, scores and entropy codes. Records are
flat, one per operating point, and say which point they are (`Bottleneck.describe`):
dims and bits, a rate level and its weight; the caller adds what the model is.
"""

from __future__ import annotations

from typing import Any

import torch

from qae.bottlenecks.base import Point
from qae.codec.codec import Codec, coding_metrics
from qae.codec.search import CodeSearch
from qae.evaluate import Scorers, nominal_bits, score_codes
from qae.models import Autoencoder, Classifier


def evaluate_codes(
    model: Autoencoder,
    scorers: Scorers,
    train_codes: torch.Tensor,
    test: dict[str, torch.Tensor],
    codes: torch.Tensor,
    point: Point,
    smoothing: float,
    table_bits: int,
    search: CodeSearch | None = None,
) -> tuple[dict[str, Any], Codec]:
    """A codec at `point` fitted on `train_codes` and the record of the `test` split
    ({"images", "labels"}) sent as `codes` through it."""
    codec = Codec.from_codes(model, train_codes, point, smoothing, table_bits, search)
    bottleneck = model.bottleneck
    record = score_codes(model, scorers, test["images"], test["labels"], codes, point)
    nominal = nominal_bits(bottleneck.code_dims(point), bottleneck.symbol_bits(point))
    return {**bottleneck.describe(point), **record, **nominal, **coding_metrics(codec, codes)}, codec


def evaluate_points(
    model: Autoencoder,
    scorers: Scorers,
    train_images: torch.Tensor,
    test: dict[str, torch.Tensor],
    points: list[Point],
    smoothing: float,
    table_bits: int,
) -> list[tuple[dict[str, Any], Codec]]:
    """For each operating point, a codec fitted on the codes of `train_images` and the
    record of the `test` split ({"images", "labels"}) through it."""
    z_train, z_test = model.encode_float(train_images), model.encode_float(test["images"])
    bottleneck = model.bottleneck
    if bottleneck.nested:  # every point's code is a prefix of the whole one: encode once
        whole_train, whole_test = bottleneck.to_codes(z_train, None), bottleneck.to_codes(z_test, None)
    results = []
    for point in points:
        if bottleneck.nested:
            dims = bottleneck.code_dims(point)
            train_codes, codes = whole_train[:, :dims], whole_test[:, :dims]
        else:
            train_codes, codes = bottleneck.to_codes(z_train, point), bottleneck.to_codes(z_test, point)
        results.append(evaluate_codes(model, scorers, train_codes, test, codes, point, smoothing, table_bits))
    return results


def evaluate_search(
    model: Autoencoder,
    scorers: Scorers,
    train_images: torch.Tensor,
    test: dict[str, torch.Tensor],
    point: Point,
    search: CodeSearch,
    smoothing: float,
    table_bits: int,
    features: Classifier | None = None,
) -> tuple[dict[str, Any], Codec]:
    """The codec at `point` with `search` (and the feature network it weighs, if any) and
    the record of the `test` split through it: the searched codes' scores and bits, plus
    rounded_accuracy and rounded_model_bits of the encoder's codes alone."""
    train_codes = model.encode(train_images, point)
    codec = Codec.from_codes(model, train_codes, point, smoothing, table_bits, search, features)
    images, labels = test["images"], test["labels"]
    rounded = codec.round_codes(images)
    codes = codec.search_codes(images, rounded)
    bottleneck = model.bottleneck
    record = score_codes(model, scorers, images, labels, codes, point)
    record |= nominal_bits(bottleneck.code_dims(point), bottleneck.symbol_bits(point)) | coding_metrics(codec, codes)
    record["rounded_accuracy"] = score_codes(model, scorers, images, labels, rounded, point)["accuracy"]
    record["rounded_model_bits"] = codec.code_bits(rounded).sum(1).mean().item()
    return {**bottleneck.describe(point), "rate_weight": search.rate_weight, **record}, codec
