"""Scoring: the classifier's accuracy on reconstructions, pixel errors, nominal bits.

Everything here runs without gradients, batch by batch from uint8 tensors in memory;
the batch size is a machine knob (`qae.runtime.eval_batch`). Scoring codecs, whose
bits come from an entropy coder, is `qae.codec.evaluate`'s job.
"""

from __future__ import annotations

import gzip
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from qae.bottlenecks.base import Point
from qae.images import as_unit_images, batch_slices
from qae.models import Autoencoder, Classifier
from qae.runtime import device_of, eval_batch

if TYPE_CHECKING:
    from qae.corrupt import Corruption

RAW_BITS = 28 * 28 * 8  # an MNIST image as stored: 784 pixels of 8 bits


@torch.inference_mode()
def classifier_accuracy(
    classifier: Classifier, images: torch.Tensor, labels: torch.Tensor, batch_size: int | None = None
) -> float:
    """Share of `images` (uint8 or [0, 1]) that `classifier` labels correctly."""
    device = device_of(classifier)
    images, labels = images.to(device), labels.to(device)  # once: no host copy per batch
    correct = torch.zeros((), dtype=torch.long, device=device)
    for s in batch_slices(len(images), batch_size or eval_batch(device)):
        correct += (classifier(as_unit_images(images[s])).argmax(1) == labels[s]).sum()
    return correct.item() / len(images)


@torch.inference_mode()
def score_codes(
    model: Autoencoder,
    classifier: Classifier,
    images: torch.Tensor,
    labels: torch.Tensor,
    codes: torch.Tensor,
    point: Point,
    batch_size: int | None = None,
) -> dict[str, float]:
    """Decode `codes` of `images` (uint8), sent at the bottleneck's operating `point`, and
    score the reconstructions: accuracy (the classifier on them), and mse and bce per
    pixel against the [0, 1] images."""
    device = model.device
    images, labels, codes = images.to(device), labels.to(device), codes.to(device)  # once: no host copy per batch
    correct = torch.zeros((), dtype=torch.long, device=device)
    squared = torch.zeros((), dtype=torch.float64, device=device)
    cross = torch.zeros((), dtype=torch.float64, device=device)
    for s in batch_slices(len(images), batch_size or eval_batch(device)):
        x = as_unit_images(images[s])
        logits = model.decode_logits(codes[s], point)
        x_hat = torch.sigmoid(logits)
        correct += (classifier(x_hat).argmax(1) == labels[s]).sum()
        squared += F.mse_loss(x_hat, x, reduction="sum").double()
        cross += F.binary_cross_entropy_with_logits(logits, x, reduction="sum").double()
    pixels = images[0].numel() * len(images)
    return {"accuracy": correct.item() / len(images), "mse": squared.item() / pixels, "bce": cross.item() / pixels}


def nominal_bits(dims: int, bits: int | None) -> dict[str, float]:
    """total_bits (dims x bits per image: `dims` integers of `bits` bits; float32 is 32
    bits) and compression_ratio (RAW_BITS / total_bits): the rate before entropy coding."""
    total = dims * (32 if bits is None else bits)
    return {"total_bits": total, "compression_ratio": RAW_BITS / total}


def evaluate_quantized(
    model: Autoencoder,
    classifier: Classifier,
    images: torch.Tensor,
    labels: torch.Tensor,
    point: Point,
    batch_size: int | None = None,
) -> dict[str, float]:
    """Reconstruct `images` (uint8) through `model` with its code sent at `point`:
    `score_codes` and `nominal_bits`."""
    codes = model.encode(images, point)
    bottleneck = model.bottleneck
    scores = score_codes(model, classifier, images, labels, codes, point, batch_size)
    return scores | nominal_bits(bottleneck.code_dims(point), bottleneck.symbol_bits(point))


@torch.inference_mode()
def reconstruction_mse(model: Autoencoder, images: torch.Tensor, batch_size: int | None = None) -> float:
    """Mean per-pixel MSE of `model`'s float32 reconstructions of uint8 or [0, 1] `images`."""
    device = model.device
    images = images.to(device)  # once: no host copy per batch
    total = torch.zeros((), dtype=torch.float64, device=device)
    for s in batch_slices(len(images), batch_size or eval_batch(device)):
        x = as_unit_images(images[s])
        total += F.mse_loss(model(x), x, reduction="sum").double()
    return total.item() / images[0].numel() / len(images)


def gzip_baseline(images: torch.Tensor) -> dict[str, float]:
    """Post 001's lossless baseline: gzip (level 9) of the raw uint8 pixels as one stream."""
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
    seed: int,
    batch_size: int | None = None,
) -> dict[str, float]:
    """Reconstruct corrupted `images` (uint8); MSE against the clean images, and the
    classifier's accuracy on the reconstructions. The same seed gives every model the
    same noise and patches, whatever the batch size: the whole set is corrupted at once."""
    device = model.device
    corrupted = corrupt(as_unit_images(images), torch.Generator().manual_seed(seed)).to(device)
    images, labels = images.to(device), labels.to(device)  # once: no host copy per batch
    correct = torch.zeros((), dtype=torch.long, device=device)
    squared = torch.zeros((), dtype=torch.float64, device=device)
    for s in batch_slices(len(images), batch_size or eval_batch(device)):
        x = as_unit_images(images[s])
        x_hat = model(corrupted[s])
        correct += (classifier(x_hat).argmax(1) == labels[s]).sum()
        squared += F.mse_loss(x_hat, x, reduction="sum").double()
    return {"mse": squared.item() / (images[0].numel() * len(images)), "accuracy": correct.item() / len(images)}
