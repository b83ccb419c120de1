"""qae: how much an autoencoder keeps of an MNIST digit, and what quantizing its code costs.

>>> import qae
>>> model = qae.load_autoencoder("data/sweep/models/64.pt")
>>> codes = model.encode(images, bits=8)     # (N, 64) int64 in 0..255
>>> images_hat = model.decode(codes, bits=8)  # (N, 1, 28, 28) float in [0, 1]
>>> data = qae.compress(images, "data/sweep/codecs/64/8.pt")  # entropy-coded bytes
>>> images_hat = qae.decompress(data, "data/sweep/codecs/64/8.pt")
>>> data = qae.compress(images, qae.PRETRAINED_CODEC)  # the codec qae ships: no training

The names below load on first use, so importing one module of qae (as every
pipeline stage does) runs nothing else: this file imports no module of its own.
"""

import importlib

_API = {
    "Autoencoder": "qae.models",
    "Classifier": "qae.models",
    "load_autoencoder": "qae.models",
    "load_classifier": "qae.models",
    "AutoencoderConfig": "qae.models",
    "Bottleneck": "qae.bottlenecks.base",
    "build_bottleneck": "qae.bottlenecks.base",
    "round_to_bits": "qae.quantize",
    "to_codes": "qae.quantize",
    "from_codes": "qae.quantize",
    "BitstreamError": "qae.codec.bitstream",
    "Codec": "qae.codec.codec",
    "CodeSearch": "qae.codec.search",
    "load_codec": "qae.codec.base",
    "compress": "qae.codec.base",
    "decompress": "qae.codec.base",
    "PRETRAINED_CODEC": "qae.pretrained:CODEC",  # module:attribute where the names differ
}
__all__ = sorted(_API)


def __getattr__(name: str) -> object:
    if name not in _API:
        raise AttributeError(f"module 'qae' has no attribute {name!r}")
    module, _, attribute = _API[name].partition(":")
    return getattr(importlib.import_module(module), attribute or name)


def __dir__() -> list[str]:
    return __all__
