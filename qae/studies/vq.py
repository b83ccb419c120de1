"""The vector-quantized family on the rate-accuracy axis: one model per quantizer
(`qae.bottlenecks.vqvae`, `rvq`, `fsq`), each scored as a codec (real bitstreams)
at every code length it offers: every prefix of a residual VQ's codebooks, the whole
code of the others. Its codes are indices, modelled by a full table of every index's
frequency (`qae.codec.codec.table_bits_for`).
"""

from __future__ import annotations

QUANTIZERS = ("vqvae", "rvq", "fsq")  # the bottlenecks params' vq section configures, one subsection each
