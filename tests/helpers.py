"""Helpers shared by the tests: paths, the shipped MNIST sample and drawn digits, shrunk params."""

import copy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_MIRROR = ROOT / "tests" / "data" / "mnist-sample"
DRAWN = ROOT / "tests" / "data" / "drawn"  # digits drawn as people draw them (tests/data/make_drawn_digits.py)


def sample_sha256() -> dict[str, str]:
    """The sample's SHA256SUMS as a {file name: digest} mapping."""
    pairs = (line.split() for line in (SAMPLE_MIRROR / "SHA256SUMS").read_text().splitlines())
    return {name: digest for digest, name in pairs}


def shrink(params: dict) -> dict:
    """The real params, cut to seconds of work on the shipped sample, offline."""
    p = copy.deepcopy(params)
    p["dims"], p["bits"] = 6, 4  # a headline dims outside the sweep
    p["download"].update(mirrors=[], sha256=sample_sha256())
    p["split"].update(classifier_size=600, autoencoder_size=400)
    p["classifier"].update(epochs=2)
    p["second_classifier"].update(epochs=2)
    p["replicates"] = [1]  # one more seed: the replicate stages run, and every finding has a spread
    p["sweep"].update(dims=[2, 8], bits=[2, "fp32"], epochs=5, grid_digits=5)
    p["sweep"]["faithful"].update(dims=[8], epochs=2)
    p["conv"].update(batch_size=64)
    p["conv"]["search"].update(trials=2, epochs_scale=0.02)  # one epoch per trial
    p["conv"]["tradeoff"].update(dims=[2], epochs_scale=0.02)
    p["conv"]["robustness"].update(noise_std=[0, 0.5], patch=[0, 8])
    p["latent"].update(grid=12, samples=10, samples_per_row=5)
    p["digits"].update(epochs=1, codes_dims=8, perplexity=10)
    p["lowdims"].update(dims=[3], epochs=1)
    p["qat"].update(bits=[2])
    p["compressor"].update(dims=[4], bits=[2], epochs=1)
    p["compressor"]["rd"].update(dims=4, rate_weights=[0.5, 0.25], epochs=1, images="all", schedule="cosine")
    p["compressor"]["rd"]["augment"].update(degrees=10, scale=0.1, shift=1.5)
    p["baselines"].update(jpeg_quality=[10, 50], webp_quality=[10, 50], pca_k=[4], pca_bits=[2])
    p["baselines"].update(kmeans_k=[16], kmeans_iterations=2)
    p["vq"].update(width=8, epochs=1)
    p["vq"]["vqvae"].update(codebook_size=16)
    p["vq"]["rvq"].update(codebooks=2, codebook_size=16)
    p["vq"]["fsq"].update(groups=1, levels=[4, 4])
    p["semantic"].update(images=200, clusters=4, perplexity=10, epochs=1, relabel_rounds=1, relabel_epochs=1)
    p["semantic"].update(refine_bits=[0, 2], kmeans_iterations=2)
    p["feature_rd"].update(feature_weights=[0, 1], validation_images=40)
    return p
