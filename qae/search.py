"""Post 003's random hyper-parameter search for the convolutional autoencoder.

Trials are drawn from priors with a seeded generator, so the same params give the
same trials; each trains on the autoencoder split less its validation rows and is
scored by the validation MSE. A trial that diverges or fails is recorded, not fatal.
Trials run in a pool of single-threaded worker processes, one per core: the model
is too small for threads to help within one trial, and processes keep every trial's
arithmetic (and so its result) independent of what runs beside it.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import time
from dataclasses import dataclass
from typing import Any

import torch
from tqdm import tqdm

from qae.evaluate import reconstruction_mse
from qae.models import AutoencoderConfig
from qae.train import TrainConfig, train_autoencoder

HPARAMS = ("lr", "weight_decay", "dropout", "epochs")


@dataclass(frozen=True)
class Priors:
    """Where each hyper-parameter is drawn from (post 003)."""

    lr: tuple[float, float]  # log-uniform
    weight_decay: tuple[float, float]  # log-uniform
    dropout: tuple[float, float]  # uniform
    epochs: tuple[int, ...]  # choices ...
    epoch_probs: tuple[float, ...]  # ... with these probabilities


def sample_trials(priors: Priors, n: int, seed: int) -> list[dict[str, float]]:
    """`n` hyper-parameter settings drawn independently from `priors`."""
    rng = random.Random(seed)

    def log_uniform(lo: float, hi: float) -> float:
        return math.exp(rng.uniform(math.log(lo), math.log(hi)))

    return [
        {
            "lr": log_uniform(*priors.lr),
            "weight_decay": log_uniform(*priors.weight_decay),
            "dropout": rng.uniform(*priors.dropout),
            "epochs": rng.choices(priors.epochs, weights=priors.epoch_probs)[0],
        }
        for _ in range(n)
    ]


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


_DATA: dict[str, torch.Tensor] = {}  # each worker's copy of the train/validation images


def _init_worker(train: torch.Tensor, val: torch.Tensor, threads: int) -> None:
    torch.set_num_threads(threads)
    _DATA.update(train=train, val=val)


def run_trial(index: int, trial: dict[str, float], setup: SearchSetup) -> dict[str, Any]:
    """Train one conv autoencoder with `trial`'s hyper-parameters; its record."""
    start = time.perf_counter()
    record: dict[str, Any] = {"trial": index, **trial, "epochs_run": scaled_epochs(trial["epochs"], setup.epochs_scale)}
    try:
        config = AutoencoderConfig("conv", setup.dims, "corrected", trial["dropout"])
        train = TrainConfig(record["epochs_run"], setup.batch_size, trial["lr"], "mse", "adamax", trial["weight_decay"])
        model, _ = train_autoencoder(config, _DATA["train"], train, setup.seed + index, progress=False)
        val_loss = reconstruction_mse(model, _DATA["val"])
        status = "ok" if math.isfinite(val_loss) else "diverged"
    except Exception as err:  # a failed trial is a result to record, not a reason to stop the search
        val_loss, status = float("nan"), f"failed: {type(err).__name__}: {err}"
    return {**record, "val_loss": val_loss, "status": status, "seconds": round(time.perf_counter() - start, 2)}


def _run(args: tuple[int, dict[str, float], SearchSetup]) -> dict[str, Any]:
    return run_trial(*args)


def run_search(
    trials: list[dict[str, float]], setup: SearchSetup, train: torch.Tensor, val: torch.Tensor, workers: int
) -> list[dict[str, Any]]:
    """Every trial's record, in trial order; `workers` single-threaded processes (1: inline)."""
    jobs = [(i, t, setup) for i, t in enumerate(trials)]
    bar = tqdm(total=len(jobs), desc="search", unit="trial")
    if workers == 1:
        _init_worker(train, val, torch.get_num_threads())
        results = []
        for job in jobs:
            results.append(_run(job))
            bar.update()
    else:
        # spawn, not fork: a forked copy of an initialized torch runtime can deadlock.
        with multiprocessing.get_context("spawn").Pool(workers, _init_worker, (train, val, 1)) as pool:
            results = []
            for record in pool.imap_unordered(_run, jobs):
                results.append(record)
                bar.update()
        results.sort(key=lambda r: r["trial"])
    bar.close()
    return results


def best_trial(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The successful trial with the lowest validation loss."""
    ok = [r for r in records if r["status"] == "ok"]
    if not ok:
        raise RuntimeError(f"all {len(records)} trials failed; first: {records[0]['status']}")
    return min(ok, key=lambda r: r["val_loss"])
