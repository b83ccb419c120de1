import math

import pytest
import torch

import qae.studies.conv as conv
from qae.evaluate import Scorers, evaluate_corrupted
from qae.models import AutoencoderConfig, Classifier, build_autoencoder
from qae.studies.conv import (
    Priors,
    SearchSetup,
    best_trial,
    robustness_corruption,
    robustness_scores,
    run_search,
    sample_trials,
    scaled_epochs,
)

PRIORS = Priors(
    lr=(1e-3, 1e-1),
    weight_decay=(1e-4, 1e-2),
    dropout=(0.0, 0.25),
    epochs=(10, 20, 30, 40, 50),
    epoch_probs=(0.25, 0.25, 0.2, 0.2, 0.1),
)


def test_priors_sample_inside_their_ranges():
    for t in sample_trials(PRIORS, 500, seed=0):
        assert 1e-3 <= t["lr"] <= 1e-1
        assert 1e-4 <= t["weight_decay"] <= 1e-2
        assert 0 <= t["dropout"] <= 0.25
        assert t["epochs"] in PRIORS.epochs


def test_log_uniform_priors_cover_each_decade_alike():
    lrs = [t["lr"] for t in sample_trials(PRIORS, 2000, seed=0)]
    low_decade = sum(lr < 1e-2 for lr in lrs) / len(lrs)
    assert low_decade == pytest.approx(0.5, abs=0.05)


def test_epochs_follow_their_probabilities():
    epochs = [t["epochs"] for t in sample_trials(PRIORS, 4000, seed=1)]
    assert epochs.count(50) / len(epochs) == pytest.approx(0.10, abs=0.02)
    assert epochs.count(10) / len(epochs) == pytest.approx(0.25, abs=0.03)


def test_the_same_seed_gives_the_same_trials():
    assert sample_trials(PRIORS, 5, seed=3) == sample_trials(PRIORS, 5, seed=3)
    assert sample_trials(PRIORS, 5, seed=3) != sample_trials(PRIORS, 5, seed=4)


def test_scaled_epochs_never_drop_to_zero():
    assert scaled_epochs(10, 0.01) == 1
    assert scaled_epochs(40, 0.25) == 10


@pytest.fixture
def images():
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (96, 28, 28), dtype=torch.uint8, generator=g)


def test_a_search_with_two_tiny_trials_runs_end_to_end(images):
    trials = sample_trials(PRIORS, 2, seed=0)
    records = run_search(trials, SearchSetup(4, 32, 0.05, 0), images[:64], images[64:], workers=1)
    assert [r["trial"] for r in records] == [0, 1]
    assert all(r["status"] == "ok" and r["val_loss"] > 0 for r in records)
    assert best_trial(records)["val_loss"] == min(r["val_loss"] for r in records)


def test_a_diverging_trial_is_recorded_not_fatal(images):
    trials = [{"lr": 1e30, "weight_decay": 0.0, "dropout": 0.0, "epochs": 1}, sample_trials(PRIORS, 1, seed=0)[0]]
    records = run_search(trials, SearchSetup(4, 32, 1.0, 0), images[:64], images[64:], workers=1)
    assert records[0]["status"] != "ok" and math.isnan(records[0]["val_loss"])
    assert records[1]["status"] == "ok"
    assert best_trial(records)["trial"] == 1


def test_parallel_workers_give_the_same_records_as_one(images):
    trials = sample_trials(PRIORS, 2, seed=0)
    setup = SearchSetup(4, 32, 0.05, 0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each pooled worker runs
    try:
        inline = run_search(trials, setup, images[:64], images[64:], workers=1)
    finally:
        torch.set_num_threads(threads)
    pooled = run_search(trials, setup, images[:64], images[64:], workers=2)
    assert [r["val_loss"] for r in inline] == [r["val_loss"] for r in pooled]


def test_robustness_scores_the_clean_images_once_for_both_kinds(images, monkeypatch):
    torch.manual_seed(0)
    model, scorers = build_autoencoder(AutoencoderConfig("conv", 2)).eval(), Scorers(Classifier().eval())
    labels = torch.arange(len(images)) % 10
    calls = []

    def counted(*args, **kwargs):
        calls.append(args[4])
        return evaluate_corrupted(*args, **kwargs)

    monkeypatch.setattr(conv, "evaluate_corrupted", counted)
    records = robustness_scores(model, scorers, images, labels, [0, 0.5], [0, 8], seed=0)
    assert [(r["corruption"], r["level"]) for r in records] == [
        ("noise", 0),
        ("noise", 0.5),
        ("occlusion", 0),
        ("occlusion", 8),
    ]
    assert len(calls) == 3
    assert {k: records[0][k] for k in ("mse", "accuracy")} == {k: records[2][k] for k in ("mse", "accuracy")}
    patched = evaluate_corrupted(model, scorers, images, labels, robustness_corruption("occlusion", 8), 0)
    assert records[3]["mse"] == patched["mse"] and records[3]["accuracy"] == patched["accuracy"]
