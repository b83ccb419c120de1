"""Real bitstreams: an autoencoder's integer codes (or a codebook's indices), entropy coded.

- `bitstream`: the container format (header, CRC); a reader finds the layout here.
- `entropy`: the per-dimension code model and the range coder.
- `search`: the encode-time search for cheaper codes than the encoder's rounding.
- `codec`: the user API, `Codec` (images <-> bytes), `load_codec`, `compress`, `decompress`.
- `codebook`: pixel-space codebooks (k-means) and nearest-codeword search.
- `semantic`: `SemanticCodec`, a cluster index and then a codeword of that cluster.
- `evaluate`: a model scored as a codec, at several bits levels or rate weights.
"""
