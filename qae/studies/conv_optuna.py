"""The conv study's random search on Optuna, so several machines can work one search.

Opt-in: `stages/search.py` imports this module only when $QAE_SEARCH_STORAGE names
a storage (qae.runtime). It changes who runs the trials, never what they are or give:
- the trials are `sample_trials`'s, pre-drawn from the params and enqueued in order,
  each carrying its index; a worker reads them back through `trial.suggest_*` over the
  same priors, and trial i trains with seed `setup.seed + i` in a single-threaded
  process (`run_trial`, `worker_pool`), so a record never depends on the machine or
  worker that ran it, and the stage writes what the local pool would;
- the study's name hashes the priors, the setup and the trials: changed params start a
  new study, a rerun finds its own and runs only the trials not done yet;
- a trial that diverges or fails is recorded, as in the local pool: its record is kept
  in the trial's user attributes, which the stage collects in trial order.
Every machine runs the same stage command; each one enqueues what is missing, works
the queue with $QAE_WORKERS processes, waits for trials running elsewhere, and writes
the same outputs.

Not for sampling: Optuna's samplers never choose a trial here (the search is post
003's random search, drawn by `sample_trials`); the study is a shared work queue.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from qae.io import Progress
from qae.runtime import SEARCH_STORAGE_ENV
from qae.studies.conv import Priors, SearchSetup, run_trial, worker_pool

try:
    import optuna
    import sqlalchemy.exc
    from optuna.storages import BaseStorage, JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import FrozenTrial, Trial, TrialState
except ImportError as e:  # optuna is an optional dependency (the `scale` extra)
    raise ImportError(
        f"${SEARCH_STORAGE_ENV} is set, which runs the search on Optuna, but optuna is not installed: "
        "pip install 'qae[scale]', or unset it for the local pool"
    ) from e

INDEX, RECORD = "index", "record"  # user attributes: the trial's place in the search, its record
HEARTBEAT_S = 60  # RDB storages: a trial whose worker is silent for 2 beats is failed, then rerun
POLL_S = 2.0  # how often the stage looks at the study while trials run


def open_storage(spec: str) -> BaseStorage:
    """`spec` as an Optuna storage: a database URL (`sqlite:///search.db`,
    `postgresql://host/db`) or the path of a journal file (created if missing)."""
    if "://" in spec:
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" since optuna 2.9
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return RDBStorage(spec, heartbeat_interval=HEARTBEAT_S, grace_period=2 * HEARTBEAT_S)
        except (ImportError, ValueError, sqlalchemy.exc.SQLAlchemyError) as e:  # bad URL, no driver, no server
            raise ValueError(f"${SEARCH_STORAGE_ENV}={spec!r}: not a usable Optuna database: {e}") from e
    path = Path(spec)
    if path.is_dir() or not path.parent.is_dir():
        raise ValueError(
            f"${SEARCH_STORAGE_ENV}={spec!r}: expected a database URL (sqlite:///..., postgresql://...) "
            "or a journal file in an existing folder"
        )
    # Journal files: no heartbeat, so a trial whose machine died stays RUNNING (see README).
    return JournalStorage(JournalFileBackend(str(path)))


def study_name(priors: Priors, setup: SearchSetup, trials: list[dict[str, float]]) -> str:
    """The study of this search: a hash of everything its records depend on."""
    key = json.dumps({"priors": asdict(priors), "setup": asdict(setup), "trials": trials}, sort_keys=True)
    return f"conv-search-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _counts(trial: FrozenTrial) -> bool:
    """Whether `trial` runs, or ran, its index: waiting, running, or finished with a record
    (a failed trial without one is a stale trial of a dead worker, to be run again)."""
    return trial.state in (TrialState.WAITING, TrialState.RUNNING, TrialState.COMPLETE) or (
        trial.state == TrialState.FAIL and RECORD in trial.user_attrs
    )


def enqueue_missing(study: optuna.Study, trials: list[dict[str, float]]) -> int:
    """Enqueue each trial the study neither holds nor ran; how many."""
    held = {t.user_attrs.get(INDEX) for t in study.get_trials(deepcopy=False) if _counts(t)}
    missing = [i for i in range(len(trials)) if i not in held]
    for i in missing:
        study.enqueue_trial(trials[i], user_attrs={INDEX: i})
    return len(missing)


def collect(study: optuna.Study) -> dict[int, dict[str, Any]]:
    """The records the study holds, by trial index (the first, should one have run twice)."""
    records: dict[int, dict[str, Any]] = {}
    for t in study.get_trials(deepcopy=False):
        if RECORD in t.user_attrs:
            records.setdefault(t.user_attrs[INDEX], t.user_attrs[RECORD])
    return records


def _waiting(study: optuna.Study) -> bool:
    return bool(study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))


def _objective(trial: Trial, trials: list[dict[str, float]], priors: Priors, setup: SearchSetup) -> float:
    index = trial.user_attrs.get(INDEX)
    if index is None:  # the queue ran dry between this worker's look and its ask: not a trial of ours
        trial.study.stop()
        raise optuna.TrialPruned("no enqueued trial left")
    # Machines that enqueued at the same moment may have queued an index twice: the lower number runs it.
    if any(
        t.user_attrs.get(INDEX) == index and t.number < trial.number and t.state != TrialState.WAITING and _counts(t)
        for t in trial.study.get_trials(deepcopy=False)
    ):
        raise optuna.TrialPruned(f"trial {index} runs elsewhere")
    params = {
        name: trial.suggest_categorical(name, values)
        if kind == "choice"
        else trial.suggest_float(name, *values, log=kind == "log")
        for name, (kind, values) in priors.space().items()
    }
    if params != trials[index]:  # the study's name hashes the trials: only a lossy storage gets here
        raise RuntimeError(f"trial {index}: the study holds {params}, the params give {trials[index]}")
    record = run_trial(index, params, setup)
    trial.set_user_attr(RECORD, record)
    return record["val_loss"]  # nan for a failed trial: Optuna marks it FAIL, its record stays


def work(spec: str, name: str, trials: list[dict[str, float]], priors: Priors, setup: SearchSetup) -> None:
    """Run the study's enqueued trials, one at a time, until none is waiting: one worker."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the stage prints progress; not a line per trial
    study = optuna.load_study(study_name=name, storage=open_storage(spec))

    def stop_when_drained(study: optuna.Study, _: FrozenTrial) -> None:
        if not _waiting(study):
            study.stop()

    if _waiting(study):  # optimize always asks at least once: never ask an empty queue
        study.optimize(
            lambda trial: _objective(trial, trials, priors, setup), callbacks=[stop_when_drained], gc_after_trial=False
        )


def _work(args: tuple[str, str, list[dict[str, float]], Priors, SearchSetup]) -> None:
    work(*args)


def run_study(
    trials: list[dict[str, float]],
    priors: Priors,
    setup: SearchSetup,
    train: torch.Tensor,
    val: torch.Tensor,
    workers: int,
    spec: str,
) -> list[dict[str, Any]]:
    """Every trial's record, in trial order, from the study of this search in storage
    `spec`: this machine's `workers` processes (1: this one) run what is waiting, other
    machines may run the rest; the same records as `qae.studies.conv.run_search`."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the stage prints progress; not a line per trial
    storage = open_storage(spec)
    name = study_name(priors, setup, trials)
    study = optuna.create_study(storage=storage, study_name=name, direction="minimize", load_if_exists=True)
    heartbeat = isinstance(storage, RDBStorage)
    if heartbeat:
        _fail_stale_trials(study)
    enqueue_missing(study, trials)
    job = (spec, name, trials, priors, setup)
    with Progress(len(trials), "search", "trials") as bar, worker_pool(workers, train, val) as pool:
        if pool is None:
            work(*job)
            return _wait_for(study, len(trials), bar, None, heartbeat)
        result = pool.map_async(_work, [job] * workers)
        return _wait_for(study, len(trials), bar, result, heartbeat)


def _fail_stale_trials(study: optuna.Study) -> None:
    """Fail the trials whose worker stopped beating (a machine died): without a record,
    `enqueue_missing` enqueues them again on the next run."""
    with warnings.catch_warnings():  # "experimental" since optuna 2.9
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def _wait_for(study: optuna.Study, n: int, bar: Progress, result: Any, heartbeat: bool) -> list[dict[str, Any]]:
    """The `n` records, once this machine's workers (`result`, None: done) are done and
    the trials running on other machines have finished too."""
    told = False
    while True:
        records = collect(study)
        bar.update(len(records) - bar.done)
        local_done = result is None or result.ready()
        if local_done and result is not None:
            result.get()  # a worker's error ends the search here
        if local_done and len(records) == n:
            return [records[i] for i in range(n)]
        if not local_done:
            result.wait(POLL_S)  # back as soon as this machine's workers are done
            continue
        if heartbeat:
            _fail_stale_trials(study)
        busy = study.get_trials(deepcopy=False, states=(TrialState.WAITING, TrialState.RUNNING))
        if not busy:
            lost = [i for i in range(n) if i not in records]
            raise RuntimeError(f"trials {lost} ended without a record (a worker died?): rerun the stage to run them")
        if not told:
            print(
                f"search: waiting for trials {sorted(t.user_attrs.get(INDEX, -1) for t in busy)} elsewhere", flush=True
            )
            told = True
        time.sleep(POLL_S)
