"""The autoencoders of posts 002 and 004, in the family of `qae.models`.

Importing `qae` registers them in `qae.models.ARCHITECTURES`, so `load_autoencoder`
rebuilds their checkpoints like any other. They live apart from `qae.models` so that
adding them does not invalidate the stages that train the models of posts 000-003.
"""

from __future__ import annotations

import torch
from torch import nn

from qae.models import ARCHITECTURES, Autoencoder, AutoencoderConfig


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
    could become a digit's class; the decoder draws from it. `config.dims` must be 10."""

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__(config)
        if config.dims != 10:
            raise ValueError(f"the softmax autoencoder has a 10-neuron code, got dims={config.dims}")
        self.encoder = nn.Sequential(
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


ARCHITECTURES.update(mlp=MLPAutoencoder, softmax=SoftmaxAutoencoder)
