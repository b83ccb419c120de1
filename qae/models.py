"""The networks: the LeNet-style classifier and the autoencoder family.

Every autoencoder is encoder -> bottleneck -> decoder on [0, 1] images, and offers
the public API `encode` / `decode` / `reconstruct`, and one decode path
(`decode_logits`) that evaluation, codecs and the studies share. Checkpoints
describe themselves (`{"kind", "config", "state_dict", "recipe", "run", ...}`) so
`load_autoencoder(path)` rebuilds any trained model and says how it was made.
Training loops live in `qae.train`, not here.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch
from torch import nn

from qae.images import MNIST_MEAN, MNIST_STD, as_unit_images, batch_slices
from qae.quantize import Bottleneck, EntropyBottleneck
from qae.runtime import device_of, pick_device

RECIPES = ("post", "corrected")  # the posts' bottleneck as written, or corrected (see Bottleneck)


class Normalize(nn.Module):
    """(x - mean) / std with MNIST's statistics, as torchvision's Normalize in the posts."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - MNIST_MEAN) / MNIST_STD


class Classifier(nn.Module):
    """Post 000's CNN. Takes [0, 1] images and normalizes inside, so reconstructions
    and raw images are scored alike. Returns logits (the post's LogSoftmax + NLLLoss
    is cross-entropy on these), one per class: the ten digits, or `classes` clusters."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        # Each max-pool comes before its ReLU: max and ReLU commute, so the numbers are
        # the post's, and the ReLU touches a quarter of the elements.
        self.net = nn.Sequential(
            Normalize(),
            nn.Conv2d(1, 20, 5),  # (N, 1, 28, 28) -> (N, 20, 24, 24)
            nn.MaxPool2d(2),  # -> (N, 20, 12, 12)
            nn.ReLU(),
            nn.Conv2d(20, 50, 5),  # -> (N, 50, 8, 8)
            nn.MaxPool2d(2),  # -> (N, 50, 4, 4)
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(4 * 4 * 50, 500),
            nn.ReLU(),
            nn.Linear(500, classes),
        )
        # Channels-last convolutions run about 2.5x faster on a CPU (oneDNN); weights
        # keep this layout through load_state_dict and .to(device).
        self.to(memory_format=torch.channels_last)

    @property
    def classes(self) -> int:
        """How many logits it returns."""
        return self.net[-1].out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.contiguous(memory_format=torch.channels_last))


@dataclass(frozen=True)
class AutoencoderConfig:
    """What it takes to rebuild an autoencoder."""

    arch: str  # a key of ARCHITECTURES
    dims: int  # code length
    recipe: str  # "post": as posts 000/001 wrote it; "corrected": see README
    dropout: float = 0.0  # conv only: dropout after its hidden linear layers (post 003)
    qat_bits: int | None = None  # quantization-aware training at these bits; None: quantized after training
    qat_noise: bool = False  # with qat_bits: train with uniform noise instead of rounding
    entropy: bool = False  # rate-distortion training: integer codes priced by a learned prior
    rate_levels: int = 1  # with entropy: operating points of one variable-rate model


class Autoencoder(nn.Module):
    """Base of the family: subclasses set `encoder` ((N,1,28,28) -> (N,d) real) and
    `decoder` ((N,d) -> (N,1,28,28) logits; the sigmoid is applied here)."""

    encoder: nn.Module
    decoder: nn.Module

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__()
        self.config = config
        self.meta: dict[str, Any] = {}  # how it was made (recipe, run), from its checkpoint
        # The posts' bottleneck as written, or the corrected one (see Bottleneck).
        corrected = config.recipe == "corrected"
        self.bottleneck: Bottleneck | EntropyBottleneck
        if config.entropy:
            self.bottleneck = EntropyBottleneck(config.dims, config.rate_levels)
        else:
            self.bottleneck = Bottleneck(config.dims, corrected, corrected, config.qat_bits, config.qat_noise)

    @property
    def device(self) -> torch.device:
        """Where its parameters are."""
        return device_of(self)

    def logits(self, x: torch.Tensor, bits: int | None = None) -> torch.Tensor:
        """(N, 1, 28, 28) in [0, 1] -> (N, 1, 28, 28) pre-sigmoid reconstruction."""
        return self.decoder(self.bottleneck(self.encoder(x), bits))

    def forward(self, x: torch.Tensor, bits: int | None = None) -> torch.Tensor:
        """(N, 1, 28, 28) in [0, 1] -> reconstruction in [0, 1], its code rounded to `bits` bits."""
        return torch.sigmoid(self.logits(x, bits))

    def decoder_input(self, codes: torch.Tensor, bits: int | None) -> torch.Tensor:
        """(N, dims) integer codes of `bits` bits, or float codes for bits=None (the
        encoder's output) -> (N, dims) what the decoder reads."""
        codes = codes.to(self.device)
        return self.bottleneck(codes) if bits is None else self.bottleneck.from_codes(codes, bits)

    def decode_logits(self, codes: torch.Tensor, bits: int | None) -> torch.Tensor:
        """The one decode path: codes as `decoder_input` takes them -> (N, 1, 28, 28) logits."""
        return self.decoder(self.decoder_input(codes, bits))

    def at_rate_level(self, level: int) -> Autoencoder:
        """Rate level `level` of a variable-rate model as a model of its own (a copy with
        that level's bottleneck): what its codec encodes and decodes with."""
        if not self.config.entropy:
            raise ValueError("only rate-distortion models (entropy bottleneck) have rate levels")
        model = build_autoencoder(replace(self.config, rate_levels=1)).to(self.device)
        state = {k: v for k, v in self.state_dict().items() if not k.startswith("bottleneck.")}
        model.load_state_dict(state, strict=False)
        model.bottleneck = self.bottleneck.at_level(level)
        model.meta = {**self.meta, "rate_level": level}
        return model.eval()

    @torch.inference_mode()
    def encode_float(self, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """uint8 or [0, 1] images -> (N, dims) float codes (the encoder's output), on the model's device."""
        images = images.to(self.device)  # once: no host copy per batch
        return torch.cat([self.encoder(as_unit_images(images[s])) for s in batch_slices(len(images), batch_size)])

    @torch.inference_mode()
    def encode(self, images: torch.Tensor, bits: int) -> torch.Tensor:
        """uint8 or [0, 1] float images, (N, 28, 28) or (N, 1, 28, 28) -> (N, dims) int64 codes."""
        return self.bottleneck.to_codes(self.encode_float(images), bits)

    @torch.inference_mode()
    def decode(self, codes: torch.Tensor, bits: int | None) -> torch.Tensor:
        """(N, dims) integer codes of `bits` bits (float codes for None) -> (N, 1, 28, 28) images in [0, 1]."""
        return torch.sigmoid(self.decode_logits(codes, bits))

    @torch.inference_mode()
    def reconstruct(self, images: torch.Tensor, bits: int | None = None) -> torch.Tensor:
        """Encode and decode `images`; `bits=None` keeps the float32 code."""
        return self(as_unit_images(images).to(self.device), bits)


class LinearAutoencoder(Autoencoder):
    """Posts 000/001: Linear(784, d) [+ ReLU] -> bottleneck -> Linear(d, 784) -> sigmoid.

    The "post" recipe normalizes its input and keeps the ReLU, which leaves the
    sigmoid only [0.5, 1) -- half of the quantizer's levels. "corrected" drops both.
    """

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__(config)
        post = config.recipe == "post"
        self.encoder = nn.Sequential(
            *([Normalize()] if post else []),
            nn.Flatten(),  # (N, 1, 28, 28) -> (N, 784)
            nn.Linear(28 * 28, config.dims),
            *([nn.ReLU()] if post else []),
        )
        self.decoder = nn.Sequential(
            nn.Linear(config.dims, 28 * 28),
            nn.Unflatten(1, (1, 28, 28)),  # -> (N, 1, 28, 28) logits
        )


class ConvAutoencoder(Autoencoder):
    """Post 003: three strided convolutions (no pooling) and two linear layers, a
    mirror-image decoder, dropout after the hidden linear layers."""

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__(config)
        p = config.dropout
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1),  # (N, 1, 28, 28) -> (N, 8, 14, 14)
            nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1),  # -> (N, 16, 7, 7)
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2),  # -> (N, 32, 3, 3)
            nn.ReLU(),
            nn.Flatten(),  # -> (N, 288)
            nn.Linear(288, 128),
            nn.ReLU(),
            nn.Dropout(p),
            nn.Linear(128, config.dims),
        )
        self.decoder = nn.Sequential(
            nn.Linear(config.dims, 128),
            nn.ReLU(),
            nn.Dropout(p),
            nn.Linear(128, 288),
            nn.ReLU(),
            nn.Unflatten(1, (32, 3, 3)),
            nn.ConvTranspose2d(32, 16, 3, stride=2),  # -> (N, 16, 7, 7)
            nn.ReLU(),
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1),  # -> (N, 8, 14, 14)
            nn.ReLU(),
            nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1),  # -> (N, 1, 28, 28) logits
        )
        self.to(memory_format=torch.channels_last)  # its convolutions run 1.5-1.7x faster so on a CPU


class DeepAutoencoder(Autoencoder):
    """Beyond the posts: a three-layer perceptron each way, 784-512-256-d and back. On
    a CPU it trains faster than the conv model, and at a few dims it keeps more of each
    digit than either of the posts' models."""

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__(config)
        self.encoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 256),
            nn.ReLU(),
            nn.Linear(256, config.dims),
        )
        self.decoder = nn.Sequential(
            nn.Linear(config.dims, 256),
            nn.ReLU(),
            nn.Linear(256, 512),
            nn.ReLU(),
            nn.Linear(512, 28 * 28),
            nn.Unflatten(1, (1, 28, 28)),
        )


class DeepConvAutoencoder(DeepAutoencoder):
    """The deep autoencoder's encoder with a transposed-convolution decoder, d-256-3136
    and two stride-2 steps up to 28 x 28: it draws sharper strokes than the perceptron."""

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__(config)
        self.decoder = nn.Sequential(
            nn.Linear(config.dims, 256),
            nn.ReLU(),
            nn.Linear(256, 64 * 7 * 7),
            nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),  # -> (N, 32, 14, 14)
            nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1),  # -> (N, 1, 28, 28) logits
        )
        self.to(memory_format=torch.channels_last)  # its transposed convolutions run 1.2x faster so on a CPU


class MLPAutoencoder(Autoencoder):
    """Post 004's lecture-notes autoencoder: 784-100-d (ReLU, then tanh on the code) and
    d-100-784 (ReLU, then the sigmoid). `start_at` sets where training begins."""

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__(config)
        self.encoder = nn.Sequential(
            nn.Flatten(),  # (N, 1, 28, 28) -> (N, 784)
            nn.Linear(28 * 28, 100),
            nn.ReLU(),
            nn.Linear(100, config.dims),
            nn.Tanh(),  # -> (N, d) in (-1, 1)
        )
        self.decoder = nn.Sequential(
            nn.Linear(config.dims, 100),
            nn.ReLU(),
            nn.Linear(100, 28 * 28),
            nn.Unflatten(1, (1, 28, 28)),  # -> (N, 1, 28, 28) logits
        )

    @torch.no_grad()
    def start_at(self, image: torch.Tensor) -> None:
        """Set the output layer's bias so that an untrained decoder draws `image`
        ((1, 28, 28) in [0, 1], e.g. the mean training image) for every code."""
        self.decoder[2].bias.copy_(torch.logit(image.flatten(), eps=1e-3))


class SoftmaxAutoencoder(Autoencoder):
    """Post 002: two 5x5 convolutions, then a 10-neuron softmax code, so that the code
    could become a digit's class; the decoder draws from it. `config.dims` must be 10.

    The "post" recipe normalizes its input with MNIST's mean and std, as post 002's
    notebook does (its training target is normalized too: see `train_softmax`);
    "corrected" reads [0, 1] pixels. Either way the code reaches the decoder as it is."""

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__(config)
        if config.dims != 10:
            raise ValueError(f"the softmax autoencoder has a 10-neuron code, got dims={config.dims}")
        self.bottleneck = Bottleneck(config.dims)  # float codes pass unchanged, whatever the recipe
        self.encoder = nn.Sequential(
            *([Normalize()] if config.recipe == "post" else []),
            nn.Conv2d(1, 4, 5),  # (N, 1, 28, 28) -> (N, 4, 24, 24)
            nn.ReLU(),
            nn.Conv2d(4, 8, 5),  # -> (N, 8, 20, 20)
            nn.ReLU(),
            nn.Flatten(),  # -> (N, 3200)
            nn.Linear(3200, 10),
            nn.Softmax(dim=1),  # -> (N, 10), rows sum to 1
        )
        self.decoder = nn.Sequential(
            nn.Linear(10, 400),
            nn.ReLU(),
            nn.Linear(400, 4000),
            nn.ReLU(),
            nn.Unflatten(1, (10, 20, 20)),
            nn.ConvTranspose2d(10, 10, 5),  # -> (N, 10, 24, 24)
            nn.ConvTranspose2d(10, 1, 5),  # -> (N, 1, 28, 28) logits (the post has no ReLU between)
        )
        self.to(memory_format=torch.channels_last)  # its small convolutions run 1.6x faster so on a CPU


ARCHITECTURES: dict[str, type[Autoencoder]] = {
    "linear": LinearAutoencoder,
    "conv": ConvAutoencoder,
    "deep": DeepAutoencoder,
    "deepconv": DeepConvAutoencoder,
    "mlp": MLPAutoencoder,  # post 004
    "softmax": SoftmaxAutoencoder,  # post 002
}


def build_autoencoder(config: AutoencoderConfig) -> Autoencoder:
    """A freshly initialized autoencoder for `config`."""
    return ARCHITECTURES[config.arch](config)


def autoencoder_checkpoint(model: Autoencoder, **meta: Any) -> dict[str, Any]:
    """A self-describing checkpoint of `model` (weights on the CPU); `meta` says how it
    was made (recipe, history, run) and defaults to what the model was loaded with."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return {"kind": "autoencoder", "config": asdict(model.config), "state_dict": state, **(meta or model.meta)}


def classifier_checkpoint(model: Classifier, **meta: Any) -> dict[str, Any]:
    """A self-describing checkpoint of the classifier (weights on the CPU)."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return {"kind": "classifier", "state_dict": state, **meta}


def read_checkpoint(path: str | os.PathLike, kind: str | tuple[str, ...], noun: str | None = None) -> dict[str, Any]:
    """The dict a qae file of `kind` (or of one of several kinds) holds ("autoencoder",
    "classifier", "codec", ...); a file that is none says so, naming it as `noun`
    (default: "<kind> checkpoint")."""
    what = f"{path} is not a qae {noun or f'{kind} checkpoint'}"
    if not zipfile.is_zipfile(path):  # torch.save writes zip archives; torch.load fails obscurely on others
        raise ValueError(what)
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError) as e:
        raise ValueError(f"{what} ({e})") from e
    if not isinstance(ckpt, dict) or ckpt.get("kind") not in ((kind,) if isinstance(kind, str) else kind):
        raise ValueError(what)
    return ckpt


def autoencoder_from_checkpoint(ckpt: dict[str, Any]) -> Autoencoder:
    """The autoencoder an `autoencoder_checkpoint` dict describes, on the CPU, in eval mode."""
    model = build_autoencoder(AutoencoderConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["state_dict"])
    model.meta = {k: v for k, v in ckpt.items() if k not in ("kind", "config", "state_dict")}
    return model.eval()


def load_autoencoder(path: str | os.PathLike, device: str | torch.device | None = None) -> Autoencoder:
    """Rebuild a trained autoencoder from its checkpoint, in eval mode, on `device`
    (None: $QAE_DEVICE, else auto: CUDA when present)."""
    return autoencoder_from_checkpoint(read_checkpoint(path, "autoencoder")).to(pick_device(device))


def classifier_from_checkpoint(ckpt: dict[str, Any]) -> Classifier:
    """The classifier a `classifier_checkpoint` dict describes (any number of classes), on
    the CPU, in eval mode."""
    state = ckpt["state_dict"]
    model = Classifier(classes=len(list(state.values())[-1]))  # the last layer's bias: one per class
    model.load_state_dict(state)
    return model.eval()


def load_classifier(path: str | os.PathLike, device: str | torch.device | None = None) -> Classifier:
    """Rebuild the trained classifier from its checkpoint, in eval mode, on `device`
    (None: $QAE_DEVICE, else auto)."""
    return classifier_from_checkpoint(read_checkpoint(path, "classifier")).to(pick_device(device))
