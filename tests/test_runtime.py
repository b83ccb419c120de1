"""The machine knobs: devices by name, worker counts on any platform."""

import os

import pytest
import torch

from qae.runtime import WORKERS_ENV, cpu_count, eval_batch, pick_device, workers


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


def test_mps_is_picked_by_name_where_pytorch_has_it(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device("mps") == torch.device("mps")


def test_mps_where_pytorch_has_none_is_refused_by_name(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(ValueError, match="'mps' asked for, but this PyTorch has no MPS device"):
        pick_device("mps")


def test_auto_never_picks_mps(monkeypatch, no_gpu):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device("auto") == torch.device("cpu")


def test_an_unknown_device_names_the_choices():
    with pytest.raises(ValueError, match="use auto, cpu, cuda, cuda:N or mps"):
        pick_device("tpu")


def test_workers_default_to_the_cores_without_linux_only_calls(monkeypatch, no_gpu):
    """macOS and Windows have no os.sched_getaffinity, nor Python < 3.13 os.process_cpu_count."""
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert workers() == 3


def test_a_platform_that_cannot_count_its_cores_gets_one_worker(monkeypatch, no_gpu):
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # what Python returns where it cannot tell
    assert workers() == 1


def test_the_affinity_mask_counts_where_the_platform_has_one(monkeypatch):
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)  # the machine's, not this process's
    assert cpu_count() == 2


def test_qae_workers_overrides_the_core_count(monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "5")
    assert workers() == 5


def test_evaluation_batches_on_mps_are_a_gpu_s(monkeypatch):
    monkeypatch.delenv("QAE_EVAL_BATCH", raising=False)
    assert eval_batch(torch.device("mps")) == eval_batch(torch.device("cuda")) == 1000
