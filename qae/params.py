"""Load and validate params.yaml, the single source of every number a stage uses.

Every stage validates the whole file before it does any work, so a bad value set
with `dvc exp run -S key=value` fails at once, naming the key and what it allows,
instead of after an hour of training.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import yaml

UNQUANTIZED = "fp32"  # the bits value that means "keep the float32 code"
MNIST_TRAIN_SIZE = 60_000
ARCHITECTURES = ("linear", "conv", "deep", "deepconv")
LOSSES = ("bce", "mse")
OPTIMIZERS = ("adam", "adamax")
CORRUPTIONS = ("noise", "occlusion", "both")
RECIPES = ("post", "corrected")
CLUSTER_METHODS = ("kmeans", "tsne_gmm")  # qae.cluster
STARTS = ("default", "mean")  # qae.lowdims: where the MLP autoencoder starts training
RD_IMAGES = ("autoencoder", "all")  # rate-distortion training images: one half of MNIST's training set, or both
SCHEDULES = ("constant", "cosine")  # qae.train.TrainConfig.schedule


class ParamsError(ValueError):
    """A params.yaml value is missing, unknown or out of range."""


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _int(lo: int, hi: int | None = None) -> tuple[Callable[[Any], bool], str]:
    allowed = f"an integer >= {lo}" if hi is None else f"an integer in {lo}..{hi}"
    return (lambda v: _is_int(v) and v >= lo and (hi is None or v <= hi)), allowed


def _positive() -> tuple[Callable[[Any], bool], str]:
    return (lambda v: _is_number(v) and v > 0), "a number > 0"


def _non_negative() -> tuple[Callable[[Any], bool], str]:
    return (lambda v: _is_number(v) and v >= 0), "a number >= 0"


def _bounded(hi: float) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: _is_number(v) and 0 <= v <= hi), f"a number in [0, {hi}]"


def _dropout() -> tuple[Callable[[Any], bool], str]:
    return (lambda v: _is_number(v) and 0 <= v < 1), "a number in [0, 1)"


def _range(log: bool, hi: float | None = None) -> tuple[Callable[[Any], bool], str]:
    def ok(v: Any) -> bool:
        return (
            isinstance(v, list)
            and len(v) == 2
            and all(_is_number(x) for x in v)
            and (v[0] > 0 if log else v[0] >= 0)
            and v[0] < v[1]
            and (hi is None or v[1] <= hi)
        )

    low = "0 < low" if log else "0 <= low"
    return ok, f"[low, high] with {low} < high" + ("" if hi is None else f" <= {hi}")


def _fraction() -> tuple[Callable[[Any], bool], str]:
    return (lambda v: _is_number(v) and 0 < v < 1), "a number strictly between 0 and 1"


def _choice(options: tuple[str, ...]) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: v in options), "one of " + ", ".join(options)


def is_valid_bits(v: Any) -> bool:
    """True for 1..32 or the unquantized marker."""
    return v == UNQUANTIZED or (_is_int(v) and 1 <= v <= 32)


_BITS = (is_valid_bits, f"an integer in 1..32 or '{UNQUANTIZED}'")
_DIMS = _int(1, 784)


def _list_of(check: tuple[Callable[[Any], bool], str]) -> tuple[Callable[[Any], bool], str]:
    ok, allowed = check
    return (
        lambda v: isinstance(v, list) and len(v) > 0 and len(set(map(str, v))) == len(v) and all(map(ok, v)),
        f"a non-empty list without repeats, each {allowed}",
    )


def _str_list() -> tuple[Callable[[Any], bool], str]:
    return (lambda v: isinstance(v, list) and all(isinstance(s, str) and s for s in v)), "a list of strings"


def _sha256_map() -> tuple[Callable[[Any], bool], str]:
    def ok(v: Any) -> bool:
        return (
            isinstance(v, dict)
            and len(v) == 4
            and all(isinstance(h, str) and len(h) == 64 and all(c in "0123456789abcdef" for c in h) for h in v.values())
        )

    return ok, "a mapping of the four IDX file names to 64-digit lowercase hex SHA-256 digests"


# Every key params.yaml may hold, with what it allows.
SCHEMA: dict[str, tuple[Callable[[Any], bool], str]] = {
    "seed": _int(0, 2**31 - 1),
    "dims": _DIMS,
    "bits": _BITS,
    "download.mirrors": _str_list(),
    "download.timeout_s": _positive(),
    "download.sha256": _sha256_map(),
    "data.classifier_size": _int(1, MNIST_TRAIN_SIZE),
    "data.autoencoder_size": _int(1, MNIST_TRAIN_SIZE),
    "data.val_fraction": _fraction(),
    "classifier.epochs": _int(1),
    "classifier.batch_size": _int(1),
    "classifier.lr": _positive(),
    "classifier.max_shift": _int(0, 14),
    "autoencoder.arch": _choice(ARCHITECTURES),
    "autoencoder.recipe": _choice(RECIPES),
    "autoencoder.epochs": _int(1),
    "autoencoder.batch_size": _int(1),
    "autoencoder.lr": _positive(),
    "autoencoder.loss": _choice(LOSSES),
    "autoencoder.optimizer": _choice(OPTIMIZERS),
    "autoencoder.weight_decay": _non_negative(),
    "autoencoder.dropout": _dropout(),
    "eval.batch_size": _int(1),
    "sweep.dims": _list_of(_DIMS),
    "sweep.bits": _list_of(_BITS),
    "plot.digits_per_row": _int(1, 100),
    "conv.batch_size": _int(1),
    "conv.epochs_scale": _positive(),
    "search.trials": _int(1),
    "search.workers": _int(1, 64),
    "search.dims": _DIMS,
    "search.lr": _range(log=True),
    "search.weight_decay": _range(log=True),
    "search.dropout": _range(log=False, hi=1.0),
    "search.epochs": _list_of(_int(1)),
    "search.epoch_probs": (
        lambda v: isinstance(v, list) and all(_is_number(p) and p >= 0 for p in v) and abs(sum(v) - 1) < 1e-6,
        "a list of probabilities >= 0 summing to 1",
    ),
    "tradeoff.dims": _list_of(_DIMS),
    "tradeoff.epochs_scale": _positive(),
    "robustness.noise_std": _list_of(_non_negative()),
    "robustness.patch": _list_of(_int(0, 28)),
    "denoising.corruption": _choice(CORRUPTIONS),
    "denoising.noise_std": _non_negative(),
    "denoising.patch": _int(0, 28),
    "denoising.start": _choice(("plain", "scratch")),
    "denoising.lr_scale": _positive(),
    "qat.bits": _list_of(_int(1, 16)),
    "qat.noise": (lambda v: isinstance(v, bool), "true or false"),
    "compressor.arch": _choice(ARCHITECTURES),
    "compressor.epochs": _int(1),
    "compressor.dims": _list_of(_DIMS),
    "compressor.bits": _list_of(_int(1, 16)),
    "rd.arch": _choice(ARCHITECTURES),
    "rd.dims": _DIMS,
    "rd.weights": _list_of(_positive()),
    "rd.epochs": _int(1),
    "rd.code_bits": _int(2, 16),
    "rd.images": _choice(RD_IMAGES),
    "rd.schedule": _choice(SCHEDULES),
    "rd.augment.degrees": _bounded(45),
    "rd.augment.scale": _bounded(0.5),
    "rd.augment.shift": _bounded(8),
    # Issue 5: bitstreams and baselines
    "codec.smoothing": _positive(),
    "codec.table_bits": _int(1, 16),
    "codec.search.candidates": _int(0, 256),
    "codec.search.rounds": _int(1, 1000),
    "baselines.jpeg_quality": _list_of(_int(0, 100)),
    "baselines.webp_quality": _list_of(_int(0, 100)),
    "baselines.pca_k": _list_of(_int(1, 784)),
    "baselines.pca_bits": _list_of(_int(1, 16)),
    # Posts 002, 003 (section V) and 004.
    "latent.grid": _int(2, 1000),
    "latent.samples": _int(1, 10_000),
    "latent.samples_per_row": _int(1, 100),
    "latent.jump_factor": _positive(),
    "digits.epochs": _int(1),
    "digits.batch_size": _int(1),
    "digits.optimizer": _choice(("sgd", "adam")),
    "digits.lr": _positive(),
    "digits.momentum": (lambda v: _is_number(v) and 0 <= v < 1, "a number in [0, 1)"),
    "digits.codes_dims": _DIMS,
    "digits.method": _choice(CLUSTER_METHODS),
    "digits.perplexity": _positive(),
    "lowdims.dims": _list_of(_DIMS),
    "lowdims.starts": _list_of(_choice(STARTS)),
    "lowdims.epochs": _int(1),
    "lowdims.batch_size": _int(1),
    "lowdims.lr": _positive(),
}


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name != "download.sha256":
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    """Check every key against SCHEMA and the split sizes against MNIST; return `params`.

    Raises ParamsError listing each offending key with its allowed range.
    """
    if not isinstance(params, dict):
        raise ParamsError("params.yaml must be a mapping of keys to values")
    flat = _flatten(params)
    problems = [f"{key}: unknown key (typo?)" for key in flat if key not in SCHEMA]
    for key, (ok, allowed) in SCHEMA.items():
        if key not in flat:
            problems.append(f"{key}: missing; must be {allowed}")
        elif not ok(flat[key]):
            problems.append(f"{key}: must be {allowed}, got {flat[key]!r}")
    if not problems:
        data = params["data"]
        total = data["classifier_size"] + data["autoencoder_size"]
        if total > MNIST_TRAIN_SIZE:
            problems.append(
                f"data.classifier_size + data.autoencoder_size: must be <= {MNIST_TRAIN_SIZE} "
                f"(the MNIST training set), got {total}"
            )
        n_val = validation_size(data["autoencoder_size"], data["val_fraction"])
        if not 0 < n_val < data["autoencoder_size"]:
            problems.append(
                "data.val_fraction: must leave at least one image on each side of the "
                f"train/validation split of data.autoencoder_size={data['autoencoder_size']}"
            )
        missing = [b for b in params["qat"]["bits"] if b not in params["sweep"]["bits"]]
        if missing:
            problems.append(
                f"qat.bits: {missing} must also be in sweep.bits, to compare with quantizing after training"
            )
        if params["digits"]["codes_dims"] not in params["sweep"]["dims"]:
            problems.append("digits.codes_dims: must be one of sweep.dims (the autoencoder whose codes are clustered)")
        search = params["search"]
        if len(search["epochs"]) != len(search["epoch_probs"]):
            problems.append("search.epoch_probs: must have one probability per entry of search.epochs")
    if problems:
        raise ParamsError("invalid params.yaml:\n  " + "\n  ".join(problems))
    return params


def validation_size(n: int, val_fraction: float) -> int:
    """How many of `n` autoencoder images the validation split holds."""
    return round(n * val_fraction)


def load_params(path: str | os.PathLike = "params.yaml") -> dict[str, Any]:
    """Read and validate params.yaml."""
    with open(path) as f:
        return validate_params(yaml.safe_load(f))


def parse_bits(value: int | str) -> int | None:
    """Map a bits value (from params or a command line) to the quantizer's: an int,
    or None for unquantized."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not is_valid_bits(value):
        raise ParamsError(f"bits: must be an integer in 1..32 or '{UNQUANTIZED}', got {value!r}")
    return None if value == UNQUANTIZED else int(value)
