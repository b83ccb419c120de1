"""The best compressors qae builds, trained without labels: the deep autoencoder
trained quantization-aware at a few bits per element, and the rate-distortion model,
whose learned prior decides the bits and whose codes are searched at encode time
(one operating point per rate weight).
"""

from __future__ import annotations

from typing import Any

from qae.models import AutoencoderConfig
from qae.rate import TARGETS, bits_at


def model_config(compressor: dict[str, Any], dims: int, bits: int, noise: bool) -> AutoencoderConfig:
    """The quantization-aware model params' `compressor` section describes at dims x bits
    (`noise`: params qat.noise)."""
    options = {"bits": bits, "noise": noise}
    return AutoencoderConfig(compressor["arch"], dims, "quantization_aware", options)


def rd_model_config(rd: dict[str, Any]) -> AutoencoderConfig:
    """The variable-rate model params' `compressor.rd` section describes."""
    options = {"rate_weights": list(rd["rate_weights"]), "code_bits": rd["code_bits"]}
    return AutoencoderConfig(rd["arch"], rd["dims"], "rate_distortion", options)


def compressor_summary(qat: list[dict[str, Any]], rd: list[dict[str, Any]]) -> dict[str, Any]:
    """bits_at_97 / bits_at_98 (coded bits) of both families."""
    return {
        "qat": {name: bits_at(qat, target) for name, target in TARGETS.items()},
        "rd": {name: bits_at(rd, target) for name, target in TARGETS.items()},
    }
