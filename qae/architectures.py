"""The encoders and decoders: one pair per architecture, around a `width`-wide code.

Each builder returns (encoder, decoder): the encoder maps (N, 1, 28, 28) images in [0, 1]
to (N, width) real numbers, the decoder maps (N, width) back to (N, 1, 28, 28) logits (the
sigmoid is `qae.models.Autoencoder`'s). What sits between them is a bottleneck
(`qae.bottlenecks`); how they train is `qae.train`'s business.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from qae.images import MNIST_MEAN, MNIST_STD


class Normalize(nn.Module):
    """(x - mean) / std with MNIST's statistics, as torchvision's Normalize in the posts."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - MNIST_MEAN) / MNIST_STD


def channels_last(*modules: nn.Module) -> None:
    """Convolutions run markedly faster so on a CPU (oneDNN); weights keep the layout
    through load_state_dict and .to(device)."""
    for module in modules:
        module.to(memory_format=torch.channels_last)


def linear(width: int, recipe: str, dropout: float) -> tuple[nn.Module, nn.Module]:
    """Posts 000/001: Linear(784, d) [+ ReLU] and Linear(d, 784).

    The posts' recipe ("post") normalizes its input and keeps the ReLU, which leaves the
    sigmoid of the code only [0.5, 1): half of the quantizer's levels. "corrected" drops both.
    """
    post = recipe == "post"
    encoder = nn.Sequential(
        *([Normalize()] if post else []),
        nn.Flatten(),  # (N, 1, 28, 28) -> (N, 784)
        nn.Linear(28 * 28, width),
        *([nn.ReLU()] if post else []),
    )
    decoder = nn.Sequential(
        nn.Linear(width, 28 * 28),
        nn.Unflatten(1, (1, 28, 28)),  # -> (N, 1, 28, 28) logits
    )
    return encoder, decoder


def conv(width: int, recipe: str, dropout: float) -> tuple[nn.Module, nn.Module]:
    """Post 003: three strided convolutions (no pooling) and two linear layers, a
    mirror-image decoder, dropout after the hidden linear layers."""
    encoder = nn.Sequential(
        nn.Conv2d(1, 8, 3, stride=2, padding=1),  # (N, 1, 28, 28) -> (N, 8, 14, 14)
        nn.ReLU(),
        nn.Conv2d(8, 16, 3, stride=2, padding=1),  # -> (N, 16, 7, 7)
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2),  # -> (N, 32, 3, 3)
        nn.ReLU(),
        nn.Flatten(),  # -> (N, 288)
        nn.Linear(288, 128),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(128, width),
    )
    decoder = nn.Sequential(
        nn.Linear(width, 128),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(128, 288),
        nn.ReLU(),
        nn.Unflatten(1, (32, 3, 3)),
        nn.ConvTranspose2d(32, 16, 3, stride=2),  # -> (N, 16, 7, 7)
        nn.ReLU(),
        nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1),  # -> (N, 8, 14, 14)
        nn.ReLU(),
        nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1),  # -> (N, 1, 28, 28) logits
    )
    channels_last(encoder, decoder)  # 1.5-1.7x faster on a CPU
    return encoder, decoder


def _deep_encoder(width: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, 512),
        nn.ReLU(),
        nn.Linear(512, 256),
        nn.ReLU(),
        nn.Linear(256, width),
    )


def deep(width: int, recipe: str, dropout: float) -> tuple[nn.Module, nn.Module]:
    """Beyond the posts: a three-layer perceptron each way, 784-512-256-d and back. On a
    CPU it trains faster than the conv model, and at a few dims it keeps more of each
    digit than either of the posts' models."""
    encoder = _deep_encoder(width)
    decoder = nn.Sequential(
        nn.Linear(width, 256),
        nn.ReLU(),
        nn.Linear(256, 512),
        nn.ReLU(),
        nn.Linear(512, 28 * 28),
        nn.Unflatten(1, (1, 28, 28)),
    )
    return encoder, decoder


def deepconv(width: int, recipe: str, dropout: float) -> tuple[nn.Module, nn.Module]:
    """The deep encoder with a transposed-convolution decoder, d-256-3136 and two stride-2
    steps up to 28 x 28: it draws sharper strokes than the perceptron."""
    encoder = _deep_encoder(width)
    decoder = nn.Sequential(
        nn.Linear(width, 256),
        nn.ReLU(),
        nn.Linear(256, 64 * 7 * 7),
        nn.ReLU(),
        nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),  # -> (N, 32, 14, 14)
        nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1),  # -> (N, 1, 28, 28) logits
    )
    channels_last(decoder)  # its transposed convolutions run 1.2x faster so on a CPU
    return encoder, decoder


def mlp(width: int, recipe: str, dropout: float) -> tuple[nn.Module, nn.Module]:
    """Post 004's lecture-notes autoencoder: 784-100-d (ReLU, then tanh on the code) and
    d-100-784 (ReLU, then the sigmoid)."""
    encoder = nn.Sequential(
        nn.Flatten(),  # (N, 1, 28, 28) -> (N, 784)
        nn.Linear(28 * 28, 100),
        nn.ReLU(),
        nn.Linear(100, width),
        nn.Tanh(),  # -> (N, d) in (-1, 1)
    )
    decoder = nn.Sequential(
        nn.Linear(width, 100),
        nn.ReLU(),
        nn.Linear(100, 28 * 28),
        nn.Unflatten(1, (1, 28, 28)),  # -> (N, 1, 28, 28) logits
    )
    return encoder, decoder


def softmax(width: int, recipe: str, dropout: float) -> tuple[nn.Module, nn.Module]:
    """Post 002: two 5x5 convolutions, then a 10-neuron softmax code, so that the code
    could become a digit's class; the decoder draws from it. `width` must be 10.

    The "post" recipe normalizes its input with MNIST's mean and std, as post 002's
    notebook does; "corrected" reads [0, 1] pixels."""
    if width != 10:
        raise ValueError(f"the softmax autoencoder has a 10-neuron code, got width={width}")
    encoder = nn.Sequential(
        *([Normalize()] if recipe == "post" else []),
        nn.Conv2d(1, 4, 5),  # (N, 1, 28, 28) -> (N, 4, 24, 24)
        nn.ReLU(),
        nn.Conv2d(4, 8, 5),  # -> (N, 8, 20, 20)
        nn.ReLU(),
        nn.Flatten(),  # -> (N, 3200)
        nn.Linear(3200, 10),
        nn.Softmax(dim=1),  # -> (N, 10), rows sum to 1
    )
    decoder = nn.Sequential(
        nn.Linear(10, 400),
        nn.ReLU(),
        nn.Linear(400, 4000),
        nn.ReLU(),
        nn.Unflatten(1, (10, 20, 20)),
        nn.ConvTranspose2d(10, 10, 5),  # -> (N, 10, 24, 24)
        nn.ConvTranspose2d(10, 1, 5),  # -> (N, 1, 28, 28) logits (the post has no ReLU between)
    )
    channels_last(encoder, decoder)  # its small convolutions run 1.6x faster so on a CPU
    return encoder, decoder


Builder = Callable[[int, str, float], tuple[nn.Module, nn.Module]]
ARCHITECTURES: dict[str, Builder] = {
    "linear": linear,
    "conv": conv,
    "deep": deep,
    "deepconv": deepconv,
    "mlp": mlp,  # post 004
    "softmax": softmax,  # post 002
}
