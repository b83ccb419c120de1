"""Autoencoders with a vector-quantized bottleneck: the code is codebook indices.

Three bottlenecks from `vector-quantize-pytorch`, each between the encoder and the
decoder of one of `qae.models`' architectures:
- "vqvae": VQ-VAE, one codebook of `codebook_size` vectors learned by EMA updates, a
  commitment loss pulling the encoder to it; one index per image.
- "rvq": residual VQ, `dims` codebooks, each quantizing what the ones before it
  left; trained with quantizer dropout, so the first q indices alone decode
  (`truncated(q)`): one model, a rate sweep.
- "fsq": finite scalar quantization, each of `dims` groups of `len(levels)` bounded
  numbers rounded to `levels` levels (the posts' scalar rounding as a trained
  bottleneck), no codebook to learn; one index per group.

The model offers the interface `qae.codec.Codec` and `qae.evaluate` use
(`encode_float`, `bottleneck.to_codes`, `decode_logits`, `decode`), so a VQ model is
entropy coded, scored and sent through `qae compress` like any other; its integer
codes are indices of `bits` bits, `dims` per image.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch
from torch import nn
from vector_quantize_pytorch import FSQ, ResidualVQ, VectorQuantize

from qae.images import as_unit_images, batch_slices
from qae.models import AutoencoderConfig, build_autoencoder, read_checkpoint
from qae.runtime import device_of, pick_device

QUANTIZERS = ("vqvae", "rvq", "fsq")
KIND = "vq_autoencoder"  # the checkpoint kind (qae.models' are "autoencoder", "classifier", "codec")
EMA_DECAY = 0.8  # codebook EMA: the library default; 0.99 learned slower here


@dataclass(frozen=True)
class VQConfig:
    """What it takes to rebuild a vector-quantized autoencoder."""

    arch: str  # encoder and decoder of this qae.models architecture
    quantizer: str  # one of QUANTIZERS
    width: int  # the vector the encoder outputs and the quantizer reads
    dims: int  # code length: indices per image (vqvae: 1; rvq: codebooks used; fsq: groups)
    codebook_size: int = 0  # vqvae, rvq: vectors per codebook
    levels: tuple[int, ...] = ()  # fsq: levels of each number of a group
    commitment: float = 0.001  # vqvae, rvq: weight of the commitment loss (against a per-pixel mean loss)
    dead_code_threshold: float = 0.0  # vqvae, rvq: re-seed a codeword from the batch when its EMA use falls below

    @property
    def bits(self) -> int:
        """Bits of one index: its alphabet is 2**bits (fsq: the product of the levels, rounded up)."""
        size = self.codebook_size if self.quantizer != "fsq" else math.prod(self.levels)
        return max(1, math.ceil(math.log2(size)))


class VectorBottleneck(nn.Module):
    """(N, width) vectors <-> (N, dims) int64 indices, through one of the library's quantizers."""

    def __init__(self, config: VQConfig) -> None:
        super().__init__()
        if config.quantizer not in QUANTIZERS:
            raise ValueError(f"quantizer must be one of {QUANTIZERS}, got {config.quantizer!r}")
        if config.quantizer == "vqvae" and config.dims != 1:
            raise ValueError(f"a VQ-VAE bottleneck sends one index per image, got dims={config.dims}")
        self.config = config
        # The encoder's last layer is linear: unnormalized, its outputs grow until FSQ's tanh
        # saturates (no gradient) or drift away from the EMA codebooks.
        self.norm = nn.LayerNorm(config.width)
        codebook = {
            "decay": EMA_DECAY,
            "kmeans_init": True,  # codebooks start at k-means of the first batch, not at random
            "threshold_ema_dead_code": config.dead_code_threshold,
            "commitment_weight": config.commitment,
            "rotation_trick": False,  # VQ-VAE's straight-through gradient
        }
        if config.quantizer == "vqvae":
            self.quantizer = VectorQuantize(dim=config.width, codebook_size=config.codebook_size, **codebook)
        elif config.quantizer == "rvq":
            self.quantizer = ResidualVQ(
                dim=config.width,
                num_quantizers=config.dims,
                codebook_size=config.codebook_size,
                quantize_dropout=config.dims > 1,  # each batch stops after a random number of codebooks
                **codebook,
            )
        else:
            # indices keep their group axis, one group or many: (N, 1, dims) like the other two
            self.quantizer = FSQ(
                levels=list(config.levels), dim=config.width, num_codebooks=config.dims, keep_num_codebooks_dim=True
            )

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, width) -> the quantized (N, width) (straight-through gradients) and the
        auxiliary loss (commitment; 0 for fsq). Training mode updates the codebooks."""
        out = self.quantizer(self.norm(z).unsqueeze(1))
        loss = out[2].sum() if len(out) > 2 else z.new_zeros(())
        return out[0].squeeze(1), loss

    @torch.inference_mode()
    def to_codes(self, z: torch.Tensor, bits: int | None = None) -> torch.Tensor:
        """(N, width) encoder outputs -> (N, dims) int64 indices."""
        self._check_bits(bits)
        was_training = self.training
        self.eval()  # never update a codebook while encoding
        try:
            indices = self.quantizer(self.norm(z).unsqueeze(1))[1]
        finally:
            self.train(was_training)
        return indices.reshape(len(z), self.config.dims).long()

    def from_codes(self, codes: torch.Tensor, bits: int | None = None) -> torch.Tensor:
        """(N, dims) indices -> the (N, width) vectors they stand for."""
        self._check_bits(bits)
        codes = codes.long().unsqueeze(1)  # (N, 1, dims): one "token" per image
        if self.config.quantizer == "fsq":
            return self.quantizer.indices_to_codes(codes).squeeze(1)
        if self.config.quantizer == "vqvae":
            return self.quantizer.get_output_from_indices(codes[..., 0]).squeeze(1)
        return self.quantizer.get_output_from_indices(codes).squeeze(1)

    def _check_bits(self, bits: int | None) -> None:
        if bits is not None and bits != self.config.bits:
            raise ValueError(f"this bottleneck's indices have {self.config.bits} bits, not {bits}")


class VQAutoencoder(nn.Module):
    """Encoder -> `VectorBottleneck` -> decoder, with the decode and encode API of
    `qae.models.Autoencoder` (the `bits` arguments are the indices' bits)."""

    def __init__(self, config: VQConfig) -> None:
        super().__init__()
        self.config = config
        self.meta: dict[str, Any] = {}  # how it was made (recipe, run), from its checkpoint
        body = build_autoencoder(AutoencoderConfig(config.arch, config.width, "corrected"))
        self.encoder, self.decoder = body.encoder, body.decoder
        self.bottleneck = VectorBottleneck(config)

    @property
    def device(self) -> torch.device:
        """Where its parameters are."""
        return device_of(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 28, 28) in [0, 1] -> reconstruction in [0, 1] through the quantizer."""
        return torch.sigmoid(self.decoder(self.bottleneck(self.encoder(x))[0]))

    def decode_logits(self, codes: torch.Tensor, bits: int | None = None) -> torch.Tensor:
        """(N, dims) indices -> (N, 1, 28, 28) logits."""
        return self.decoder(self.bottleneck.from_codes(codes.to(self.device), bits))

    @torch.inference_mode()
    def encode_float(self, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """uint8 or [0, 1] images -> (N, width) encoder outputs, on the model's device."""
        images = images.to(self.device)
        return torch.cat([self.encoder(as_unit_images(images[s])) for s in batch_slices(len(images), batch_size)])

    @torch.inference_mode()
    def encode(self, images: torch.Tensor, bits: int | None = None) -> torch.Tensor:
        """Images -> (N, dims) int64 indices."""
        return self.bottleneck.to_codes(self.encode_float(images), bits)

    @torch.inference_mode()
    def decode(self, codes: torch.Tensor, bits: int | None = None) -> torch.Tensor:
        """(N, dims) indices -> (N, 1, 28, 28) images in [0, 1]."""
        return torch.sigmoid(self.decode_logits(codes, bits))

    def truncated(self, dims: int) -> VQAutoencoder:
        """A residual-VQ model that sends only its first `dims` indices (a copy): the
        coarser operating points of one rvq model."""
        if self.config.quantizer != "rvq" or not 1 <= dims <= self.config.dims:
            raise ValueError(f"only an rvq model truncates, to 1..{self.config.dims} codebooks")
        model = VQAutoencoder(replace(self.config, dims=dims)).to(self.device)
        keep = {f"bottleneck.quantizer.layers.{i}." for i in range(dims)}
        state = {
            k: v
            for k, v in self.state_dict().items()
            if not k.startswith("bottleneck.quantizer.layers.") or any(k.startswith(p) for p in keep)
        }
        model.load_state_dict(state)
        model.meta = {**self.meta, "truncated_from": self.config.dims}
        return model.eval()


def build_vq_autoencoder(config: VQConfig) -> VQAutoencoder:
    """A freshly initialized VQ autoencoder for `config`."""
    return VQAutoencoder(config)


def vq_checkpoint(model: VQAutoencoder, **meta: Any) -> dict[str, Any]:
    """A self-describing checkpoint of `model` (weights on the CPU); `meta` defaults to
    what the model was loaded with."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    config = {**asdict(model.config), "levels": list(model.config.levels)}
    return {"kind": KIND, "config": config, "state_dict": state, **(meta or model.meta)}


def vq_from_checkpoint(ckpt: dict[str, Any]) -> VQAutoencoder:
    """The model a `vq_checkpoint` dict describes, on the CPU, in eval mode."""
    if ckpt.get("kind") != KIND:
        raise ValueError(f"not a VQ autoencoder checkpoint (kind {ckpt.get('kind')!r})")
    config = VQConfig(**{**ckpt["config"], "levels": tuple(ckpt["config"]["levels"])})
    model = VQAutoencoder(config)
    model.load_state_dict(ckpt["state_dict"])
    model.meta = {k: v for k, v in ckpt.items() if k not in ("kind", "config", "state_dict")}
    return model.eval()


def load_vq_autoencoder(path: str | os.PathLike, device: str | torch.device | None = None) -> VQAutoencoder:
    """Rebuild a trained VQ autoencoder from its checkpoint, in eval mode, on `device`
    (None: $QAE_DEVICE, else auto)."""
    return vq_from_checkpoint(read_checkpoint(path, KIND, "VQ autoencoder checkpoint")).to(pick_device(device))
