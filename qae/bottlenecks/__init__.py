"""The bottlenecks: what turns an encoder's output into a code, one file per method.

- `base`: the contract every bottleneck keeps, and the registry that builds one by name.
- `rounding`: sigmoid, round to b bits (bin centres), logit; calibrated to the training codes.
- `posts_rounding`: the same as posts 000/001 wrote it (bin edges, no calibration, clamped).
- `quantization_aware`: rounding in the training loop (straight-through, or uniform noise).
- `rate_distortion`: integer codes priced by a learned prior, one model for several rates.
- `vqvae`, `rvq` (residual VQ), `fsq`: the vector-quantized family (vector-quantize-pytorch).
"""
