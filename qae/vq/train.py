"""Training a vector-quantized autoencoder: `qae.train`'s loop and losses, plus the
quantizer's commitment loss; the codebooks learn by EMA inside the forward pass."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import torch

from qae.images import as_unit_images
from qae.runtime import make_deterministic, pick_device
from qae.train import (
    EpochLog,
    TrainConfig,
    fit,
    lr_schedule,
    make_optimizer,
    random_affine,
    reconstruction_loss,
    training_record,
    with_channel,
)
from qae.vq.models import VQAutoencoder, VQConfig, build_vq_autoencoder

INIT_VECTORS = 8192  # the codebooks' k-means start sees this many training images' vectors, not one batch


def train_vq_autoencoder(
    config: VQConfig,
    images: torch.Tensor,
    train: TrainConfig,
    seed: int,
    progress: bool = True,
    on_epoch: EpochLog | None = None,
) -> tuple[VQAutoencoder, dict[str, Any]]:
    """Train on `images` (uint8 or [0, 1]) with `train`'s loss, optimizer, schedule and
    augmentation (its rate weights do not apply); returns the model and its record."""
    generator = make_deterministic(seed)
    device = pick_device()
    model = build_vq_autoencoder(config).to(device)
    data = (with_channel(images).to(device),)
    optimizer = make_optimizer(train.optimizer, model.parameters(), train.lr, train.weight_decay)
    scheduler = lr_schedule(train.schedule, optimizer, train.epochs * -(-len(images) // train.batch_size))

    with torch.no_grad():  # codebooks start at k-means of many vectors (the library would use one batch)
        first = torch.randperm(len(images), generator=generator)[:INIT_VECTORS].to(device)
        quantizer = model.bottleneck.quantizer
        dropout = getattr(quantizer, "quantize_dropout", False)
        quantizer.quantize_dropout = False  # rvq: start every codebook, not a random prefix of them
        model.train()
        model.bottleneck(model.encoder(as_unit_images(data[0][first])))
        quantizer.quantize_dropout = dropout

    def batch_loss(xb: torch.Tensor) -> torch.Tensor:
        xb = as_unit_images(xb)
        if train.augment is not None:
            xb = random_affine(xb, train.augment, generator)
        quantized, aux = model.bottleneck(model.encoder(xb))
        return reconstruction_loss(train.loss, model.decoder(quantized), xb) + aux

    desc = f"{config.quantizer} autoencoder {config.arch} {config.dims}x{config.bits} bits"
    batches = (train.epochs, train.batch_size, generator, desc, scheduler, progress, on_epoch)
    history = fit(model, optimizer, batch_loss, data, *batches)
    recipe = {**asdict(train), "seed": seed, "images": len(images)}
    return model, training_record(recipe, history, device)
