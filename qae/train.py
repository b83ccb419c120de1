"""Training loops: the classifier and any autoencoder of `qae.models`.

Data sit on the device as one uint8 tensor; each epoch slices shuffled batches from
it. Everything random draws from generators seeded from params, so the same params
give the same weights on the same machine and thread count. Each trainer returns the
model and its record: the recipe, the per-epoch losses and what it ran on (`run_info`),
which the stages save in the checkpoint.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from qae.errors import UserError
from qae.images import MNIST_MEAN, MNIST_STD, as_unit_images, batch_slices
from qae.io import Progress
from qae.models import Autoencoder, AutoencoderConfig, Classifier, build_autoencoder
from qae.runtime import make_deterministic, pick_device, run_info

if TYPE_CHECKING:
    from qae.corrupt import Corruption

LOSSES = ("bce", "mse")  # reconstruction losses on [0, 1] pixels
OPTIMIZERS = ("adam", "adamax")
SCHEDULES = ("constant", "cosine")  # learning rate over the run


EpochLog = Callable[[dict[str, float]], None]  # called after every epoch with its record (see qae.live)


class DivergedError(UserError, RuntimeError):
    """The training loss became NaN or infinite."""


def fit(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    batch_loss: Callable[..., torch.Tensor],
    data: tuple[torch.Tensor, ...],
    epochs: int,
    batch_size: int,
    generator: torch.Generator,
    desc: str,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    progress: bool = True,
    on_epoch: EpochLog | None = None,
) -> list[dict[str, float]]:
    """Run `epochs` passes over the rows of `data` in shuffled batches; `batch_loss(*batch)`
    returns the batch's mean loss; `scheduler` steps after every batch; `on_epoch` gets
    each epoch's record as it ends. Returns the per-epoch mean losses."""
    history = []
    n = len(data[0])
    model.train()
    with Progress(epochs, desc, "epochs", enabled=progress) as bar:
        for epoch in range(1, epochs + 1):
            # One gather per epoch, then contiguous slices: cheaper than indexing every batch.
            order = torch.randperm(n, generator=generator).to(data[0].device)
            shuffled = [t[order] for t in data]
            total = torch.zeros((), device=data[0].device)
            for s in batch_slices(n, batch_size):
                loss = batch_loss(*(t[s] for t in shuffled))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                total += loss.detach() * (s.stop - s.start)
            mean = total.item() / n  # one device sync per epoch
            if not math.isfinite(mean):
                raise DivergedError(
                    f"{desc}: the training loss became {mean} in epoch {epoch}; "
                    "lower the learning rate or check the inputs"
                )
            history.append({"epoch": epoch, "loss": mean})
            if on_epoch is not None:
                on_epoch(history[-1])
            bar.update(loss=mean)
    model.eval()
    return history


def training_record(recipe: dict[str, Any], history: list[dict[str, float]], device: torch.device) -> dict[str, Any]:
    """What a checkpoint keeps about its training: the recipe, the losses, the run."""
    return {"recipe": recipe, "history": history, "run": run_info(device)}


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each (N, 1, H, W) image by up to `max_shift` pixels each way, filling with 0."""
    if max_shift == 0:
        return x
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, n, 1), generator=generator).to(x.device)
    rows = (dy + torch.arange(h, device=x.device))[:, :, None]  # (N, H, 1)
    cols = (dx + torch.arange(w, device=x.device))[:, None, :]  # (N, 1, W)
    return padded[torch.arange(n, device=x.device)[:, None, None], 0, rows, cols].unsqueeze(1)


@dataclass(frozen=True)
class Augment:
    """Random affine distortions of training images, each drawn uniformly up to these."""

    degrees: float  # rotation either way
    scale: float  # relative zoom either way: 0.1 is 0.9x..1.1x
    shift: float  # translation either way, in pixels

    @classmethod
    def from_params(cls, section: dict[str, float]) -> Augment | None:
        """The distortions a params section (degrees, scale, shift) asks for; None if all are 0."""
        return cls(**section) if any(section.values()) else None


def random_affine(x: torch.Tensor, augment: Augment, generator: torch.Generator) -> torch.Tensor:
    """Rotate, zoom and translate each (N, 1, H, W) image at random (bilinear, 0 outside)."""
    n, _, h, w = x.shape
    u = (torch.rand(4, n, generator=generator) * 2 - 1).to(x.device)  # one draw per image and kind
    angle = u[0] * math.radians(augment.degrees)
    inv_zoom = 1 / (1 + u[1] * augment.scale)  # the grid maps output to input coordinates
    cos, sin = torch.cos(angle) * inv_zoom, torch.sin(angle) * inv_zoom
    tx, ty = u[2] * augment.shift * 2 / w, u[3] * augment.shift * 2 / h  # pixels -> [-1, 1] units
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False)


def with_channel(images: torch.Tensor) -> torch.Tensor:
    """(N, 28, 28) -> (N, 1, 28, 28), dtype kept."""
    return images.unsqueeze(1) if images.dim() == 3 else images


def train_classifier(
    images: torch.Tensor,
    labels: torch.Tensor,
    epochs: int,
    batch_size: int,
    lr: float,
    max_shift: int,
    seed: int,
    on_epoch: EpochLog | None = None,
    classes: int = 10,
    augment: Augment | None = None,
    desc: str = "classifier",
    arch: str = "lenet",
) -> tuple[Classifier, dict[str, Any]]:
    """Post 000's classifier, trained with cross-entropy, Adam under a one-cycle
    learning-rate schedule and random shifts of up to `max_shift` pixels: with half of
    MNIST's training set, that is what reaches 99% test accuracy in a few epochs.
    `labels` may name other `classes` than the ten digits (clusters, say); with
    `augment`, random affine distortions take the place of the shifts; `arch` picks the
    network (qae.models.CLASSIFIERS)."""
    generator = make_deterministic(seed)
    device = pick_device()
    x, y = with_channel(images).to(device), labels.long().to(device)
    model = Classifier(classes, arch).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    steps = epochs * -(-len(x) // batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)

    def distort(xb: torch.Tensor) -> torch.Tensor:
        return random_shift(xb, max_shift, generator) if augment is None else random_affine(xb, augment, generator)

    def batch_loss(xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(model(distort(as_unit_images(xb))), yb)

    history = fit(
        model, optimizer, batch_loss, (x, y), epochs, batch_size, generator, desc, scheduler, on_epoch=on_epoch
    )
    recipe = {
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "max_shift": max_shift,
        "augment": None if augment is None else asdict(augment),
        "seed": seed,
        "images": len(x),
    }
    return model, training_record(recipe, history, device)


class _BCEWithLogits(torch.autograd.Function):
    """Mean binary cross-entropy of logits `z` against targets `t`, the same value and
    gradient as `F.binary_cross_entropy_with_logits`. PyTorch's CPU log-sigmoid is not
    vectorized (about 5 ns an element here, 1.5 ns for log), and this loss was the
    largest single cost of an autoencoder epoch."""

    @staticmethod
    def forward(ctx, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(z, t)
        # softplus(z) - t z, with softplus(z) = max(z, 0) + log(1 + exp(-|z|))
        loss = z.abs().neg_().exp_().add_(1).log_().add_(z.clamp_min(0)).sub_(t * z)
        return loss.mean()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        z, t = ctx.saved_tensors
        return torch.sigmoid(z).sub_(t).mul_(grad / z.numel()), None


def bce_with_logits(z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of logits `z` against targets `t` in [0, 1]."""
    return _BCEWithLogits.apply(z, t)


def reconstruction_target(x: torch.Tensor, recipe: str) -> torch.Tensor:
    """What the autoencoder learns to output for [0, 1] images `x`.

    The posts feed normalized pixels to BCE, whose targets must lie in [0, 1]; the
    reference code clamps them, which makes the target a near-binary image. The
    corrected recipe reconstructs the pixels themselves.
    """
    if recipe == "post":
        return ((x - MNIST_MEAN) / MNIST_STD).clamp(0, 1)
    return x


@dataclass(frozen=True)
class TrainConfig:
    """How an autoencoder is trained; every field comes from params.yaml (`from_params`)."""

    epochs: int
    batch_size: int
    lr: float
    loss: str  # one of LOSSES: "bce" (posts 000/001) or "mse" (post 003), on [0, 1] pixels
    optimizer: str  # one of OPTIMIZERS: "adam" (posts 000/001) or "adamax" (post 003)
    weight_decay: float  # L2 penalty added to the gradients (post 003)
    schedule: str = "constant"  # one of SCHEDULES: "constant", or "cosine" decay to 0 over the run
    augment: Augment | None = None  # random affine distortions of every training batch

    @classmethod
    def from_params(cls, section: dict[str, Any], **overrides: Any) -> TrainConfig:
        """The training a params section describes (its epochs, batch_size, lr, loss,
        optimizer, weight_decay, and schedule and augment where it has them), with
        `overrides` in place of some."""
        keys = ("epochs", "batch_size", "lr", "loss", "optimizer", "weight_decay", "schedule")
        fields = {k: section[k] for k in keys if k in section}
        if "augment" in section:
            fields["augment"] = Augment.from_params(section["augment"])
        return cls(**{**fields, **overrides})


def make_optimizer(name: str, params, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """Adam (fused: one kernel per step) or Adamax (post 003: stable across learning rates)."""
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, fused=True)
    return torch.optim.Adamax(params, lr=lr, weight_decay=weight_decay)


def lr_schedule(name: str, optimizer: torch.optim.Optimizer, steps: int) -> torch.optim.lr_scheduler.LRScheduler | None:
    """None for a constant learning rate; "cosine" decays it to 0 over `steps` batches,
    so the last epochs settle into a minimum instead of hopping around it."""
    if name == "constant":
        return None
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)


def reconstruction_loss(name: str, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean BCE (on logits, stable) or MSE (on the sigmoid) against [0, 1] targets."""
    if name == "bce":
        return bce_with_logits(logits, target)
    return F.mse_loss(torch.sigmoid(logits), target)


def train_autoencoder(
    config: AutoencoderConfig,
    images: torch.Tensor,
    train: TrainConfig,
    seed: int,
    corrupt: Corruption | None = None,
    progress: bool = True,
    initial: Autoencoder | None = None,
    on_epoch: EpochLog | None = None,
) -> tuple[Autoencoder, dict[str, Any]]:
    """Train any autoencoder on `images` (uint8 or [0, 1]); returns the model and its
    training record. The bottleneck takes part through its contract (`qae.bottlenecks`):
    it sees some encoder outputs before the first step (`start`), adds its auxiliary loss
    (a commitment loss, a rate) to the reconstruction loss at every step, and sees the
    training set's encoder outputs after the last (`after_training`: a calibration).

    With `corrupt`, the model sees corrupted inputs and learns to output the clean
    images: a denoising autoencoder (post 003). With `initial`, training starts from
    a copy of its weights (fine-tuning) instead of a fresh initialization. With
    `train.augment`, each batch is distorted first and the distorted image is the target.
    """
    generator = make_deterministic(seed)
    device = pick_device()
    model = build_autoencoder(config).to(device)
    if initial is not None:
        model.load_state_dict(initial.state_dict())
    optimizer = make_optimizer(train.optimizer, model.parameters(), train.lr, train.weight_decay)
    scheduler = lr_schedule(train.schedule, optimizer, train.epochs * -(-len(images) // train.batch_size))
    data = (with_channel(images).to(device),)
    bottleneck = model.bottleneck
    if bottleneck.start_images:
        with torch.no_grad():
            first = torch.randperm(len(images), generator=generator)[: bottleneck.start_images].to(device)
            model.train()
            bottleneck.start(model.encoder(as_unit_images(data[0][first])))

    def batch_loss(xb: torch.Tensor) -> torch.Tensor:
        xb = as_unit_images(xb)  # batches stay uint8 until here: a quarter of the memory traffic
        if train.augment is not None:
            xb = random_affine(xb, train.augment, generator)
        inputs = xb if corrupt is None else corrupt(xb, generator)
        decoder_input, aux = bottleneck(model.encoder(inputs), generator)
        loss = reconstruction_loss(train.loss, model.decoder(decoder_input), reconstruction_target(xb, config.recipe))
        return loss if aux is None else loss + aux

    desc = f"autoencoder {config.arch} {config.bottleneck} d={config.width}"
    batches = (train.epochs, train.batch_size, generator, desc, scheduler, progress, on_epoch)
    history = fit(model, optimizer, batch_loss, data, *batches)
    bottleneck.after_training(lambda: model.encode_float(data[0]))
    recipe = {**asdict(train), "seed": seed, "images": len(images), "denoising": corrupt is not None}
    return model, training_record(recipe, history, device)
