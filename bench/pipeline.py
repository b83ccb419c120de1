"""The whole pipeline from scratch, timed stage by stage, beside the posts' code.

    python bench/pipeline.py --mnist /path/to/local/mnist [--reference seed_reference.py] [--keep DIR]

Clones this repository's HEAD into a temporary folder, runs `dvc repro --force` there
with the local MNIST mirror (every stage: a clone holds the metrics git keeps, and DVC
would skip a stage whose deps match the lock and whose outputs are all in git), and
times each stage from DVC's own log (a stage's time runs from its "Running stage" line
to the next one, so DVC's hashing and caching count too).
Prints a table (stage, seconds, share), the time per study and in total, and the
machine, and how many of the run's outputs have the bytes the commit's own dvc.lock
records: outputs depend on code, params and machine only (no times inside), so on the
machine that made a lock all of them should, and a rerun there verifies it. With
--reference (the posts' code as written), it also runs that code for two epochs of each
model and extrapolates the posts' own study (post 000: 20 classifier epochs; 50
autoencoder epochs for each of the sweep's dims, each scored at six bits levels), to
compare with qae's run of the same study (the card's chain without the search, the posts'
faithful models and the headline) in the same benchmark. --markdown writes the same table
as a markdown file (bench/pipeline.md is this script's output, not typed by hand) and
--json the raw numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Posts 000/001's study as qae runs it: the card's chain without the search, with the posts'
# recipe as written and the headline. Its replicates and the second scorer are reported apart.
SEEDS_STUDY = ("download", "split", "train_classifier", "train_autoencoder", "eval_quantized", "aggregate", "plot")
SEEDS_STUDY += ("sweep_faithful_train", "sweep_faithful_eval", "headline_train", "headline_eval")
# The same study before the card's shape (commit cfcbef4 and earlier), for --before.
BEFORE_TARGETS = ("sweep_report", "headline_eval")
# `make quick`: the card's path to the headline cell.
QUICK = ("download", "split", "train_classifier", "train_second_classifier", "headline_train", "headline_eval")


def machine() -> dict[str, object]:
    """What ran the benchmark."""
    cpuinfo = Path("/proc/cpuinfo")  # Linux only; elsewhere platform.processor() names the CPU
    lines = cpuinfo.read_text().splitlines() if cpuinfo.is_file() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), platform.processor())
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()  # Linux: the mask
    info: dict[str, object] = {"cpu": cpu, "cores": cores, "python": platform.python_version()}
    try:
        import torch

        info |= {"torch": torch.__version__, "threads": torch.get_num_threads()}
        info["cpu_capability"] = torch.backends.cpu.get_cpu_capability()  # AVX2 and AVX-512 kernels round differently
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return info


def time_repro(
    workdir: Path, env: dict[str, str], runner: bool = True, targets: tuple[str, ...] = ()
) -> tuple[list[tuple[str, float]], float]:
    """Run `dvc repro --force` (of `targets` and what they need, or everything) in
    `workdir`, under qae.runner if `runner`; each stage's seconds, in order, and the total."""
    start = time.perf_counter()
    marks: list[tuple[str, float]] = []
    command = [sys.executable, "-m", "dvc", "repro", "--force", *targets]  # outputs kept in git count too
    if runner:
        command = [sys.executable, "-m", "qae.runner", *command]
    with subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            found = re.match(r"Running stage '([^']+)'", line)
            if found:
                marks.append((found.group(1), time.perf_counter()))
    if proc.returncode:
        raise SystemExit(f"dvc repro failed with exit code {proc.returncode}")
    end = time.perf_counter()
    stages = [(name, (marks[i + 1][1] if i + 1 < len(marks) else end) - t) for i, (name, t) in enumerate(marks)]
    return stages, end - start


def lock_outputs(lock_text: str) -> dict[str, str]:
    """Each output path in a dvc.lock and the hash it records."""
    stages = (yaml.safe_load(lock_text) or {}).get("stages", {})
    return {out["path"]: out.get("md5", "") for stage in stages.values() for out in stage.get("outs", [])}


def compare_locks(committed: str, rerun: str) -> dict[str, object]:
    """How many outputs of `rerun`'s lock have the bytes `committed`'s records, and which differ."""
    before, after = lock_outputs(committed), lock_outputs(rerun)
    differ = sorted(path for path, md5 in after.items() if before.get(path) != md5)
    return {"outputs": len(after), "same": len(after) - len(differ), "differ": differ}


def folders(paths: list[str]) -> str:
    """Paths grouped by folder, for a line a person reads: `data/qat/models/` (14), `README.md`."""
    counts = Counter(path.rsplit("/", 1)[0] + "/" if "/" in path else path for path in paths)
    return ", ".join(f"`{f}`" + (f" ({n})" if n > 1 else "") for f, n in counts.items())


def study_of(stage: str) -> str:
    """The study a stage belongs to, from its name (the card's stages: their study's)."""
    base = stage.split("@")[0]
    if base in ("download", "split", "train_classifier", "train_second_classifier", "classifier"):
        return "(shared)"
    if base.startswith("headline") or base in ("train_autoencoder", "eval_quantized", "aggregate", "plot"):
        return "sweep"
    if base == "search":
        return "conv"
    if base == "baselines":
        return "rate_accuracy"
    studies = ("sweep", "conv", "latent", "digits", "lowdims", "qat", "compressor")
    return next((s for s in studies if base.startswith(s)), base)


def folder_bytes(path: Path) -> int:
    """The bytes of every file under `path` (a virtual environment, say)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


REFERENCE_EPOCHS = 2  # of each posts' model, timed and averaged: one alone moved the estimate 15% between runs


def posts_study_seconds(reference: Path, mnist: Path, sweep_dims: int) -> dict[str, float]:
    """The posts' own study, extrapolated from the mean epoch of each of their models."""
    epochs = str(REFERENCE_EPOCHS)
    out = subprocess.run(
        [sys.executable, str(reference), str(mnist), epochs, epochs], capture_output=True, text=True, check=True
    )
    ref = json.loads(out.stdout.strip().splitlines()[-1])
    seconds = 20 * ref["clf_epoch_s"] + sweep_dims * (50 * ref["ae_epoch_s"] + ref["eval_6bits_s"])
    return {**ref, "study_s": seconds}


def table(stages: list[tuple[str, float]], total: float) -> str:
    """Stage, seconds, share of the total; then the total per study."""
    lines = [f"{'stage':32}{'seconds':>9}{'share':>8}"]
    lines += [f"{name:32}{s:9.1f}{100 * s / total:7.1f}%" for name, s in stages]
    studies: dict[str, float] = {}
    for name, s in stages:
        studies[study_of(name)] = studies.get(study_of(name), 0.0) + s
    lines += ["", f"{'study':32}{'seconds':>9}{'share':>8}"]
    lines += [f"{name:32}{s:9.1f}{100 * s / total:7.1f}%" for name, s in sorted(studies.items(), key=lambda x: -x[1])]
    lines += [f"{'total (dvc repro, wall)':32}{total:9.1f}"]
    return "\n".join(lines)


def machine_text(m: dict[str, object]) -> str:
    """The machine in a few words, as README quotes it."""
    return f"{m.get('cpu')}, {m.get('cores')} cores ({m.get('cpu_capability')} kernels), {m.get('gpu', 'no GPU')}"


def markdown(result: dict) -> str:
    """The benchmark's result as a markdown page."""
    m, total = result["machine"], result["total_s"]
    lines = [
        "# `dvc repro` from scratch, timed",
        "",
        f"Written by `bench/pipeline.py` (commit {result['commit']}). Machine: {m.get('cpu')}, "
        f"{m.get('cores')} cores ({m.get('cpu_capability')} kernels), {m.get('threads')} torch threads, "
        f"{m.get('gpu', 'no GPU')}; torch {m.get('torch')}, Python {m.get('python')}.",
        "",
        f"**Total: {total / 60:.1f} min** ({total:.0f} s), "
        + ("under `qae.runner` (`make repro`)." if result.get("runner") else "plain `dvc repro`.")
        + f" The seeds' study (the design card's chain but the search, with the posts' recipe as written and "
        f"the headline): {result['seeds_study_s']:.0f} s; its replicates at the other seeds: "
        f"{result.get('replicates_s', 0):.0f} s. `make quick`'s stages: {result.get('quick_s', 0):.0f} s.",
    ]
    if "before" in result:
        before = result["before"]
        lines += [
            f"The same study at {before['commit']} (before the card's shape: one evaluation process per dims, "
            f"plain `dvc repro`), in the same benchmark: {before['seeds_study_s']:.0f} s, "
            f"**{before['seeds_study_s'] / result['seeds_study_s']:.2f}x** the card's shape's time.",
        ]
    if "posts" in result:
        posts = result["posts"]["study_s"]
        lines += [
            f"The posts' code for the same study (extrapolated from {REFERENCE_EPOCHS} epochs of each model in "
            f"the same benchmark): {posts:.0f} s, **{posts / result['seeds_study_s']:.1f}x** qae's time.",
        ]
    if "lock" in result:
        lock = result["lock"]
        lines += [
            "",
            f"**Lock:** {lock['same']} of {lock['outputs']} outputs have the bytes the commit's dvc.lock records"
            + (f"; these differ: {folders(lock['differ'])}." if lock["differ"] else "."),
        ]
    studies: dict[str, float] = {}
    for name, s in result["stages"]:
        studies[study_of(name)] = studies.get(study_of(name), 0.0) + s
    lines += ["", "| study | seconds | share |", "|---|---:|---:|"]
    lines += [f"| {n} | {s:.0f} | {100 * s / total:.1f}% |" for n, s in sorted(studies.items(), key=lambda x: -x[1])]
    lines += ["", "| stage | seconds | share |", "|---|---:|---:|"]
    lines += [f"| `{n}` | {s:.1f} | {100 * s / total:.1f}% |" for n, s in result["stages"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist", type=Path, default=os.environ.get("QAE_MNIST_MIRROR"), help="folder of .gz files")
    parser.add_argument("--reference", type=Path, help="the posts' code (seed_reference.py), for the speed ratio")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (default: a temporary one)")
    parser.add_argument("--no-runner", action="store_true", help="plain `dvc repro`, each stage a fresh process")
    parser.add_argument("--before", help="also time the seeds' study of this commit (cfcbef4: before the card's shape)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--markdown", type=Path, help="also write the table here, as markdown")
    args = parser.parse_args(argv)
    if args.mnist is None:
        parser.error("give --mnist or set QAE_MNIST_MIRROR to a folder holding the four MNIST .gz files")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="qae-bench-"))
    try:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(workdir / "repo")], check=True)
        repo = workdir / "repo"
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True)
        env = dict(os.environ, QAE_MNIST_MIRROR=str(args.mnist.resolve()), DVC_NO_ANALYTICS="1")
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # stage commands say `python`
        committed = (repo / "dvc.lock").read_text() if (repo / "dvc.lock").exists() else ""
        stages, total = time_repro(repo, env, runner=not args.no_runner)
        result = {"commit": commit.stdout.strip(), "machine": machine(), "stages": stages, "total_s": total}
        result["runner"] = not args.no_runner
        result["venv_bytes"] = folder_bytes(Path(sys.prefix))
        result["quick_s"] = sum(s for name, s in stages if name.split("@")[0] in QUICK)
        result["lock"] = compare_locks(committed, (repo / "dvc.lock").read_text())
        print(f"\ncommit {result['commit']} on {result['machine']}\n")
        print(table(stages, total))
        lock = result["lock"]
        print(f"\n{lock['same']} of {lock['outputs']} outputs as the commit's dvc.lock records")
        print(f"differ: {folders(lock['differ']) or 'none'}")
        seeds = sum(s for name, s in stages if name.split("@")[0] in SEEDS_STUDY)
        result["seeds_study_s"] = seeds
        result["replicates_s"] = sum(s for name, s in stages if "_replicate@" in name)
        print(f"\nthe seeds' study (the card's chain but the search, faithful, headline): {seeds:.1f} s")
        if args.before:
            before = workdir / "before"
            subprocess.run(["git", "clone", "--quiet", str(ROOT), str(before)], check=True)
            subprocess.run(["git", "checkout", "--quiet", args.before], cwd=before, check=True)
            before_stages, before_total = time_repro(before, env, runner=False, targets=BEFORE_TARGETS)
            result["before"] = {"commit": args.before, "stages": before_stages, "seeds_study_s": before_total}
            print(
                f"the same study at {args.before} (plain dvc repro of {' '.join(BEFORE_TARGETS)}): {before_total:.1f} s"
            )
        if args.reference:
            dims = len(yaml.safe_load((repo / "params.yaml").read_text())["sweep"]["dims"])
            posts = posts_study_seconds(args.reference, args.mnist, dims)
            result["posts"] = posts
            estimate = f"extrapolated from {REFERENCE_EPOCHS} epochs each"
            print(f"the posts' code, same study ({estimate}): {posts['study_s']:.1f} s")
            print(f"ratio: {posts['study_s'] / seeds:.1f}x")
        result["machine_text"] = machine_text(result["machine"])
        if args.json:
            args.json.write_text(json.dumps(result, indent=2) + "\n")
        if args.markdown:
            args.markdown.write_text(markdown(result))
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
