"""The vector-quantized family: autoencoders whose code is codebook indices
(`qae.vq.models`) and their training (`qae.vq.train`)."""
