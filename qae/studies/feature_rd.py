"""Codes searched for what the class needs: the rate-distortion model's codes, chosen by
a distortion measured in the features of a network trained without labels.

The rate-distortion model (`compressor.rd`) stays as trained; only its encode-time code
search (`qae.codec.search`) changes: beside the pixels' cross-entropy it prices the error
in the hidden features of the semantic study's cluster network, which learned without
labels to put randomly rotated, zoomed and shifted digits in the same cluster (the
invariance idea of Dubois et al., "Lossy Compression for Lossless Prediction", 2021). So
bits go to what tells one digit from another, and the pixel loss keeps the decode a
digit. Decoders and bitstreams are the rate-distortion model's own.

How much the features weigh is a recipe choice, so it is made on validation images (the
autoencoder split's validation rows, which the classifier never saw) and the test set
only scores the chosen weight.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from qae.codec.base import BaseCodec
from qae.codec.codec import Codec
from qae.codec.evaluate import evaluate_search
from qae.codec.search import CodeSearch
from qae.errors import UserError
from qae.evaluate import Scorers
from qae.models import Autoencoder, Classifier, identity

STUDY = "feature_rd"


def feature_network(codec: BaseCodec, path: str | os.PathLike) -> Classifier:
    """The cluster network of a semantic codec file (what the features are read from)."""
    if not isinstance(getattr(codec, "network", None), Classifier):
        raise UserError(f"{path}: a {codec.kind} file has no cluster network; give a semantic codec file")
    return codec.network


def validation_split(autoencoder: dict[str, torch.Tensor], index: torch.Tensor, n: int) -> dict[str, torch.Tensor]:
    """The first `n` of the autoencoder split's validation rows, {"images", "labels"}."""
    rows = index[:n]
    return {"images": autoencoder["images"][rows], "labels": autoencoder["labels"][rows]}


def choose_feature_weight(records: list[dict[str, Any]], budget_bits: float) -> float:
    """The feature weight of the validation record most accurate (by the classifier)
    within `budget_bits` coded bits per image; ties go to the smaller weight. With no
    record within budget, the weight of the cheapest one."""
    within = [r for r in records if r["coded_bits"] <= budget_bits]
    if within:
        best = max(within, key=lambda r: (r["accuracy"], -r["feature_weight"]))
    else:
        best = min(records, key=lambda r: (r["coded_bits"], r["feature_weight"]))
    return best["feature_weight"]


def search_records(
    model: Autoencoder,
    features: Classifier,
    scorers: Scorers,
    train_images: torch.Tensor,
    images: dict[str, torch.Tensor],
    feature_weight: float,
    candidates: int,
    rounds: int,
    smoothing: float,
    table_bits: int,
) -> list[tuple[dict[str, Any], Codec]]:
    """At every rate level of `model`, the codec whose search weighs `features` by
    `feature_weight`, and the record of `images` ({"images", "labels"}) through it."""
    results = []
    for level in model.bottleneck.points:
        search = CodeSearch(model.bottleneck.rate_weights[level], candidates, rounds, feature_weight)
        record, codec = evaluate_search(
            model, scorers, train_images, images, level, search, smoothing, table_bits, features
        )
        # The encoder's rounding alone is the rate-distortion model's own point (compressor_rd): not repeated.
        record = {k: v for k, v in record.items() if k not in ("rounded_accuracy", "rounded_model_bits")}
        record = {**identity(model.meta), "study": STUDY, "method": STUDY, "feature_weight": feature_weight, **record}
        results.append((record, codec))
    return results
