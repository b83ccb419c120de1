"""The best compressors qae builds, trained without labels: the deep autoencoder
trained quantization-aware at a few bits per element, and the rate-distortion model,
whose learned prior decides the bits and whose codes are searched at encode time
(one operating point per rate weight).
"""

from __future__ import annotations

from typing import Any

from qae.rate import TARGETS, bits_at


def compressor_summary(qat: list[dict[str, Any]], rd: list[dict[str, Any]]) -> dict[str, Any]:
    """bits_at_97 / bits_at_98 (coded bits) of both families."""
    return {
        "qat": {name: bits_at(qat, target) for name, target in TARGETS.items()},
        "rd": {name: bits_at(rd, target) for name, target in TARGETS.items()},
    }
