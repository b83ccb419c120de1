"""Where the arithmetic runs: the device, the seeds, and what a run records about both.

Machine-only knobs are environment variables, never params, so a bigger machine
reruns nothing whose result would not change:
- QAE_DEVICE: auto (CUDA when present, the default), cpu, cuda, cuda:N, or mps (Apple's
  GPUs, where PyTorch has them; auto never picks it).
- QAE_WORKERS: processes for work split into independent jobs (the conv study's search);
  default one per GPU, else one per CPU core this process may use.
- QAE_EVAL_BATCH: images per forward pass in evaluation (default 256 on a CPU, 1000 on a
  GPU): speed and memory.
- QAE_SEARCH_STORAGE: unset (the default), the conv study's search runs in a local pool;
  an Optuna storage (a database URL or a journal file path), it runs as an Optuna study
  that other machines can work too (qae.studies.conv_optuna), with the same records.
The results of a run depend on the device and, on a CPU, on the thread count (float
sums are ordered by the threads) and the vector instructions PyTorch's kernels use (AVX2
and AVX-512 round differently); all three go into every checkpoint (`run_info`). A run's
time does not: outputs are a function of code, params and machine alone, so a rerun on
the same machine writes the same bytes (`bench/pipeline.py` times the stages).
"""

from __future__ import annotations

import os
import platform

import torch

DEVICE_ENV, WORKERS_ENV, EVAL_BATCH_ENV = "QAE_DEVICE", "QAE_WORKERS", "QAE_EVAL_BATCH"
SEARCH_STORAGE_ENV = "QAE_SEARCH_STORAGE"


def pick_device(spec: str | torch.device | None = None) -> torch.device:
    """`spec` ("auto", "cpu", "cuda", "cuda:1", "mps", or None for $QAE_DEVICE, default
    auto) as a torch device; auto is CUDA when present, else the CPU."""
    spec = str(spec if spec is not None else os.environ.get(DEVICE_ENV, "auto")).strip() or "auto"
    if spec == "auto":
        # Never MPS: some of PyTorch's ops have no MPS kernel yet, so a Mac user opts in by name.
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(spec)
    except RuntimeError as e:
        raise ValueError(f"unknown device {spec!r}: use auto, cpu, cuda, cuda:N or mps") from e
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {spec!r} asked for, but PyTorch sees no CUDA device")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device {spec!r} asked for, but this PyTorch has no MPS device (it needs macOS 12.3+ on Apple silicon)"
        )
    return device


def _positive_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"${name} must be a positive integer, got {value!r}")
    return int(value)


def cpu_count() -> int:
    """CPU cores this process may use, on any platform."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+: the affinity mask where the OS has one
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux only: a container or `taskset` may allow fewer cores
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # macOS, Windows: every core (None where Python cannot tell)


def workers() -> int:
    """Processes for independent jobs: $QAE_WORKERS, else one per GPU or per CPU core."""
    return _positive_env(WORKERS_ENV, torch.cuda.device_count() or cpu_count())


def eval_batch(device: torch.device | None = None) -> int:
    """Images per forward pass in evaluation on `device` (a model's; None: $QAE_DEVICE's):
    $QAE_EVAL_BATCH, else 256 on a CPU (the classifier then scores a test set 25% faster
    than in batches of 1000) or 1000 on a GPU (CUDA or MPS)."""
    kind = (pick_device() if device is None else device).type
    return _positive_env(EVAL_BATCH_ENV, 1000 if kind in ("cuda", "mps") else 256)


def search_storage() -> str | None:
    """The Optuna storage the conv search shares ($QAE_SEARCH_STORAGE), None: a local pool."""
    return os.environ.get(SEARCH_STORAGE_ENV, "").strip() or None


def device_of(module: torch.nn.Module) -> torch.device:
    """The device `module`'s parameters are on (a module with none: the CPU)."""
    return next(module.parameters(), torch.empty(0)).device


def make_deterministic(seed: int) -> torch.Generator:
    """Seed torch, forbid nondeterministic kernels; return a CPU generator for batch order."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS needs it to be deterministic
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    return torch.Generator().manual_seed(seed)


def run_info(device: torch.device) -> dict[str, object]:
    """What a run ran on, for its checkpoint: results depend on all of it."""
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine()
    return {
        "device": str(device),
        "device_name": name,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),  # the CPU kernels' instruction set
        "torch": str(torch.__version__),
        "threads": torch.get_num_threads(),
    }
