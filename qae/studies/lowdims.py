"""Post 004: the lecture notes' MLP autoencoder at very low code sizes.

As written (`start="default"`), the d = 3 model never leaves the mean image: an
untrained decoder draws 0.5 everywhere, the digits are mostly 0, and the quickest way
down is to push every image's code the same way, which drives all three tanh units of
the code to +-1 for every input within the first epoch. A saturated tanh passes no
gradient (1 - tanh^2 is exactly 0 in float32 beyond |x| ~ 9), so the code is the same
for every image and the best the decoder can draw is the mean image. `start="mean"`
sets the decoder's output bias so that it draws the mean training image before any
step: the common push is gone, and the code only has to carry what differs.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from qae.evaluate import reconstruction_mse
from qae.images import as_unit_images
from qae.models import Autoencoder, AutoencoderConfig
from qae.runtime import make_deterministic, pick_device
from qae.train import fit

STARTS = ("default", "mean")  # where the MLP autoencoder starts training: PyTorch's init, or the mean image


def mean_image(images: torch.Tensor) -> torch.Tensor:
    """(1, 28, 28) pixel-wise mean of uint8 or [0, 1] images."""
    return as_unit_images(images).mean(0)


def mean_image_loss(images: torch.Tensor) -> float:
    """MSE per pixel of always drawing the mean image: the plateau post 004's d = 3 model sits on."""
    x = as_unit_images(images)
    return float((x - x.mean(0)).pow(2).mean())


@torch.inference_mode()
def saturation(model: Autoencoder, images: torch.Tensor, threshold: float = 0.99) -> float:
    """Share of code elements with |tanh| above `threshold` on `images`: 1 means the code
    is stuck at the corners of its cube."""
    codes = model.encode_float(images)
    return float((codes.abs() > threshold).float().mean())


@torch.no_grad()
def start_at(model: Autoencoder, image: torch.Tensor) -> None:
    """Set the MLP decoder's output bias so that, untrained, it draws `image` ((1, 28, 28)
    in [0, 1], e.g. the mean training image) for every code."""
    model.decoder[2].bias.copy_(torch.logit(image.flatten(), eps=1e-3))


def train_mlp(
    images: torch.Tensor,
    dims: int,
    start: str,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    progress: bool = True,
) -> tuple[Autoencoder, list[dict[str, float]]]:
    """Post 004's training: MSE on [0, 1] pixels, Adam at `lr` (the notes pass lr=0.01 to
    their train function, which never hands it to Adam: it runs at Adam's default 0.001),
    from PyTorch's initialization (`start="default"`) or from the mean image ("mean")."""
    if start not in STARTS:
        raise ValueError(f"unknown start {start!r}; one of {', '.join(STARTS)}")
    generator = make_deterministic(seed)
    device = pick_device()
    model = Autoencoder(AutoencoderConfig("mlp", dims)).to(device)
    if start == "mean":
        start_at(model, mean_image(images).to(device))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def batch_loss(xb: torch.Tensor) -> torch.Tensor:
        x = as_unit_images(xb)
        return F.mse_loss(model(x), x)

    desc = f"mlp d={dims} start={start}"
    data = (images.to(device),)
    history = fit(model, optimizer, batch_loss, data, epochs, batch_size, generator, desc, progress=progress)
    return model, history


# Post 004's printed losses (the last batch of each epoch of 600 batches), the baseline.
POST_004_LOSSES = {
    3: [0.06385622918605804, 0.06373556703329086, 0.0636959820985794, 0.06369175761938095, 0.06371547281742096],
    50: [0.06367220729589462, 0.0583176463842392, 0.04323694854974747, 0.034544687718153, 0.02812880463898182],
}


def study(
    train_images: torch.Tensor,
    test_images: torch.Tensor,
    dims: list[int],
    starts: list[str],
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[tuple[int, str], Autoencoder]]:
    """Train one MLP autoencoder per (dims, start). Returns the loss curves (one record
    per epoch: dims, start, epoch, step, loss), nested metrics (the mean-image loss of
    the training set; per model the last epoch's loss, the test MSE and the share of
    saturated code elements) and the models."""
    curves, models = [], {}
    metrics: dict[str, Any] = {"mean_image_loss": round(mean_image_loss(train_images), 6)}
    steps_per_epoch = -(-len(train_images) // batch_size)
    for d in dims:
        for start in starts:
            model, history = train_mlp(train_images, d, start, epochs, batch_size, lr, seed)
            models[d, start] = model
            curves += [
                {
                    "dims": d,
                    "start": start,
                    "epoch": h["epoch"],
                    "step": h["epoch"] * steps_per_epoch,
                    "loss": h["loss"],
                }
                for h in history
            ]
            metrics.setdefault(f"dims_{d}", {})[start] = {
                "train_loss": round(history[-1]["loss"], 6),
                "test_mse": round(reconstruction_mse(model, test_images), 6),
                "saturated": round(saturation(model, test_images), 6),
            }
    return curves, metrics, models
