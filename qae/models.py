"""The networks: the classifier that scores every study, and the one autoencoder.

`Autoencoder(config)` is encoder -> bottleneck -> decoder on [0, 1] images: the encoder
and decoder of one of `qae.architectures`, around any bottleneck of `qae.bottlenecks`. It
offers `encode` / `decode` / `reconstruct` at any of the bottleneck's operating points
(bits per element, a rate level, a codebook count), and one decode path (`decode_logits`)
that evaluation, codecs and the studies share. Checkpoints describe themselves
(`{"kind", "config", "state_dict", "study", "method", "seed", "recipe", "run", ...}`), so
`load_autoencoder(path)` rebuilds any trained model and says how it was made. Training
loops live in `qae.train`, not here.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from qae.architectures import ARCHITECTURES, Normalize, channels_last
from qae.bottlenecks.base import Point, build_bottleneck
from qae.images import as_unit_images, batch_slices
from qae.runtime import device_of, pick_device

RECIPES = ("post", "corrected")  # the posts' linear autoencoder as written, or corrected (reports/sweep.md)
IDENTITY = ("study", "method", "seed")  # what every checkpoint and record says it is


def lenet(classes: int) -> nn.Sequential:
    """Post 000's CNN: two 5x5 convolutions with max-pooling, then 500 hidden units."""
    # Each max-pool comes before its ReLU: max and ReLU commute, so the numbers are the
    # post's, and the ReLU touches a quarter of the elements.
    return nn.Sequential(
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


def mlp(classes: int) -> nn.Sequential:
    """A perceptron, 784-512-512-classes with dropout: another architecture than the CNN,
    seeing the digit whole rather than through local filters (the second scorer)."""
    return nn.Sequential(
        Normalize(),
        nn.Flatten(),  # (N, 1, 28, 28) -> (N, 784)
        nn.Linear(28 * 28, 512),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(512, 512),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(512, classes),
    )


CLASSIFIERS = {"lenet": lenet, "mlp": mlp}


class Classifier(nn.Module):
    """A digit classifier (`arch`: post 000's CNN, "lenet", or a perceptron, "mlp"). Takes
    [0, 1] images and normalizes inside, so reconstructions and raw images are scored
    alike. Returns logits (the post's LogSoftmax + NLLLoss is cross-entropy on these), one
    per class: the ten digits, or `classes` clusters."""

    def __init__(self, classes: int = 10, arch: str = "lenet") -> None:
        super().__init__()
        if arch not in CLASSIFIERS:
            raise ValueError(f"classifier arch must be one of {', '.join(CLASSIFIERS)}, got {arch!r}")
        self.arch = arch
        self.meta: dict[str, Any] = {}  # how it was made, from its checkpoint
        self.net = CLASSIFIERS[arch](classes)
        channels_last(self)  # the CNN runs about 2.5x faster so on a CPU

    @property
    def classes(self) -> int:
        """How many logits it returns."""
        return self.net[-1].out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.contiguous(memory_format=torch.channels_last))


@dataclass(frozen=True)
class AutoencoderConfig:
    """What it takes to rebuild an autoencoder."""

    arch: str  # encoder and decoder: a key of qae.architectures.ARCHITECTURES
    width: int  # numbers the encoder outputs and the decoder reads
    bottleneck: str = "rounding"  # a key of qae.bottlenecks.base.BOTTLENECKS
    options: dict[str, Any] = field(default_factory=dict)  # the bottleneck's own settings
    recipe: str = "corrected"  # "post": posts 000/002's input normalization (and 000's ReLU and target)
    dropout: float = 0.0  # conv only: dropout after its hidden linear layers (post 003)


class Autoencoder(nn.Module):
    """Encoder -> bottleneck -> decoder; the sigmoid of the decoder's logits is the image."""

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__()
        if config.recipe not in RECIPES:
            raise ValueError(f"recipe must be one of {RECIPES}, got {config.recipe!r}")
        self.config = config
        self.meta: dict[str, Any] = {}  # what it is and how it was made, from its checkpoint
        # Encoder and decoder first: they draw their initial weights from the seed in this order.
        self.encoder, self.decoder = ARCHITECTURES[config.arch](config.width, config.recipe, config.dropout)
        self.bottleneck = build_bottleneck(config.bottleneck, config.width, config.options)

    @property
    def device(self) -> torch.device:
        """Where its parameters are."""
        return device_of(self)

    def forward(self, x: torch.Tensor, point: Point = None) -> torch.Tensor:
        """(N, 1, 28, 28) in [0, 1] -> reconstruction in [0, 1], its code sent at `point`
        (None: the bottleneck's default, e.g. the float32 code of a rounding bottleneck)."""
        return torch.sigmoid(self.decoder(self.bottleneck.quantize(self.encoder(x), point)))

    def decoder_input(self, codes: torch.Tensor, point: Point) -> torch.Tensor:
        """(N, code_dims) codes at `point` -> (N, width) what the decoder reads."""
        return self.bottleneck.from_codes(codes.to(self.device), point)

    def decode_logits(self, codes: torch.Tensor, point: Point) -> torch.Tensor:
        """The one decode path: codes at `point` -> (N, 1, 28, 28) logits."""
        return self.decoder(self.decoder_input(codes, point))

    @torch.inference_mode()
    def encode_float(self, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """uint8 or [0, 1] images -> (N, width) encoder outputs, on the model's device."""
        images = images.to(self.device)  # once: no host copy per batch
        return torch.cat([self.encoder(as_unit_images(images[s])) for s in batch_slices(len(images), batch_size)])

    @torch.inference_mode()
    def encode(self, images: torch.Tensor, point: Point) -> torch.Tensor:
        """uint8 or [0, 1] float images, (N, 28, 28) or (N, 1, 28, 28) -> (N, code_dims)
        codes at `point` (int64; float32 for a float code)."""
        return self.bottleneck.to_codes(self.encode_float(images), point)

    @torch.inference_mode()
    def decode(self, codes: torch.Tensor, point: Point) -> torch.Tensor:
        """(N, code_dims) codes at `point` -> (N, 1, 28, 28) images in [0, 1]."""
        return torch.sigmoid(self.decode_logits(codes, point))

    @torch.inference_mode()
    def reconstruct(self, images: torch.Tensor, point: Point = None) -> torch.Tensor:
        """Encode and decode `images` at `point` (None: the bottleneck's default)."""
        return self(as_unit_images(images).to(self.device), point)


def build_autoencoder(config: AutoencoderConfig) -> Autoencoder:
    """A freshly initialized autoencoder for `config`."""
    return Autoencoder(config)


def identity(meta: dict[str, Any]) -> dict[str, Any]:
    """The study, method and seed a checkpoint's `meta` names: what its records start with."""
    return {key: meta[key] for key in IDENTITY if key in meta}


def autoencoder_checkpoint(model: Autoencoder, **meta: Any) -> dict[str, Any]:
    """A self-describing checkpoint of `model` (weights on the CPU); `meta` says what it
    is and how it was made (study, method, seed, recipe, history, run) and defaults to
    what the model was loaded with."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return {"kind": "autoencoder", "config": asdict(model.config), "state_dict": state, **(meta or model.meta)}


def classifier_checkpoint(model: Classifier, **meta: Any) -> dict[str, Any]:
    """A self-describing checkpoint of the classifier (weights on the CPU)."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    config = {"classes": model.classes, "arch": model.arch}
    return {"kind": "classifier", "config": config, "state_dict": state, **meta}


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
    """Rebuild any trained autoencoder from its checkpoint, in eval mode, on `device`
    (None: $QAE_DEVICE, else auto: CUDA when present)."""
    return autoencoder_from_checkpoint(read_checkpoint(path, "autoencoder")).to(pick_device(device))


def classifier_from_checkpoint(ckpt: dict[str, Any]) -> Classifier:
    """The classifier a `classifier_checkpoint` dict describes, on the CPU, in eval mode."""
    model = Classifier(**ckpt["config"])
    model.load_state_dict(ckpt["state_dict"])
    model.meta = {k: v for k, v in ckpt.items() if k not in ("kind", "config", "state_dict")}
    return model.eval()


def load_classifier(path: str | os.PathLike, device: str | torch.device | None = None) -> Classifier:
    """Rebuild the trained classifier from its checkpoint, in eval mode, on `device`
    (None: $QAE_DEVICE, else auto)."""
    return classifier_from_checkpoint(read_checkpoint(path, "classifier")).to(pick_device(device))
