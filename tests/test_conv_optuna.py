"""The conv search on Optuna ($QAE_SEARCH_STORAGE) gives the local pool's records,
whichever worker or machine runs a trial, and never runs a trial twice.

The PostgreSQL test needs a server: $QAE_TEST_POSTGRES names its URL (`.ci/postgres
start DIR` starts a throwaway one and prints it); without it, the test skips."""

import contextlib
import json
import multiprocessing
import os

import pytest
import torch

from qae.runtime import SEARCH_STORAGE_ENV, search_storage
from qae.studies.conv import SearchSetup, init_worker, run_search, sample_trials
from tests.test_conv import PRIORS

optuna = pytest.importorskip("optuna")
conv_optuna = pytest.importorskip("qae.studies.conv_optuna")

POSTGRES_ENV = "QAE_TEST_POSTGRES"  # a PostgreSQL server's URL, e.g. postgresql://qae:qae@/qae?host=/tmp/pg
SETUP = SearchSetup(4, 32, 0.05, 0)  # 1 epoch of 64 images per trial
DIVERGING = {"lr": 1e30, "weight_decay": 1e-4, "dropout": 0.0, "epochs": 10}  # recorded, not fatal
pytestmark = pytest.mark.filterwarnings("ignore:Fixed parameter lr:UserWarning")  # DIVERGING's lr is off the priors


@pytest.fixture
def images():
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (96, 28, 28), dtype=torch.uint8, generator=g)


@pytest.fixture
def trials():
    return [*sample_trials(PRIORS, 2, seed=0), DIVERGING]


@pytest.fixture(autouse=True)
def restore_threads():
    threads = torch.get_num_threads()  # a search run in this process makes it single-threaded
    yield
    torch.set_num_threads(threads)


def as_json(records):
    """The records as trials.json holds them (NaN == NaN there)."""
    return json.dumps(records)


def test_a_journal_study_gives_the_local_pools_records(images, trials, tmp_path):
    local = run_search(trials, SETUP, images[:64], images[64:], workers=1)
    shared = conv_optuna.run_study(trials, PRIORS, SETUP, images[:64], images[64:], 1, str(tmp_path / "s.log"))
    assert as_json(shared) == as_json(local)
    assert shared[2]["status"] != "ok"


def test_two_workers_split_the_trials_and_the_records_come_complete_in_order(images, trials, tmp_path):
    spec = str(tmp_path / "s.db")
    spec = f"sqlite:///{spec}"
    # Another machine creates the study and runs its first trial ...
    study = optuna.create_study(
        storage=conv_optuna.open_storage(spec), study_name=conv_optuna.study_name(PRIORS, SETUP, trials)
    )
    conv_optuna.enqueue_missing(study, trials)
    init_worker(images[:64], images[64:], multiprocessing.Value("i", 0), 0)
    study.optimize(lambda t: conv_optuna._objective(t, trials, PRIORS, SETUP), n_trials=1)
    # ... and this one runs the rest.
    records = conv_optuna.run_study(trials, PRIORS, SETUP, images[:64], images[64:], 1, spec)
    assert [r["trial"] for r in records] == [0, 1, 2]
    ran = [t.user_attrs["index"] for t in study.get_trials() if "record" in t.user_attrs]
    assert sorted(ran) == [0, 1, 2]  # each once
    local = run_search(trials, SETUP, images[:64], images[64:], workers=1)
    assert as_json(records) == as_json(local)


def test_a_rerun_against_a_finished_study_runs_no_trial(images, trials, tmp_path, monkeypatch):
    spec = str(tmp_path / "s.log")
    first = conv_optuna.run_study(trials, PRIORS, SETUP, images[:64], images[64:], 1, spec)

    def fail(*args):
        raise AssertionError("a finished trial ran again")

    monkeypatch.setattr(conv_optuna, "run_trial", fail)
    again = conv_optuna.run_study(trials, PRIORS, SETUP, images[:64], images[64:], 1, spec)
    assert as_json(again) == as_json(first)


def test_changed_trials_make_a_new_study(trials):
    assert conv_optuna.study_name(PRIORS, SETUP, trials) != conv_optuna.study_name(PRIORS, SETUP, trials[:2])
    assert conv_optuna.study_name(PRIORS, SETUP, trials) == conv_optuna.study_name(PRIORS, SETUP, list(trials))


@pytest.mark.parametrize("spec", ["nosuchdialect://x", "/no/such/folder/s.log", "."])
def test_an_unusable_storage_names_the_environment_variable(spec):
    with pytest.raises(ValueError, match=SEARCH_STORAGE_ENV):
        conv_optuna.open_storage(spec)


def test_the_local_pool_is_the_default(monkeypatch):
    monkeypatch.delenv(SEARCH_STORAGE_ENV, raising=False)
    assert search_storage() is None
    monkeypatch.setenv(SEARCH_STORAGE_ENV, " ")
    assert search_storage() is None
    monkeypatch.setenv(SEARCH_STORAGE_ENV, "sqlite:///search.db")
    assert search_storage() == "sqlite:///search.db"


def test_two_worker_processes_give_the_records_of_one(images, trials, tmp_path):
    spec = str(tmp_path / "s.log")
    pooled = conv_optuna.run_study(trials, PRIORS, SETUP, images[:64], images[64:], 2, spec)
    local = run_search(trials, SETUP, images[:64], images[64:], workers=1)
    assert as_json(pooled) == as_json(local)
    study = optuna.load_study(
        study_name=conv_optuna.study_name(PRIORS, SETUP, trials), storage=conv_optuna.open_storage(spec)
    )
    assert sorted(t.user_attrs["index"] for t in study.get_trials() if "record" in t.user_attrs) == [0, 1, 2]


@pytest.fixture
def postgres(trials) -> str:
    """The URL of a PostgreSQL server holding no study of this search (yet); skips without one."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        pytest.skip(f"no PostgreSQL server: ${POSTGRES_ENV} names none (.ci/postgres starts one)")
    try:
        storage = conv_optuna.open_storage(url)
    except ValueError as e:  # a missing driver fails the test: the `scale` extra brings it
        if type(e.__cause__).__name__ != "OperationalError":
            raise
        pytest.skip(f"no PostgreSQL server answers at ${POSTGRES_ENV}={url}: {str(e.__cause__).splitlines()[0]}")
    with contextlib.suppress(KeyError):  # a study an earlier run of this test left
        optuna.delete_study(study_name=conv_optuna.study_name(PRIORS, SETUP, trials), storage=storage)
    return url


def test_machines_sharing_a_postgresql_study_give_the_local_pools_records(images, trials, postgres):
    # Another machine creates the study and runs its first trial ...
    study = optuna.create_study(
        storage=conv_optuna.open_storage(postgres), study_name=conv_optuna.study_name(PRIORS, SETUP, trials)
    )
    conv_optuna.enqueue_missing(study, trials)
    init_worker(images[:64], images[64:], multiprocessing.Value("i", 0), 0)
    study.optimize(lambda t: conv_optuna._objective(t, trials, PRIORS, SETUP), n_trials=1)
    # ... and this one's two worker processes run the rest.
    records = conv_optuna.run_study(trials, PRIORS, SETUP, images[:64], images[64:], 2, postgres)
    assert as_json(records) == as_json(run_search(trials, SETUP, images[:64], images[64:], workers=1))
    assert sorted(t.user_attrs["index"] for t in study.get_trials() if "record" in t.user_attrs) == [0, 1, 2]
