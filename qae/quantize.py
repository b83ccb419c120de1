"""The bottleneck: bound a code into (0, 1), round it to b bits, map it back.

Pure functions plus one small module that composes them, so any autoencoder can
hold a `Bottleneck` and evaluation can sweep bits without retraining. This module
knows nothing about images or training.

Two quantizers, both with 2**b levels and integer codes k = floor(u * 2**b):
- `midpoint=True` (corrected): k decodes to the centre of its bin, (k + 0.5) / 2**b,
  so the error is at most half a step.
- `midpoint=False` (post 001 as written): k decodes to the bin's lower edge, k / 2**b,
  an error of up to a whole step, always downwards.
"""

from __future__ import annotations

import torch
from torch import nn

LOGIT_EPS = 1e-3  # post 001's torch.logit(x, eps=0.001): keeps the decoder input finite
UNQUANTIZED = "fp32"  # the bits value (params, command lines, file names) that keeps the float32 code


def is_valid_bits(value: object) -> bool:
    """True for 1..32 or UNQUANTIZED."""
    return value == UNQUANTIZED or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 32)


def parse_bits(value: int | str) -> int | None:
    """A bits value from params or a command line ("8", 8, "fp32") as the quantizer's:
    an int, or None for the float32 code."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not is_valid_bits(value):
        raise ValueError(f"bits must be an integer in 1..32 or '{UNQUANTIZED}', got {value!r}")
    return None if value == UNQUANTIZED else int(value)


def bits_name(bits: int | None) -> str:
    """The inverse of `parse_bits`: 8 -> "8", None -> "fp32"."""
    return UNQUANTIZED if bits is None else str(bits)


def to_codes(u: torch.Tensor, bits: int) -> torch.Tensor:
    """Integer codes in [0, 2**bits - 1] of values `u` in [0, 1]; int64, same shape."""
    levels = 2**bits
    # float64 so that 2**32 levels are counted exactly; (N, d) codes are small.
    return torch.floor(u.double() * levels).clamp_(0, levels - 1).long()


def from_codes(codes: torch.Tensor, bits: int, midpoint: bool = True) -> torch.Tensor:
    """Values in [0, 1] that integer `codes` of `bits` bits stand for (float32)."""
    offset = 0.5 if midpoint else 0.0
    return ((codes.double() + offset) / 2**bits).float()


def round_to_bits(u: torch.Tensor, bits: int, midpoint: bool = True) -> torch.Tensor:
    """Quantize `u` in [0, 1] to one of 2**bits levels."""
    return from_codes(to_codes(u, bits), bits, midpoint).to(u.device)


GAUSSIAN_GAIN = 1.702  # sigmoid(1.702 x) is within 0.01 of the normal CDF


class Bottleneck(nn.Module):
    """sigmoid -> (optional) round to b bits -> logit, between an encoder and a decoder.

    `bits=None` keeps the float32 code. The module holds no weights, only a per-dimension
    `center` and `scale` applied before the sigmoid (and undone after the logit).

    The posts' recipe (`calibrated=False`): center 0, scale 1, the bin's lower edge
    (`midpoint=False`), and float codes pass logit(sigmoid(z), eps=0.001) too, which
    clamps them to +-6.9 with zero gradient beyond, so codes that drift there stop
    learning. Corrected (`calibrated=True`): float codes pass unchanged, and after
    training `fit_range` sets center and scale from the training codes so that the
    sigmoid of a Gaussian code is close to uniform: every level is used about equally
    often, whatever range the encoder settled on.

    Quantization-aware training (`qat_bits`, corrected recipe only): in training mode
    the code is normalized with the batch's mean and std, as batch norm does, before
    the sigmoid, so the encoder cannot push codes into saturation where every image
    gets the same level (code collapse); then it is rounded to `qat_bits` bits with a
    straight-through gradient, or, with `qat_noise`, given uniform noise one step wide
    instead. After training, `fit_range` fixes the normalization for evaluation.
    """

    def __init__(
        self,
        dims: int,
        midpoint: bool = True,
        calibrated: bool = True,
        qat_bits: int | None = None,
        qat_noise: bool = False,
    ) -> None:
        super().__init__()
        if qat_bits is not None and not calibrated:
            raise ValueError("quantization-aware training needs the calibrated (corrected) bottleneck")
        self.midpoint = midpoint
        self.calibrated = calibrated
        self.qat_bits = qat_bits
        self.qat_noise = qat_noise
        self.register_buffer("center", torch.zeros(dims))
        self.register_buffer("scale", torch.ones(dims))

    @torch.no_grad()
    def fit_range(self, codes: torch.Tensor) -> None:
        """Set center and scale from (N, d) float codes of the training set."""
        self.center.copy_(codes.mean(0))
        self.scale.copy_(codes.std(0).clamp_min(1e-6) / GAUSSIAN_GAIN)

    def bound(self, z: torch.Tensor) -> torch.Tensor:
        """(N, d) real codes -> (N, d) codes in (0, 1)."""
        return torch.sigmoid((z - self.center) / self.scale)

    def unbound(self, u: torch.Tensor) -> torch.Tensor:
        """(N, d) codes in [0, 1] -> (N, d) decoder inputs."""
        return torch.logit(u, eps=LOGIT_EPS) * self.scale + self.center

    def to_codes(self, z: torch.Tensor, bits: int) -> torch.Tensor:
        """(N, d) real codes -> (N, d) integer codes of `bits` bits."""
        return to_codes(self.bound(z), bits)

    def from_codes(self, codes: torch.Tensor, bits: int) -> torch.Tensor:
        """(N, d) integer codes -> (N, d) decoder inputs."""
        return self.unbound(from_codes(codes, bits, self.midpoint).to(self.center.device))

    def quantize_aware(self, z: torch.Tensor) -> torch.Tensor:
        """The training-mode bottleneck of quantization-aware training (see the class)."""
        center, scale = z.mean(0), z.std(0).clamp_min(1e-6) / GAUSSIAN_GAIN
        u = torch.sigmoid((z - center) / scale)
        if self.qat_noise:
            q = (u + (torch.rand_like(u) - 0.5) * 2.0**-self.qat_bits).clamp(0, 1)
        else:
            q = u + (round_to_bits(u, self.qat_bits, self.midpoint) - u).detach()  # straight through
        return torch.logit(q, eps=LOGIT_EPS) * scale + center

    def forward(self, z: torch.Tensor, bits: int | None = None) -> torch.Tensor:
        if self.training and self.qat_bits is not None:
            return self.quantize_aware(z)
        if bits is None and self.calibrated:
            return z  # logit(sigmoid(z)) is z
        u = self.bound(z)
        if bits is not None:
            u = round_to_bits(u, bits, self.midpoint)
        return self.unbound(u)

    def extra_repr(self) -> str:
        return f"midpoint={self.midpoint}, calibrated={self.calibrated}, qat_bits={self.qat_bits}"


class EntropyBottleneck(nn.Module):
    """Rate-distortion training (beyond the posts; Ballé et al.'s recipe in its scalar
    form): the code is rounded to integers with a straight-through gradient, and a learned
    zero-mean logistic prior per dimension prices it in bits (`rate_bits`). Trained on
    reconstruction + weight x rate, the model itself decides how many bits each dimension
    gets; dimensions that do not pay for themselves go quiet (always 0, almost no bits).

    Variable rate (Cui et al. 2021's gain units): with `levels` > 1 one model learns one
    operating point per rate level, sharing everything but a gain per dimension on each
    side of the rounding (the code is z x gain, the decoder reads its integers x
    inv_gain) and the prior. Each training image draws a level and pays that level's
    weight. `at_level(k)` is the one-level bottleneck of level k: what a codec uses.

    `bits` only sets the integer range kept, [-2**(bits-1), 2**(bits-1)), stored as codes
    in [0, 2**bits) like every quantizer's here, so evaluation and the codecs use it as
    they use `Bottleneck`.
    """

    calibrated = False  # nothing to fit after training: the integer grid is the quantizer

    def __init__(self, dims: int, levels: int = 1) -> None:
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(levels, dims))
        self.gain = nn.Parameter(torch.ones(levels, dims))
        self.inv_gain = nn.Parameter(torch.ones(levels, dims))

    @property
    def levels(self) -> int:
        return len(self.gain)

    def at_level(self, level: int) -> EntropyBottleneck:
        """A one-level bottleneck with rate level `level`'s gains and prior."""
        single = EntropyBottleneck(self.gain.shape[1]).to(self.gain.device)
        with torch.no_grad():
            for name in ("log_scale", "gain", "inv_gain"):
                getattr(single, name).copy_(getattr(self, name)[level : level + 1])
        return single

    def _one_level(self) -> int:
        if self.levels != 1:
            raise ValueError(f"a variable-rate bottleneck ({self.levels} levels) codes at one level: use at_level(k)")
        return 0

    @torch.no_grad()
    def to_codes(self, z: torch.Tensor, bits: int) -> torch.Tensor:
        """(N, d) real codes -> (N, d) integer codes in [0, 2**bits)."""
        half = 2 ** (bits - 1)
        return (torch.round(z * self.gain[self._one_level()]).long() + half).clamp_(0, 2 * half - 1)

    @torch.no_grad()
    def from_codes(self, codes: torch.Tensor, bits: int) -> torch.Tensor:
        """(N, d) integer codes -> (N, d) decoder inputs (the integers they stand for, x inv_gain)."""
        integers = (codes.to(self.gain.device) - 2 ** (bits - 1)).float()
        return integers * self.inv_gain[self._one_level()]

    def rate_bits(self, z: torch.Tensor, level: int | torch.Tensor = 0) -> torch.Tensor:
        """(N,) bits each row of `z` costs under the prior of its rate `level` (one for
        all rows, or one per row), measured on the gained code plus uniform noise one
        step wide: the rounded code's price, with a gradient."""
        y = z * self.gain[level] + torch.rand_like(z) - 0.5
        scale = self.log_scale[level].exp()
        p = torch.sigmoid((y + 0.5) / scale) - torch.sigmoid((y - 0.5) / scale)
        return -torch.log2(p.clamp_min(1e-9)).sum(1)

    def forward(
        self, z: torch.Tensor, bits: int | None = None, level: int | torch.Tensor | None = None
    ) -> torch.Tensor:
        level = self._one_level() if level is None else level
        y = z * self.gain[level]
        if self.training:
            y = y + (torch.round(y) - y).detach()  # straight through
        elif bits is not None:
            half = 2 ** (bits - 1)
            y = torch.round(y).clamp_(-half, half - 1)
        return y * self.inv_gain[level]
