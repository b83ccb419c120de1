"""Encode-time code search: better integer codes than the encoder's rounding.

The encoder's rounding is a guess, not the best code. Like classic codecs' encoders,
which search their own quantized values, a `CodeSearch` moves each image's code one
level in one dimension at a time while that lowers its cost: the reconstruction's
binary cross-entropy, summed over pixels (nats), + `rate_weight` x the code's bits
under the codec's code model. That is the rate-distortion models' training loss times
784, so `rate_weight` is theirs. Only encoding changes (and slows); decoders and
bitstreams are the same, so a searched stream decodes with any copy of the codec.

A codec that carries a feature network (a `Classifier` trained without labels) may
also measure distortion where the class lives: `feature_weight` x 784 x the mean
squared difference of that network's hidden features of the decode and of the image,
so the search spends bits on what tells digits apart rather than on every pixel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from qae.images import as_unit_images, batch_slices
from qae.io import Progress
from qae.models import Classifier

MIN_GAIN = 1e-3  # a move must beat the current code by more than float noise


class Searchable(Protocol):
    """What the search needs of a codec (`qae.codec.codec.Codec` is one)."""

    bits: int  # of one code: codes lie in 0..2**bits - 1
    decoder: nn.Module  # the model's decoder: decoder inputs -> logits
    device: torch.device  # where the model runs
    features: Classifier | None  # whose hidden features a feature_weight compares, if any

    def decoder_input(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, dims) codes -> (N, width) what the decoder reads."""

    def code_bits(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, dims) codes -> (N, dims) their ideal bits under the code model."""


@dataclass(frozen=True)
class CodeSearch:
    """How a codec searches its codes.

    Each round, every image whose code moved last round tries the `candidates` one-step
    moves (one dimension up or down by one level) that the decoder's gradient and the
    code model predict lower its cost most, measures them exactly, and keeps the best
    if it lowers the cost; at most `rounds` rounds.
    """

    rate_weight: float  # bits are worth this many nats of distortion (the rate-distortion loss's weight)
    candidates: int  # moves measured exactly per image and round; 0: no search, the rounding is sent
    rounds: int  # at most this many rounds
    feature_weight: float = 0.0  # x 784 x the feature network's mean squared error; 0: pixels alone


def _distortion(
    codec: Searchable, search: CodeSearch, inputs: torch.Tensor, x: torch.Tensor, x_features: torch.Tensor | None
) -> torch.Tensor:
    """(N,) per image: the binary cross-entropy against `x` of what the decoder makes of
    `inputs`, plus the weighted feature error against `x_features` (the features of `x`)."""
    logits = codec.decoder(inputs)
    distortion = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    if x_features is None:
        return distortion
    error = (hidden_features(codec.features, torch.sigmoid(logits)) - x_features).pow(2).mean(1)
    return distortion + search.feature_weight * x[0].numel() * error


def hidden_features(network: Classifier, x: torch.Tensor) -> torch.Tensor:
    """(N, hidden) `network`'s last hidden layer's activations of images `x`: what its logits are read from."""
    return network.net[:-1](x.contiguous(memory_format=torch.channels_last))


def target_features(
    codec: Searchable, search: CodeSearch, images: torch.Tensor, batch_size: int
) -> torch.Tensor | None:
    """The feature network's features of `images` (uint8 or [0, 1]) if the search weighs
    features, else None."""
    if not search.feature_weight:
        return None
    if codec.features is None:
        raise ValueError("a code search with a feature_weight needs a codec with a feature network")
    slices = batch_slices(len(images), batch_size)
    return torch.cat([hidden_features(codec.features, as_unit_images(images[s])) for s in slices])


def best_moves(
    codec: Searchable, search: CodeSearch, codes: torch.Tensor, x: torch.Tensor, x_features: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """One search round for a batch: (which rows improve, their best one-step move);
    `x_features`: the feature network's features of `x`, if the search weighs them."""
    bits, weight = codec.bits, search.rate_weight
    n, d = codes.shape
    with torch.enable_grad():
        u = codec.decoder_input(codes).clone().requires_grad_(True)
        distortion = _distortion(codec, search, u, x, x_features)
        (grad,) = torch.autograd.grad(distortion.sum(), u)
    code_bits = codec.code_bits(codes)
    cost = distortion.detach() + weight * code_bits.sum(1)
    # Predicted change of cost for every move: first order in the decoder input, exact in bits.
    steps = torch.stack([(codes + 1).clamp_(max=2**bits - 1), (codes - 1).clamp_(min=0)], 1)  # (n, 2, d)
    du = codec.decoder_input(steps.reshape(-1, d)).reshape(n, 2, d) - u.detach()[:, None]
    step_bits = codec.code_bits(steps.reshape(-1, d)).reshape(n, 2, d)
    predicted = grad[:, None] * du + weight * (step_bits - code_bits[:, None])
    predicted[steps == codes[:, None]] = torch.inf  # a step off the end of the range
    k = min(search.candidates, 2 * d)
    best_predicted, pick = predicted.reshape(n, 2 * d).topk(k, 1, largest=False)  # pick: direction * d + dim
    candidates = codes[:, None].repeat(1, k, 1)
    candidates.scatter_(2, (pick % d)[..., None], steps.reshape(n, 2 * d).gather(1, pick)[..., None])
    flat = candidates.reshape(n * k, d)
    repeat = None if x_features is None else x_features.repeat_interleave(k, 0)
    exact = _distortion(codec, search, codec.decoder_input(flat), x.repeat_interleave(k, 0), repeat)
    exact = (exact + weight * codec.code_bits(flat).sum(1)).reshape(n, k).masked_fill(best_predicted.isinf(), torch.inf)
    best, j = exact.min(1)
    return best < cost - MIN_GAIN, candidates[torch.arange(n), j]


@torch.no_grad()
def search_codes(
    codec: Searchable, search: CodeSearch, images: torch.Tensor, codes: torch.Tensor, batch_size: int = 1000
) -> torch.Tensor:
    """Better (N, dims) codes for `images`, starting from `codes`; no image's cost
    (distortion + rate_weight x bits) goes up. Deterministic. No candidates: no search."""
    if search.candidates == 0:
        return codes.cpu()
    device = codec.device
    codes = codes.to(device).clone()  # a normal tensor: autograd refuses inference-mode ones
    images = images.to(device)  # once: the rounds index it on the device
    features = target_features(codec, search, images, batch_size)  # once: the images do not move, their codes do
    per_batch = max(1, batch_size // search.candidates)  # decoder inputs per pass ~ batch_size
    active = torch.arange(len(codes), device=device)
    with Progress(search.rounds, f"code search, rate weight {search.rate_weight:g}", "rounds") as bar:
        for _ in range(search.rounds):
            moved = []
            for s in batch_slices(len(active), per_batch):
                rows = active[s]
                x_features = None if features is None else features[rows]
                better, new = best_moves(codec, search, codes[rows], as_unit_images(images[rows]), x_features)
                codes[rows[better]] = new[better]
                moved.append(rows[better])
            active = torch.cat(moved)
            bar.update(moving=len(active))
            if not len(active):
                break
    return codes.cpu()
