"""The studies: each uses the library (qae.*) and never another study.

sweep (posts 000/001), conv (post 003), latent (post 003, section V), digits (post 002),
lowdims (post 004), qat, compressor, baselines, rate_accuracy.
"""
