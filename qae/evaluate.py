"""Scoring: the classifier's accuracy on reconstructions, pixel errors, bit counts.

Everything here runs without gradients, batch by batch from uint8 tensors in memory.
"""

from __future__ import annotations

import gzip

import torch
import torch.nn.functional as F

from qae.codec import Codec, coding_metrics
from qae.corrupt import Corruption
from qae.data import as_unit_images, batch_slices
from qae.models import Autoencoder, Classifier

RAW_BITS = 28 * 28 * 8  # an MNIST image as stored: 784 pixels of 8 bits


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.inference_mode()
def classifier_accuracy(classifier: Classifier, images: torch.Tensor, labels: torch.Tensor, batch_size: int) -> float:
    """Share of `images` (uint8) that `classifier` labels correctly."""
    device = _device(classifier)
    correct = torch.zeros((), dtype=torch.long, device=device)
    for s in batch_slices(len(images), batch_size):
        correct += (classifier(as_unit_images(images[s]).to(device)).argmax(1) == labels[s].to(device)).sum()
    return correct.item() / len(images)


@torch.inference_mode()
def evaluate_quantized(
    model: Autoencoder,
    classifier: Classifier,
    images: torch.Tensor,
    labels: torch.Tensor,
    bits: int | None,
    batch_size: int,
    codes: torch.Tensor | None = None,
) -> dict[str, float]:
    """Reconstruct `images` (uint8) through `model` with its code rounded to `bits`
    bits (None: float32), or from given integer `codes` of `bits` bits (a code
    search's, say), and score the reconstructions.

    Returns accuracy (the classifier on the reconstructions), mse and bce (per pixel,
    against the [0, 1] images), total_bits (code bits per image) and
    compression_ratio (RAW_BITS / total_bits).
    """
    device = _device(model)
    correct = torch.zeros((), dtype=torch.long, device=device)
    squared = torch.zeros((), dtype=torch.float64, device=device)
    cross = torch.zeros((), dtype=torch.float64, device=device)
    for s in batch_slices(len(images), batch_size):
        x = as_unit_images(images[s]).to(device)
        if codes is None:
            logits = model.logits(x, bits)
        else:
            logits = model.decoder(model.bottleneck.from_codes(codes[s].to(device), bits))
        x_hat = torch.sigmoid(logits)
        correct += (classifier(x_hat).argmax(1) == labels[s].to(device)).sum()
        squared += F.mse_loss(x_hat, x, reduction="sum").double()
        cross += F.binary_cross_entropy_with_logits(logits, x, reduction="sum").double()
    pixels = images[0].numel() * len(images)
    total_bits = model.config.dims * (32 if bits is None else bits)
    return {
        "accuracy": correct.item() / len(images),
        "mse": squared.item() / pixels,
        "bce": cross.item() / pixels,
        "total_bits": total_bits,
        "compression_ratio": RAW_BITS / total_bits,
    }


def evaluate_codec(
    codec: Codec, classifier: Classifier, images: torch.Tensor, labels: torch.Tensor, batch_size: int
) -> dict[str, float | None]:
    """`evaluate_quantized` and `coding_metrics` of the codes `codec` sends for
    `images` (uint8). With a code search, those are of the searched codes, and
    rounded_accuracy / rounded_model_bits say what the encoder's rounding gave."""
    args = (codec.model, classifier, images, labels, codec.bits, batch_size)
    if codec.search is None:
        return evaluate_quantized(*args) | coding_metrics(codec, images)
    rounded = codec.round_codes(images, batch_size)
    codes = codec.search_codes(images, rounded, batch_size)
    return (
        evaluate_quantized(*args, codes=codes)
        | coding_metrics(codec, images, codes)
        | {
            "rounded_accuracy": evaluate_quantized(*args, codes=rounded)["accuracy"],
            "rounded_model_bits": codec.code_bits(rounded).sum(1).mean().item(),
        }
    )


@torch.inference_mode()
def reconstruction_mse(model: torch.nn.Module, images: torch.Tensor, batch_size: int = 1000) -> float:
    """Mean per-pixel MSE of `model`'s float32 reconstructions of uint8 or [0, 1] `images`."""
    device = _device(model)
    total = 0.0
    for s in batch_slices(len(images), batch_size):
        x = as_unit_images(images[s]).to(device)
        total += F.mse_loss(model(x), x, reduction="sum").item()
    return total / images[0].numel() / len(images)


def gzip_baseline(images: torch.Tensor) -> dict[str, float]:
    """Post 001's lossless baseline: gzip (level 9) of the raw uint8 pixels."""
    raw = images.contiguous().numpy().tobytes()
    packed = len(gzip.compress(raw, compresslevel=9, mtime=0))
    return {"ratio": len(raw) / packed, "bits_per_image": 8 * packed / len(images)}


@torch.inference_mode()
def evaluate_corrupted(
    model: Autoencoder,
    classifier: Classifier,
    images: torch.Tensor,
    labels: torch.Tensor,
    corrupt: Corruption,
    batch_size: int,
    seed: int,
) -> dict[str, float]:
    """Reconstruct corrupted `images` (uint8); MSE against the clean images, and the
    classifier's accuracy on the reconstructions. The same seed gives every model the
    same noise and patches."""
    device = _device(model)
    generator = torch.Generator().manual_seed(seed)
    correct = torch.zeros((), dtype=torch.long, device=device)
    squared = torch.zeros((), dtype=torch.float64, device=device)
    for s in batch_slices(len(images), batch_size):
        x = as_unit_images(images[s]).to(device)
        x_hat = model(corrupt(x, generator))
        correct += (classifier(x_hat).argmax(1) == labels[s].to(device)).sum()
        squared += F.mse_loss(x_hat, x, reduction="sum").double()
    return {"mse": squared.item() / (images[0].numel() * len(images)), "accuracy": correct.item() / len(images)}
