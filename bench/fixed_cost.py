"""What a stage costs before and around its work, part by part (bench/README.md's table).

    python bench/fixed_cost.py --repo DIR [--cells 8] [--runs 5] [--markdown FILE]

DIR is a workspace where `dvc repro` has run (bench/pipeline.py --keep DIR leaves one:
DIR/repo). In a copy of it, this times:
- a Python process, and the imports a stage pays (torch; torch with its compiler, which the
  optimizers import; dvclive), each as a fresh process (medians of --runs);
- a stage script from process start to its first work (`--help` exits right after the
  imports), plainly and handed to a running qae.runner;
- inside one `dvc repro`, per stage (the command's own start taken off): an empty stage
  (DVC's own cost at this dvc.lock's size), and --cells eval_quantized cells, plainly and
  under qae.runner;
- a cell's own work, in one process: the one evaluation an eval_quantized cell runs.
A stage's fixed cost is its time through DVC less its own work; the target is to be within
0.5 s of the empty stage's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

EMPTY = {"cmd": "python -c pass", "deps": ["params.yaml"]}  # an empty stage: DVC's cost alone


def seconds(command: list[str], cwd: Path, env: dict[str, str], runs: int) -> float:
    """The median wall time of `command`, run `runs` times."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def with_runner(command: list[str], cwd: Path, env: dict[str, str], runs: int) -> float:
    """The median wall time of `command` (run `runs` times in one shell) under a runner that
    is already up: the runner's start, timed alone, is taken off."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qae.runner", "true"], cwd=cwd, env=env, check=True, capture_output=True)
    startup = time.perf_counter() - start
    loop = " ; ".join([" ".join(command)] * runs)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qae.runner", "sh", "-c", loop], cwd=cwd, env=env, check=True)
    return (time.perf_counter() - start - startup) / runs


def per_stage(repo: Path, env: dict[str, str], stages: list[str], runner: bool) -> float:
    """Seconds per stage inside one `dvc repro -s -f STAGES...` in `repo`, plainly or under
    qae.runner: the run of all of them less the run of the first alone (DVC's start, the
    pipeline's collection and the runner's start are paid once per command, not per stage),
    over the others."""

    def run(targets: list[str]) -> float:
        command = [sys.executable, "-m", "dvc", "repro", "-s", "-f", *targets]
        if runner:
            command = [sys.executable, "-m", "qae.runner", *command]
        start = time.perf_counter()
        subprocess.run(command, cwd=repo, env=env, check=True, capture_output=True)
        return time.perf_counter() - start

    return (run(stages) - run(stages[:1])) / (len(stages) - 1)


def cell_work(repo: Path, env: dict[str, str], runs: int, dims: int, bits: int) -> float:
    """The median time of one eval_quantized cell's own work, in one process."""
    code = f"""
import statistics, time
from qae.codec.evaluate import evaluate_points
from qae.evaluate import load_scorers
from qae.images import load_split
from qae.models import load_autoencoder
model = load_autoencoder("data/sweep/models/{dims}.pt")
scorers = load_scorers("data/classifier/model.pt", "data/second_classifier/model.pt")
train, test = load_split("data/split/autoencoder.pt")["images"], load_split("data/split/test.pt")
evaluate_points(model, scorers, train, test, [{bits}], 0.5, 8)  # warm
times = []
for _ in range({runs}):
    start = time.perf_counter()
    evaluate_points(model, scorers, train, test, [{bits}], 0.5, 8)
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, required=True, help="a workspace where `dvc repro` has run")
    parser.add_argument("--cells", type=int, default=8, help="eval_quantized cells (and empty stages) timed")
    parser.add_argument("--runs", type=int, default=5, help="runs per process timing (the median is kept)")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qae-fixed-cost-"))
    try:
        repo = work / "repo"
        shutil.copytree(args.repo, repo, symlinks=True)
        env = dict(os.environ, DVC_NO_ANALYTICS="1")
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        # Empty stages in the same dvc.yaml, so DVC rewrites the same dvc.lock for them.
        pipeline = yaml.safe_load((repo / "dvc.yaml").read_text())
        pipeline["stages"]["empty"] = {"foreach": list(range(args.cells)), "do": EMPTY}
        (repo / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
        params = yaml.safe_load((repo / "params.yaml").read_text())
        dims, bits = params["sweep"]["dims"][:2], params["sweep"]["bits"][: args.cells // 2]
        cells = [f"eval_quantized@{d}-{b}" for d in dims for b in bits][: args.cells]
        empty = [f"empty@{i}" for i in range(args.cells)]
        lock_lines = float(len((repo / "dvc.lock").read_text().splitlines()))
        py = [sys.executable]
        stage = [*py, "-m", "stages.eval_quantized", "--help"]  # exits right after its imports
        rows = [
            ("a Python process (`python -c pass`)", seconds([*py, "-c", "pass"], repo, env, args.runs)),
            ("`import torch`", seconds([*py, "-c", "import torch"], repo, env, args.runs)),
            ("`import torch, torch._dynamo` (what an optimizer step imports)", seconds(
                [*py, "-c", "import torch, torch._dynamo"], repo, env, args.runs)),
            ("`import dvclive`", seconds([*py, "-c", "import dvclive"], repo, env, args.runs)),
            ("eval_quantized, process start to first work, plain", seconds(stage, repo, env, args.runs)),
            ("the same, handed to a running qae.runner", with_runner(stage, repo, env, args.runs)),
            ("an empty stage, per stage of one `dvc repro`", per_stage(repo, env, empty, runner=False)),
            ("`dvc.lock` lines (DVC reads and rewrites all of it after each stage)", lock_lines),
            ("an eval_quantized cell through DVC, plain", per_stage(repo, env, cells, runner=False)),
            ("the same under qae.runner", per_stage(repo, env, cells, runner=True)),
            ("a cell's own work (one evaluation, in process)", cell_work(repo, env, args.runs, dims[0], bits[0])),
        ]  # fmt: skip
        table = ["| part | seconds |", "|---|---:|"] + [
            f"| {name} | {value:,.0f} |" if name.startswith("`dvc.lock`") else f"| {name} | {value:.2f} |"
            for name, value in rows
        ]
        print("\n".join(table))
        if args.markdown:
            args.markdown.write_text("\n".join(table) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
