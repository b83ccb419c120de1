"""Post 003: the convolutional autoencoder, searched, traded off, stressed and denoised.

- The random hyper-parameter search: trials drawn from the post's priors with a seeded
  generator, so the same params give the same trials; each trains on the autoencoder
  split less its validation rows and is scored by the validation MSE. A trial that
  diverges or fails is recorded, not fatal. Trials always run single-threaded, in a
  pool of worker processes (one per core, or per GPU): the model is too small for
  threads to help within one trial, and a trial's result then never depends on the
  number of workers or what runs beside it.
- The trade-off and denoising models train with the best trial's hyper-parameters.
- Robustness: test MSE and accuracy under gaussian noise and occlusion of increasing
  strength, the same seeded corruption for every model.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.pool import Pool
from typing import Any

import numpy as np
import torch

from qae.corrupt import Corruption, gaussian_noise, occlude
from qae.evaluate import Scorers, evaluate_corrupted, reconstruction_mse
from qae.io import Progress
from qae.models import Autoencoder, AutoencoderConfig
from qae.runtime import DEVICE_ENV
from qae.train import TrainConfig, train_autoencoder

HPARAMS = ("lr", "weight_decay", "dropout", "epochs")
CORRUPTIONS = ("noise", "occlusion", "both")  # what a denoising autoencoder's inputs get
STARTS = ("plain", "scratch")  # denoising: fine-tune the plain model, or train from scratch (the post)


@dataclass(frozen=True)
class Priors:
    """Where each hyper-parameter is drawn from (post 003)."""

    lr: tuple[float, float]  # log-uniform
    weight_decay: tuple[float, float]  # log-uniform
    dropout: tuple[float, float]  # uniform
    epochs: tuple[int, ...]  # choices ...
    epoch_probs: tuple[float, ...]  # ... with these probabilities

    @classmethod
    def from_params(cls, search: dict[str, Any]) -> Priors:
        """The priors params' `conv.search` section describes."""
        return cls(*(tuple(search[k]) for k in ("lr", "weight_decay", "dropout", "epochs", "epoch_probs")))

    def space(self) -> dict[str, tuple[str, tuple]]:
        """Each hyper-parameter, in drawing order: its kind ("log": log-uniform in
        [low, high], "uniform", "choice": one of the values) and its range or values."""
        return {
            "lr": ("log", self.lr),
            "weight_decay": ("log", self.weight_decay),
            "dropout": ("uniform", self.dropout),
            "epochs": ("choice", self.epochs),
        }


def sample_trials(priors: Priors, n: int, seed: int) -> list[dict[str, float]]:
    """`n` hyper-parameter settings drawn independently from `priors`."""
    rng = random.Random(seed)

    def draw(kind: str, values: tuple) -> float:
        if kind == "log":
            return math.exp(rng.uniform(math.log(values[0]), math.log(values[1])))
        if kind == "uniform":
            return rng.uniform(*values)
        return rng.choices(values, weights=priors.epoch_probs)[0]

    return [{name: draw(kind, values) for name, (kind, values) in priors.space().items()} for _ in range(n)]


def scaled_epochs(epochs: int, scale: float) -> int:
    """Epochs actually run for a sampled `epochs`: scaled to the machine's budget, >= 1."""
    return max(1, round(epochs * scale))


@dataclass(frozen=True)
class SearchSetup:
    """What every trial shares."""

    dims: int
    batch_size: int
    epochs_scale: float
    seed: int
    arch: str = "conv"  # post 003's model, loss and optimizer (params conv.arch, conv.loss, conv.optimizer)
    loss: str = "mse"
    optimizer: str = "adamax"


_DATA: dict[str, torch.Tensor] = {}  # each worker's copy of the train/validation images


def init_worker(train: torch.Tensor, val: torch.Tensor, counter: Any, gpus: int) -> None:
    """Make this process a trial worker: single-threaded, holding the search's images,
    on its share of the GPUs."""
    torch.set_num_threads(1)
    _DATA.update(train=train, val=val)
    if gpus:  # spread the workers over the GPUs
        with counter.get_lock():
            index, counter.value = counter.value, counter.value + 1
        os.environ[DEVICE_ENV] = f"cuda:{index % gpus}"


def run_trial(index: int, trial: dict[str, float], setup: SearchSetup) -> dict[str, Any]:
    """Train one conv autoencoder with `trial`'s hyper-parameters; its record."""
    record: dict[str, Any] = {"trial": index, **trial, "epochs_run": scaled_epochs(trial["epochs"], setup.epochs_scale)}
    try:
        config = AutoencoderConfig(setup.arch, setup.dims, dropout=trial["dropout"])
        train = TrainConfig(
            record["epochs_run"], setup.batch_size, trial["lr"], setup.loss, setup.optimizer, trial["weight_decay"]
        )
        model, _ = train_autoencoder(config, _DATA["train"], train, setup.seed + index, progress=False)
        val_loss = reconstruction_mse(model, _DATA["val"])
        status = "ok" if math.isfinite(val_loss) else "diverged"
    except Exception as err:  # a failed trial is a result to record, not a reason to stop the search
        val_loss, status = float("nan"), f"failed: {type(err).__name__}: {err}"
    return {**record, "val_loss": val_loss, "status": status}


def _run(args: tuple[int, dict[str, float], SearchSetup]) -> dict[str, Any]:
    return run_trial(*args)


@contextmanager
def worker_pool(workers: int, train: torch.Tensor, val: torch.Tensor) -> Iterator[Pool | None]:
    """Where trials run: a pool of `workers` single-threaded processes, or for 1, this
    process (None), made single-threaded while the pool is open."""
    if workers == 1:
        threads = torch.get_num_threads()
        init_worker(train, val, multiprocessing.Value("i", 0), 0)
        try:
            yield None
        finally:
            torch.set_num_threads(threads)
        return
    # spawn, not fork: a forked copy of an initialized torch runtime can deadlock.
    context = multiprocessing.get_context("spawn")
    init = (train, val, context.Value("i", 0), torch.cuda.device_count())
    with context.Pool(workers, init_worker, init) as pool:
        yield pool


def run_search(
    trials: list[dict[str, float]], setup: SearchSetup, train: torch.Tensor, val: torch.Tensor, workers: int
) -> list[dict[str, Any]]:
    """Every trial's record, in trial order; `workers` processes (1: in this one)."""
    jobs = [(i, t, setup) for i, t in enumerate(trials)]
    results: list[dict[str, Any]] = []
    with Progress(len(jobs), "search", "trials") as bar, worker_pool(workers, train, val) as pool:
        for record in map(_run, jobs) if pool is None else pool.imap_unordered(_run, jobs):
            results.append(record)
            bar.update(best=min((r["val_loss"] for r in results if r["status"] == "ok"), default=math.nan))
    return sorted(results, key=lambda r: r["trial"])


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 of `values`, ties sharing their mean rank (as Spearman's rho takes them)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + ends - 1) / 2)[inverse]


def spearman(x: list[float], y: list[float]) -> float | None:
    """Spearman's rank correlation of `x` and `y`; None where either never varies."""
    rx, ry = _ranks(np.asarray(x, dtype=float)), _ranks(np.asarray(y, dtype=float))
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


BOOTSTRAP = 2000  # resamples of the trials for a correlation's interval
BOOTSTRAP_SEED = 0  # fixed: the interval is a function of the trials alone


def spearman_interval(x: list[float], y: list[float], resamples: int = BOOTSTRAP) -> tuple[float, float] | None:
    """The 95% bootstrap interval of Spearman's rho over pairs (x, y): the trials resampled
    with replacement (percentile method); None where it is undefined in most resamples."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rhos = []
    for _ in range(resamples):
        pick = rng.integers(0, len(x), len(x))
        rho = spearman(x[pick], y[pick])
        if rho is not None:
            rhos.append(rho)
    if len(rhos) < resamples / 2:
        return None
    low, high = np.percentile(rhos, [2.5, 97.5])
    return float(low), float(high)


def search_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The search in numbers: the best validation loss, how many trials failed, and the
    Spearman rank correlation of the validation loss with each hyper-parameter with its
    95% bootstrap interval over the trials (post 003 finds the loss rising with L2 and flat
    in the others; None where a parameter never varied)."""
    ok = [r for r in records if r["status"] == "ok"]
    losses = [r["val_loss"] for r in ok]
    rho = {h: spearman([r[h] for r in ok], losses) for h in HPARAMS}
    interval = {h: spearman_interval([r[h] for r in ok], losses) for h in HPARAMS}
    return {
        "best_val_loss": round(min(losses), 6),
        "trials": len(records),
        "failed": len(records) - len(ok),
        "spearman": {h: None if v is None else round(v, 3) for h, v in rho.items()},
        "spearman_interval": {h: None if v is None else [round(v[0], 3), round(v[1], 3)] for h, v in interval.items()},
    }


def robustness_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per training (plain, denoising), the mean over dims of the test MSE on clean
    images and under the strongest noise and occlusion: what denoising training buys."""
    strongest = {kind: max(r["level"] for r in records if r["corruption"] == kind) for kind in ("noise", "occlusion")}

    def mean_mse(training: str, kind: str, level: float) -> float:
        mse = [r["mse"] for r in records if (r["training"], r["corruption"], r["level"]) == (training, kind, level)]
        return round(float(np.mean(mse)), 6)

    trainings = list(dict.fromkeys(r["training"] for r in records))
    return {
        t: {
            "clean_mse": mean_mse(t, "noise", 0),
            "noise_mse": mean_mse(t, "noise", strongest["noise"]),
            "occlusion_mse": mean_mse(t, "occlusion", strongest["occlusion"]),
        }
        for t in trainings
    }


def best_trial(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The successful trial with the lowest validation loss."""
    ok = [r for r in records if r["status"] == "ok"]
    if not ok:
        raise RuntimeError(f"all {len(records)} trials failed; first: {records[0]['status']}")
    return min(ok, key=lambda r: r["val_loss"])


def training_corruption(kind: str, std: float, size: int) -> Corruption:
    """The corruption a denoising autoencoder trains on: noise, occlusion, or both."""

    def corrupt(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if kind in ("occlusion", "both"):
            x = occlude(x, size, generator)
        if kind in ("noise", "both"):
            x = gaussian_noise(x, std, generator)
        return x

    return corrupt


def robustness_levels(noise_std: list[float], patch: list[int]) -> list[tuple[str, float]]:
    """(kind, level) pairs of the robustness sweep: each noise std, then each patch side."""
    return [("noise", s) for s in noise_std] + [("occlusion", p) for p in patch]


def robustness_corruption(kind: str, level: float) -> Corruption:
    """The corruption of one robustness level."""
    if kind == "noise":
        return lambda x, g: gaussian_noise(x, level, g)
    return lambda x, g: occlude(x, int(level), g)


def robustness_scores(
    model: Autoencoder,
    scorers: Scorers,
    images: torch.Tensor,
    labels: torch.Tensor,
    noise_std: list[float],
    patch: list[int],
    seed: int,
) -> list[dict[str, Any]]:
    """The model's MSE and accuracy at each robustness level, one record per (kind, level).
    Level 0 of either kind is the clean test set: scored once."""
    scored: dict[tuple[str, float], dict[str, float]] = {}
    records = []
    for kind, level in robustness_levels(noise_std, patch):
        key = ("clean", 0) if level == 0 else (kind, level)
        if key not in scored:
            corrupt = robustness_corruption(kind, level)
            scored[key] = evaluate_corrupted(model, scorers, images, labels, corrupt, seed)
        records.append({"corruption": kind, "level": level, **scored[key]})
    return records


# Post 003's best trial (of about 180), the search's reference.
POST_003_BEST = {"lr": 0.013, "weight_decay": 1e-4, "dropout": 0.022, "epochs": 40}
