"""The codec qae ships, so that `qae compress` works before any training.

`CODEC` is one rate level of the pipeline's variable-rate model, copied from
`data/compressor/rd/codecs/` with the rate and accuracy it measured there: see
`CARD.md` beside it. Load it with `qae.load_codec(qae.PRETRAINED_CODEC)`.
"""

from pathlib import Path

CODEC = Path(__file__).with_name("codec.pt")
CARD = Path(__file__).with_name("CARD.md")
