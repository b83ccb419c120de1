"""qae: how much an autoencoder keeps of an MNIST digit, and what quantizing its code costs.

>>> import qae
>>> model = qae.load_autoencoder("data/autoencoders/64.pt")
>>> codes = model.encode(images, bits=8)     # (N, 64) int64 in 0..255
>>> images_hat = model.decode(codes, bits=8)  # (N, 1, 28, 28) float in [0, 1]
>>> data = qae.compress(images, "data/codecs/64-8.pt")  # entropy-coded bytes
>>> images_hat = qae.decompress(data, "data/codecs/64-8.pt")
"""

from qae.codec import BitstreamError, Codec, compress, decompress, load_codec
from qae.models import Autoencoder, Classifier, load_autoencoder, load_classifier
from qae.quantize import Bottleneck, from_codes, round_to_bits, to_codes

__all__ = [
    "Autoencoder",
    "BitstreamError",
    "Bottleneck",
    "Classifier",
    "Codec",
    "compress",
    "decompress",
    "from_codes",
    "load_autoencoder",
    "load_classifier",
    "load_codec",
    "round_to_bits",
    "to_codes",
]
