"""Load and validate params.yaml, the single source of every number that changes a result.

Every stage validates the whole file before it does any work, so a bad value set with
`dvc exp run -S key=value` fails at once, naming the key and what it allows, instead
of after an hour of training. Validation changes no number, which is why dvc.yaml does
not list this module among the stages' deps. The allowed words (architectures, losses,
...) belong to the modules that use them; this module only imports them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import yaml

from qae.architectures import ARCHITECTURES
from qae.cluster import CLUSTER_METHODS
from qae.errors import UserError
from qae.images import TRAINING_IMAGES
from qae.mnist import MNIST_TRAIN_SIZE, validation_size
from qae.models import CLASSIFIERS, RECIPES
from qae.quantize import UNQUANTIZED, is_valid_bits
from qae.studies.conv import CORRUPTIONS, STARTS
from qae.studies.digits import SOFTMAX_OPTIMIZERS, SOFTMAX_RECIPES
from qae.studies.lowdims import STARTS as LOWDIMS_STARTS
from qae.studies.vq import QUANTIZERS as VQ_QUANTIZERS
from qae.train import LOSSES, OPTIMIZERS, SCHEDULES

Check = tuple[Callable[[Any], bool], str]


class ParamsError(UserError, ValueError):
    """A params.yaml value is missing, unknown or out of range."""


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _int(lo: int, hi: int | None = None) -> Check:
    allowed = f"an integer >= {lo}" if hi is None else f"an integer in {lo}..{hi}"
    return (lambda v: _is_int(v) and v >= lo and (hi is None or v <= hi)), allowed


def _positive() -> Check:
    return (lambda v: _is_number(v) and v > 0), "a number > 0"


def _non_negative() -> Check:
    return (lambda v: _is_number(v) and v >= 0), "a number >= 0"


def _bounded(hi: float) -> Check:
    return (lambda v: _is_number(v) and 0 <= v <= hi), f"a number in [0, {hi}]"


def _below_one() -> Check:
    return (lambda v: _is_number(v) and 0 <= v < 1), "a number in [0, 1)"


def _fraction() -> Check:
    return (lambda v: _is_number(v) and 0 < v < 1), "a number strictly between 0 and 1"


def _range(log: bool, hi: float | None = None) -> Check:
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


def _choice(options: tuple[str, ...] | list[str]) -> Check:
    return (lambda v: v in options), "one of " + ", ".join(options)


def _bool() -> Check:
    return (lambda v: isinstance(v, bool)), "true or false"


def _list_of(check: Check, empty: bool = False) -> Check:
    ok, allowed = check
    return (
        lambda v: isinstance(v, list) and (empty or len(v) > 0) and len(set(map(str, v))) == len(v) and all(map(ok, v)),
        f"a {'' if empty else 'non-empty '}list without repeats, each {allowed}",
    )


def _str_list() -> Check:
    return (lambda v: isinstance(v, list) and all(isinstance(s, str) and s for s in v)), "a list of strings"


def _sha256_map() -> Check:
    def ok(v: Any) -> bool:
        return (
            isinstance(v, dict)
            and len(v) == 4
            and all(isinstance(h, str) and len(h) == 64 and all(c in "0123456789abcdef" for c in h) for h in v.values())
        )

    return ok, "a mapping of the four IDX file names to 64-digit lowercase hex SHA-256 digests"


def _probabilities() -> Check:
    return (
        lambda v: isinstance(v, list) and all(_is_number(p) and p >= 0 for p in v) and abs(sum(v) - 1) < 1e-6,
        "a list of probabilities >= 0 summing to 1",
    )


_BITS = (is_valid_bits, f"an integer in 1..32 or '{UNQUANTIZED}'")
_DIMS = _int(1, 784)
_ARCH = _choice(tuple(a for a in ARCHITECTURES if a not in ("mlp", "softmax")))  # those two are the posts' own

# Every key params.yaml may hold, with what it allows.
SCHEMA: dict[str, Check] = {
    "seed": _int(0, 2**31 - 1),
    "replicates": _list_of(_int(0, 2**31 - 1), empty=True),
    "dims": _DIMS,
    "bits": _BITS,
    "download.mirrors": _str_list(),
    "download.timeout_s": _positive(),
    "download.sha256": _sha256_map(),
    "split.classifier_size": _int(1, MNIST_TRAIN_SIZE),
    "split.autoencoder_size": _int(1, MNIST_TRAIN_SIZE),
    "split.val_fraction": _fraction(),
    "classifier.epochs": _int(1),
    "classifier.batch_size": _int(1),
    "classifier.lr": _positive(),
    "classifier.max_shift": _int(0, 14),
    "second_classifier.arch": _choice(tuple(CLASSIFIERS)),
    "second_classifier.epochs": _int(1),
    "second_classifier.batch_size": _int(1),
    "second_classifier.lr": _positive(),
    "second_classifier.max_shift": _int(0, 14),
    "sweep.dims": _list_of(_DIMS),
    "sweep.bits": _list_of(_BITS),
    "sweep.arch": _ARCH,
    "sweep.recipe": _choice(RECIPES),
    "sweep.epochs": _int(1),
    "sweep.batch_size": _int(1),
    "sweep.lr": _positive(),
    "sweep.schedule": _choice(SCHEDULES),
    "sweep.loss": _choice(LOSSES),
    "sweep.optimizer": _choice(OPTIMIZERS),
    "sweep.weight_decay": _non_negative(),
    "sweep.dropout": _below_one(),
    "sweep.grid_digits": _int(1, 100),
    "sweep.faithful.dims": _list_of(_DIMS),
    "sweep.faithful.epochs": _int(1),
    "sweep.faithful.lr": _positive(),
    "codec.smoothing": _positive(),
    "codec.table_bits": _int(1, 16),
    "codec.search.candidates": _int(0, 256),
    "codec.search.rounds": _int(1, 1000),
    "conv.arch": _ARCH,
    "conv.loss": _choice(LOSSES),
    "conv.optimizer": _choice(OPTIMIZERS),
    "conv.batch_size": _int(1),
    "conv.search.trials": _int(1),
    "conv.search.dims": _DIMS,
    "conv.search.epochs_scale": _positive(),
    "conv.search.lr": _range(log=True),
    "conv.search.weight_decay": _range(log=True),
    "conv.search.dropout": _range(log=False, hi=1.0),
    "conv.search.epochs": _list_of(_int(1)),
    "conv.search.epoch_probs": _probabilities(),
    "conv.tradeoff.dims": _list_of(_DIMS),
    "conv.tradeoff.epochs_scale": _positive(),
    "conv.robustness.noise_std": _list_of(_non_negative()),
    "conv.robustness.patch": _list_of(_int(0, 28)),
    "conv.denoising.corruption": _choice(CORRUPTIONS),
    "conv.denoising.noise_std": _non_negative(),
    "conv.denoising.patch": _int(0, 28),
    "conv.denoising.start": _choice(STARTS),
    "conv.denoising.lr_scale": _positive(),
    "conv.denoising.epochs_scale": _positive(),
    "latent.dims": _int(2, 2),
    "latent.grid": _int(2, 1000),
    "latent.samples": _int(1, 10_000),
    "latent.samples_per_row": _int(1, 100),
    "latent.jump_factor": _positive(),
    "digits.recipe": _choice(SOFTMAX_RECIPES),
    "digits.epochs": _int(1),
    "digits.batch_size": _int(1),
    "digits.optimizer": _choice(SOFTMAX_OPTIMIZERS),
    "digits.lr": _positive(),
    "digits.momentum": _below_one(),
    "digits.codes_dims": _DIMS,
    "digits.method": _choice(CLUSTER_METHODS),
    "digits.perplexity": _positive(),
    "lowdims.dims": _list_of(_DIMS),
    "lowdims.starts": _list_of(_choice(LOWDIMS_STARTS)),
    "lowdims.epochs": _int(1),
    "lowdims.batch_size": _int(1),
    "lowdims.lr": _positive(),
    "qat.bits": _list_of(_int(1, 16)),
    "qat.noise": _bool(),
    "compressor.arch": _ARCH,
    "compressor.dims": _list_of(_DIMS),
    "compressor.bits": _list_of(_int(1, 16)),
    "compressor.epochs": _int(1),
    "compressor.batch_size": _int(1),
    "compressor.lr": _positive(),
    "compressor.schedule": _choice(SCHEDULES),
    "compressor.loss": _choice(LOSSES),
    "compressor.optimizer": _choice(OPTIMIZERS),
    "compressor.weight_decay": _non_negative(),
    "compressor.rd.arch": _ARCH,
    "compressor.rd.dims": _DIMS,
    "compressor.rd.code_bits": _int(2, 16),
    "compressor.rd.rate_weights": _list_of(_positive()),
    "compressor.rd.epochs": _int(1),
    "compressor.rd.batch_size": _int(1),
    "compressor.rd.lr": _positive(),
    "compressor.rd.loss": _choice(LOSSES),
    "compressor.rd.optimizer": _choice(OPTIMIZERS),
    "compressor.rd.weight_decay": _non_negative(),
    "compressor.rd.images": _choice(TRAINING_IMAGES),
    "compressor.rd.schedule": _choice(SCHEDULES),
    "compressor.rd.augment.degrees": _bounded(45),
    "compressor.rd.augment.scale": _bounded(0.5),
    "compressor.rd.augment.shift": _bounded(8),
    "vq.quantizers": _list_of(_choice(VQ_QUANTIZERS)),
    "vq.arch": _ARCH,
    "vq.width": _DIMS,
    "vq.commitment": _non_negative(),
    "vq.vqvae.codebook_size": _int(2, 2**16),
    "vq.vqvae.dead_code_threshold": _non_negative(),
    "vq.rvq.codebooks": _int(1, 16),
    "vq.rvq.codebook_size": _int(2, 2**16),
    "vq.rvq.dead_code_threshold": _non_negative(),
    "vq.fsq.groups": _int(1, 16),
    "vq.fsq.levels": (
        lambda v: isinstance(v, list) and 0 < len(v) <= 8 and all(_is_int(x) and 2 <= x <= 64 for x in v),
        "a list of 1..8 integers in 2..64",
    ),
    "vq.epochs": _int(1),
    "vq.batch_size": _int(1),
    "vq.lr": _positive(),
    "vq.schedule": _choice(SCHEDULES),
    "vq.loss": _choice(LOSSES),
    "vq.optimizer": _choice(OPTIMIZERS),
    "vq.weight_decay": _non_negative(),
    "vq.images": _choice(TRAINING_IMAGES),
    "semantic.images": _int(2, MNIST_TRAIN_SIZE),
    "semantic.clusters": _int(2, 256),
    "semantic.perplexity": _positive(),
    "semantic.epochs": _int(1),
    "semantic.relabel_rounds": _int(0, 10),
    "semantic.relabel_epochs": _int(1),
    "semantic.batch_size": _int(1),
    "semantic.lr": _positive(),
    "semantic.augment.degrees": _bounded(45),
    "semantic.augment.scale": _bounded(0.5),
    "semantic.augment.shift": _bounded(8),
    "semantic.refine_bits": _list_of(_int(0, 16)),
    "semantic.kmeans_iterations": _int(1, 100),
    "feature_rd.feature_weights": _list_of(_bounded(1000)),
    "feature_rd.budget_bits": _positive(),
    "feature_rd.validation_images": _int(1, MNIST_TRAIN_SIZE),
    "baselines.jpeg_quality": _list_of(_int(0, 100)),
    "baselines.webp_quality": _list_of(_int(0, 100)),
    "baselines.pca_k": _list_of(_int(1, 784)),
    "baselines.pca_bits": _list_of(_int(1, 16)),
    "baselines.kmeans_k": _list_of(_int(2, 30000)),  # at most the training images it starts from
    "baselines.kmeans_iterations": _int(1, 100),
    "baselines.kmeans_tolerance": _below_one(),
}
OPAQUE = ("download.sha256",)  # mappings validated whole, not key by key


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name not in OPAQUE:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _cross_checks(params: dict[str, Any]) -> list[str]:
    """Constraints between keys, checked once every key is valid on its own."""
    problems = []
    split = params["split"]
    total = split["classifier_size"] + split["autoencoder_size"]
    if total > MNIST_TRAIN_SIZE:
        problems.append(
            f"split.classifier_size + split.autoencoder_size: must be <= {MNIST_TRAIN_SIZE} "
            f"(the MNIST training set), got {total}"
        )
    if not 0 < validation_size(split["autoencoder_size"], split["val_fraction"]) < split["autoencoder_size"]:
        problems.append(
            "split.val_fraction: must leave at least one image on each side of the "
            f"train/validation split of split.autoencoder_size={split['autoencoder_size']}"
        )
    missing = [b for b in params["qat"]["bits"] if b not in params["sweep"]["bits"]]
    if missing:
        problems.append(f"qat.bits: {missing} must also be in sweep.bits, to compare with quantizing after training")
    if params["digits"]["codes_dims"] not in params["sweep"]["dims"]:
        problems.append("digits.codes_dims: must be one of sweep.dims (the autoencoder whose codes are clustered)")
    if params["latent"]["dims"] not in params["conv"]["tradeoff"]["dims"]:
        problems.append("latent.dims: must be one of conv.tradeoff.dims (the conv autoencoder whose codes it maps)")
    semantic = params["semantic"]
    if not semantic["clusters"] <= semantic["images"] <= total:
        problems.append(
            f"semantic.images: must lie in semantic.clusters ({semantic['clusters']})..the training images "
            f"split.classifier_size + split.autoencoder_size ({total}), got {semantic['images']}"
        )
    if params["seed"] in params["replicates"]:
        problems.append(f"replicates: must not repeat seed ({params['seed']}): they are the seeds beside it")
    search = params["conv"]["search"]
    if len(search["epochs"]) != len(search["epoch_probs"]):
        problems.append("conv.search.epoch_probs: must have one probability per entry of conv.search.epochs")
    return problems


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    """Check every key against SCHEMA, then the constraints between keys; return `params`.

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
        problems = _cross_checks(params)
    if problems:
        raise ParamsError("invalid params.yaml:\n  " + "\n  ".join(problems))
    return params


def load_params(path: str | os.PathLike = "params.yaml") -> dict[str, Any]:
    """Read and validate params.yaml."""
    with open(path) as f:
        return validate_params(yaml.safe_load(f))
