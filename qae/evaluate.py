"""Scoring: the classifier's accuracy on reconstructions, pixel errors, nominal bits.

Everything here runs without gradients, batch by batch from uint8 tensors in memory;
the batch size is a machine knob (`qae.runtime.eval_batch`). Scoring codecs, whose
bits come from an entropy coder, is `qae.codec.evaluate`'s job.
"""

from __future__ import annotations

import gzip
import os
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from qae.bottlenecks.base import Point
from qae.images import as_unit_images, batch_slices
from qae.models import Autoencoder, Classifier, load_classifier
from qae.runtime import device_of, eval_batch

if TYPE_CHECKING:
    from qae.corrupt import Corruption

RAW_BITS = 28 * 28 * 8  # an MNIST image as stored: 784 pixels of 8 bits


class Scorers:
    """The classifiers that score what a codec's receiver decodes: `first`, post 000's CNN
    (a record's `accuracy`), and `second`, another architecture trained on other images
    (`second_accuracy`), so that a finding about accuracy rests on more than one network's
    taste. Without a second, records have `accuracy` alone."""

    def __init__(self, first: Classifier, second: Classifier | None = None) -> None:
        self.networks = {"accuracy": first, **({} if second is None else {"second_accuracy": second})}

    @property
    def device(self) -> torch.device:
        """Where the first scorer runs (the others run there too)."""
        return device_of(self.networks["accuracy"])

    def correct(self, x_hat: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """How many of a batch of (N, 1, 28, 28) [0, 1] images each scorer labels right."""
        return {key: (net(x_hat).argmax(1) == labels).sum() for key, net in self.networks.items()}

    def tally(self) -> dict[str, torch.Tensor]:
        """A zero count per scorer, on the scorers' device, for `correct` to add to."""
        return {key: torch.zeros((), dtype=torch.long, device=self.device) for key in self.networks}


def load_scorers(first: str | os.PathLike, second: str | os.PathLike | None = None) -> Scorers:
    """The scorers from their checkpoints, on $QAE_DEVICE."""
    return Scorers(load_classifier(first), None if second is None else load_classifier(second))


@torch.inference_mode()
def score_images(
    scorers: Scorers, images: torch.Tensor, labels: torch.Tensor, batch_size: int | None = None
) -> dict[str, float]:
    """Each scorer's share of `images` (uint8 or [0, 1]: what a receiver decoded) labelled
    right, and how many images that is (`images`)."""
    device = scorers.device
    images, labels = images.to(device), labels.to(device)  # once: no host copy per batch
    correct = scorers.tally()
    for s in batch_slices(len(images), batch_size or eval_batch(device)):
        for key, n in scorers.correct(as_unit_images(images[s]), labels[s]).items():
            correct[key] += n
    return {**{key: n.item() / len(images) for key, n in correct.items()}, "images": len(images)}


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
    scorers: Scorers,
    images: torch.Tensor,
    labels: torch.Tensor,
    codes: torch.Tensor,
    point: Point,
    batch_size: int | None = None,
) -> dict[str, float]:
    """Decode `codes` of `images` (uint8), sent at the bottleneck's operating `point`, and
    score the reconstructions: each scorer's accuracy on them, and mse and bce per pixel
    against the [0, 1] images; `images`, how many were scored."""
    device = model.device
    images, labels, codes = images.to(device), labels.to(device), codes.to(device)  # once: no host copy per batch
    correct = scorers.tally()
    squared = torch.zeros((), dtype=torch.float64, device=device)
    cross = torch.zeros((), dtype=torch.float64, device=device)
    for s in batch_slices(len(images), batch_size or eval_batch(device)):
        x = as_unit_images(images[s])
        logits = model.decode_logits(codes[s], point)
        x_hat = torch.sigmoid(logits)
        for key, n in scorers.correct(x_hat, labels[s]).items():
            correct[key] += n
        squared += F.mse_loss(x_hat, x, reduction="sum").double()
        cross += F.binary_cross_entropy_with_logits(logits, x, reduction="sum").double()
    pixels = images[0].numel() * len(images)
    accuracy = {key: n.item() / len(images) for key, n in correct.items()}
    return {**accuracy, "images": len(images), "mse": squared.item() / pixels, "bce": cross.item() / pixels}


MEASURES = ("accuracy", "second_accuracy", "mse", "bce", "total_bits", "compression_ratio", "coded_bits")
MEASURES += ("model_bits", "entropy_bits")


def measures(record: dict[str, Any]) -> dict[str, Any]:
    """A codec record's measurements alone: what a metrics file `dvc exp show` reads may
    hold (its dims and bits are params, which DVC would list twice, prefixed)."""
    return {k: record[k] for k in MEASURES if k in record}


def nominal_bits(dims: int, bits: int | None) -> dict[str, float]:
    """total_bits (dims x bits per image: `dims` integers of `bits` bits; float32 is 32
    bits) and compression_ratio (RAW_BITS / total_bits): the rate before entropy coding."""
    total = dims * (32 if bits is None else bits)
    return {"total_bits": total, "compression_ratio": RAW_BITS / total}


def evaluate_quantized(
    model: Autoencoder,
    scorers: Scorers,
    images: torch.Tensor,
    labels: torch.Tensor,
    point: Point,
    batch_size: int | None = None,
) -> dict[str, float]:
    """Reconstruct `images` (uint8) through `model` with its code sent at `point`:
    `score_codes` and `nominal_bits`."""
    codes = model.encode(images, point)
    bottleneck = model.bottleneck
    scores = score_codes(model, scorers, images, labels, codes, point, batch_size)
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
    scorers: Scorers,
    images: torch.Tensor,
    labels: torch.Tensor,
    corrupt: Corruption,
    seed: int,
    batch_size: int | None = None,
) -> dict[str, float]:
    """Reconstruct corrupted `images` (uint8); MSE against the clean images, and each
    scorer's accuracy on the reconstructions. The same seed gives every model the same
    noise and patches, whatever the batch size: the whole set is corrupted at once."""
    device = model.device
    corrupted = corrupt(as_unit_images(images), torch.Generator().manual_seed(seed)).to(device)
    images, labels = images.to(device), labels.to(device)  # once: no host copy per batch
    correct = scorers.tally()
    squared = torch.zeros((), dtype=torch.float64, device=device)
    for s in batch_slices(len(images), batch_size or eval_batch(device)):
        x = as_unit_images(images[s])
        x_hat = model(corrupted[s])
        for key, n in scorers.correct(x_hat, labels[s]).items():
            correct[key] += n
        squared += F.mse_loss(x_hat, x, reduction="sum").double()
    accuracy = {key: n.item() / len(images) for key, n in correct.items()}
    return {"mse": squared.item() / (images[0].numel() * len(images)), **accuracy, "images": len(images)}
