"""The vector-quantized family on the rate-accuracy axis: one model per quantizer,
each scored as a codec (real bitstreams) at every code length it offers.

A VQ code is indices into codebooks: arbitrary labels, so the code model is a full
table of every index's frequency (the codec's table_bits is the index's bits, not
params' codec.table_bits, which models only a scalar code's top bits).
"""

from __future__ import annotations

from typing import Any

import torch

from qae.codec.codec import Codec
from qae.codec.evaluate import evaluate_codes
from qae.models import Classifier
from qae.vq.models import VQAutoencoder, VQConfig


def vq_config(params: dict[str, Any], quantizer: str) -> VQConfig:
    """The model params.yaml's `vq` section describes for `quantizer`."""
    own = params[quantizer]
    shared = {"arch": params["arch"], "quantizer": quantizer, "width": params["width"]}
    codebooks = {
        "codebook_size": own.get("codebook_size", 0),
        "commitment": params["commitment"],
        "dead_code_threshold": own.get("dead_code_threshold", 0.0),
    }
    if quantizer == "vqvae":
        return VQConfig(**shared, dims=1, **codebooks)
    if quantizer == "rvq":
        return VQConfig(**shared, dims=own["codebooks"], **codebooks)
    return VQConfig(**shared, dims=own["groups"], levels=tuple(own["levels"]))


def evaluate_vq(
    model: VQAutoencoder,
    classifier: Classifier,
    train_images: torch.Tensor,
    test: dict[str, torch.Tensor],
    smoothing: float,
) -> list[tuple[dict[str, Any], Codec]]:
    """A codec (code model fitted on `train_images`' indices) and the `test` record
    through it for each code length: every prefix of an rvq model's codebooks, the
    whole code of the others. Records carry quantizer, dims (indices per image) and bits."""
    config, bits = model.config, model.config.bits
    # Encoded once: a residual code's first k indices are what its k-codebook prefix sends.
    train_codes, test_codes = model.encode(train_images, bits), model.encode(test["images"], bits)
    lengths = range(1, config.dims + 1) if config.quantizer == "rvq" else [config.dims]
    results = []
    for dims in lengths:
        sub = model.truncated(dims) if dims < config.dims else model
        record, codec = evaluate_codes(
            sub, classifier, train_codes[:, :dims], test, test_codes[:, :dims], bits, smoothing, bits
        )
        results.append(({"quantizer": config.quantizer, "dims": dims, "bits": bits, **record}, codec))
    return results
