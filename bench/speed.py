"""Speed of qae against the posts' code as written, on this machine, in one command.

    python bench/speed.py --reference path/to/seed_reference.py [--mnist DIR] [--epochs N]

Runs the reference (per-sample DataLoader, as the posts wrote it) in a subprocess,
then the same work through qae in this process: a classifier epoch, an autoencoder
epoch at 64 dims, and the six-level evaluation (2, 4, 8, 16, 32 bits and float32 on
the 10,000 test images). Prints seconds and ratios (reference / qae, higher is better)
and peak memory. MNIST comes from --mnist or $QAE_MNIST_MIRROR (a folder of .gz files).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch

from qae.evaluate import evaluate_quantized
from qae.mnist import IDX_FILES, read_idx
from qae.models import AutoencoderConfig
from qae.params import load_params
from qae.train import TrainConfig, train_autoencoder, train_classifier

LEVELS = [2, 4, 8, 16, 32, None]
MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024  # getrusage's ru_maxrss: bytes on macOS, KiB on Linux


def peak_mib(who: int) -> float:
    """Peak resident memory of `who` (resource.RUSAGE_SELF or RUSAGE_CHILDREN) in MiB."""
    return resource.getrusage(who).ru_maxrss * MAXRSS_UNIT / 2**20


def run_reference(script: Path, mnist: Path, epochs: int) -> tuple[dict, float]:
    """The reference's JSON line and its peak RSS in MiB."""
    out = subprocess.run(
        [sys.executable, str(script), str(mnist), str(epochs), str(epochs)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1]), peak_mib(resource.RUSAGE_CHILDREN)


def run_qae(mnist: Path, epochs: int) -> dict:
    """Seconds per epoch / per evaluation through qae, with params.yaml's settings."""
    params = load_params()
    c, a, seed = params["classifier"], params["sweep"], params["seed"]
    data = {key: read_idx(mnist / f"{name}.gz") for key, name in IDX_FILES.items()}
    images, labels = data["train_images"], data["train_labels"]
    t0 = time.perf_counter()
    classifier, _ = train_classifier(
        images[:30000], labels[:30000], epochs, c["batch_size"], c["lr"], c["max_shift"], seed
    )
    clf = (time.perf_counter() - t0) / epochs
    config = AutoencoderConfig(a["arch"], 64, a["recipe"], a["dropout"])
    train = TrainConfig(
        epochs, a["batch_size"], a["lr"], a["loss"], a["optimizer"], a["weight_decay"], schedule=a["schedule"]
    )
    t0 = time.perf_counter()
    model, _ = train_autoencoder(config, images[30000:60000], train, seed)
    ae = (time.perf_counter() - t0) / epochs
    test = (data["test_images"], data["test_labels"])
    t0 = time.perf_counter()
    accuracy = {str(b): evaluate_quantized(model, classifier, *test, b)["accuracy"] for b in LEVELS}
    return {"clf_epoch_s": clf, "ae_epoch_s": ae, "eval_6bits_s": time.perf_counter() - t0, "acc": accuracy}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, required=True, help="seed_reference.py")
    parser.add_argument("--mnist", type=Path, default=os.environ.get("QAE_MNIST_MIRROR"), help="folder of .gz files")
    parser.add_argument("--epochs", type=int, default=2, help="epochs timed per model, both sides (default 2)")
    args = parser.parse_args(argv)
    if args.mnist is None:
        parser.error("give --mnist or set QAE_MNIST_MIRROR to a folder holding the four MNIST .gz files")
    ref, ref_peak = run_reference(args.reference, args.mnist, args.epochs)
    ours = run_qae(args.mnist, args.epochs)
    ours_peak = peak_mib(resource.RUSAGE_SELF)
    print(f"threads: {torch.get_num_threads()}, device: {'cuda' if torch.cuda.is_available() else 'cpu'}")
    print(f"{'':24}{'reference':>11}{'qae':>9}{'ratio':>8}")
    for key, label in [
        ("clf_epoch_s", "classifier epoch (s)"),
        ("ae_epoch_s", "autoencoder epoch (s)"),
        ("eval_6bits_s", "6-level evaluation (s)"),
    ]:
        print(f"{label:24}{ref[key]:>11.2f}{ours[key]:>9.2f}{ref[key] / ours[key]:>7.1f}x")
    print(f"{'peak memory (MiB)':24}{ref_peak:>11.0f}{ours_peak:>9.0f}")


if __name__ == "__main__":
    main()
