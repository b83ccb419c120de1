"""From params.yaml's sections to the configs that build and train models: the one way every
stage and study turns a section into an `AutoencoderConfig` and a `TrainConfig`.

Each function reads one section as params.yaml lays it out (see its comments there) and
names what the model is (`method`), which records and checkpoints carry. Not here: the
sections' validation (qae.params), training (qae.train).
"""

from __future__ import annotations

from typing import Any

from qae.models import AutoencoderConfig
from qae.train import TrainConfig


def linear(
    sweep: dict[str, Any], dims: int, faithful: bool = False, qat: dict[str, Any] | None = None
) -> AutoencoderConfig:
    """Posts 000/001's autoencoder as `sweep` describes it at `dims`: the posts' recipe as
    written (`faithful`, or sweep.recipe post), corrected, or trained quantization-aware
    with `qat` ({"bits", "noise"}: always corrected)."""
    if qat is not None:
        return AutoencoderConfig(sweep["arch"], dims, "quantization_aware", qat, "corrected", sweep["dropout"])
    recipe = "post" if faithful else sweep["recipe"]
    bottleneck = "posts_rounding" if recipe == "post" else "rounding"
    return AutoencoderConfig(sweep["arch"], dims, bottleneck, {}, recipe, sweep["dropout"])


def linear_training(sweep: dict[str, Any], faithful: bool = False) -> TrainConfig:
    """How `sweep` trains; `faithful`: the posts' own schedule (sweep.faithful)."""
    if faithful:
        own = sweep["faithful"]
        return TrainConfig.from_params(sweep, epochs=own["epochs"], lr=own["lr"], schedule="constant")
    return TrainConfig.from_params(sweep)


def linear_method(config: AutoencoderConfig) -> str:
    """What a linear-family model is called in records and reports."""
    if config.bottleneck == "quantization_aware":
        return "autoencoder_qat"
    return "autoencoder_posts" if config.recipe == "post" else "autoencoder"


def compressor(section: dict[str, Any], dims: int, bits: int, noise: bool) -> AutoencoderConfig:
    """The quantization-aware deep model params' `compressor` section describes at dims x bits
    (`noise`: params qat.noise)."""
    return AutoencoderConfig(section["arch"], dims, "quantization_aware", {"bits": bits, "noise": noise})


def rate_distortion(rd: dict[str, Any]) -> AutoencoderConfig:
    """The variable-rate model params' `compressor.rd` section describes."""
    options = {"rate_weights": list(rd["rate_weights"]), "code_bits": rd["code_bits"]}
    return AutoencoderConfig(rd["arch"], rd["dims"], "rate_distortion", options)


def vector_quantized(vq: dict[str, Any], quantizer: str) -> AutoencoderConfig:
    """The model params' `vq` section describes for `quantizer` (vqvae, rvq or fsq)."""
    own = dict(vq[quantizer])
    if quantizer != "fsq":
        own["commitment"] = vq["commitment"]
    return AutoencoderConfig(vq["arch"], vq["width"], quantizer, own)
