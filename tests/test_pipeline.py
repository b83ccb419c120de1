"""End to end: the real `dvc repro` on a temp copy of the repo, shrunk params, the
shipped MNIST sample served as the local mirror."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT, SAMPLE_MIRROR, shrink

pytestmark = pytest.mark.slow
CODING_KEYS = {"coded_bits", "model_bits", "entropy_bits"}
COPIED = ["dvc.yaml", "params.yaml", ".dvcignore", "qae", "stages", ".dvc/config", ".dvc/plots"]


def environment() -> dict[str, str]:
    """This interpreter first on PATH (stage commands say `python`), the sample as mirror."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return dict(os.environ, PATH=path, QAE_MNIST_MIRROR=str(SAMPLE_MIRROR), DVC_NO_ANALYTICS="1")


def run(cwd, *args: str) -> str:
    done = subprocess.run(args, cwd=cwd, env=environment(), capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def dvc(cwd, *args: str) -> str:
    return run(cwd, sys.executable, "-m", "dvc", *args)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A git + DVC copy of the repo with shrunk params, after one `dvc repro`."""
    root = tmp_path_factory.mktemp("project")
    for name in COPIED:
        src, dst = ROOT / name, root / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)
    params = shrink(yaml.safe_load((ROOT / "params.yaml").read_text()))
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(root, "git", "init", "-q")
    run(root, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "empty")
    repro = dvc(root, "repro")
    return root, params, repro


def test_repro_runs_every_stage(project):
    _, params, log = project
    n_items = len(params["sweep"]["dims"]) * len(params["sweep"]["bits"])
    assert log.count("Running stage 'eval_quantized@") == n_items
    stages = ["download", "split", "train_classifier", "train_headline", "eval_headline", "aggregate", "plot"]
    stages += ["search", "train_conv@2", "train_denoising@2", "robustness@2", "report_conv"]
    stages += ["train_qat@8-2", "eval_qat@8-2", "report_qat", "train_compressor@4-2", "eval_compressor@4-2"]
    stages += ["train_rd@0.5", "eval_rd@0.5"]
    stages += ["baselines", "rate_accuracy"]
    stages += ["latent", "train_softmax", "digits", "lowdims"]
    for stage in stages:
        assert f"Running stage '{stage}'" in log


def test_headline_metrics_hold_the_numbers_exp_show_needs(project):
    root, params, _ = project
    headline = json.loads((root / "metrics/headline.json").read_text())
    assert set(headline) == {"accuracy", "mse", "bce", "total_bits", "compression_ratio"} | CODING_KEYS
    assert headline["total_bits"] == params["dims"] * params["bits"]
    assert 0 < headline["coded_bits"] <= headline["total_bits"] + 32  # the payload is whole 32-bit words
    assert 0 <= headline["accuracy"] <= 1


def test_summary_is_nested_by_dims_and_bits(project):
    root, params, _ = project
    summary = json.loads((root / "metrics/summary.json").read_text())
    for d in params["sweep"]["dims"]:
        for b in params["sweep"]["bits"]:
            assert set(summary[f"dims_{d}"][f"bits_{b}"]) == {"accuracy", "mse", "coded_bits"}
    assert summary["lossless"]["gzip"]["ratio"] > 1


def test_results_table_has_one_row_per_item(project):
    root, params, _ = project
    rows = json.loads((root / "metrics/results.json").read_text())
    assert len(rows) == len(params["sweep"]["dims"]) * len(params["sweep"]["bits"])
    csv_lines = (root / "metrics/results.csv").read_text().splitlines()
    assert len(csv_lines) == len(rows) + 1


def test_plots_are_written(project):
    root, _, _ = project
    names = {p.name for p in (root / "plots/sweep").iterdir()}
    expected = {f"{y}_vs_{x}.png" for y in ("accuracy", "mse") for x in ("bits", "total_bits")}
    assert expected | {"reconstructions.png", "digits.png"} <= names
    assert all((root / "plots/sweep" / n).stat().st_size > 5000 for n in names)


def test_the_search_records_every_trial_and_the_best(project):
    root, params, _ = project
    trials = json.loads((root / "metrics/search/trials.json").read_text())
    assert len(trials) == params["search"]["trials"]
    best = json.loads((root / "metrics/search/best.json").read_text())
    assert set(best) == {"lr", "weight_decay", "dropout", "epochs"}
    summary = json.loads((root / "metrics/search/summary.json").read_text())
    assert summary["best_val_loss"] == min(t["val_loss"] for t in trials if t["status"] == "ok")


def test_robustness_covers_both_trainings_and_every_level(project):
    root, params, _ = project
    records = json.loads((root / "metrics/conv/robustness.json").read_text())
    r = params["robustness"]
    assert len(records) == len(params["tradeoff"]["dims"]) * 2 * (len(r["noise_std"]) + len(r["patch"]))
    summary = json.loads((root / "metrics/conv/summary.json").read_text())
    assert set(summary["dims_2"]) == {"plain", "denoising"}
    assert {p.name for p in (root / "plots/conv").iterdir()} == {
        "search.png",
        "mse_vs_dims.png",
        "robustness_noise.png",
        "robustness_occlusion.png",
    }


def test_quantization_aware_results_sit_beside_post_training_ones(project):
    root, params, _ = project
    summary = json.loads((root / "metrics/qat/summary.json").read_text())
    for d in params["sweep"]["dims"]:
        assert set(summary[f"dims_{d}"]["bits_2"]) == {"post-training", "aware"}
    assert (root / "plots/qat/qat_vs_post_training.png").stat().st_size > 5000


def test_every_eval_item_writes_a_codec_the_cli_can_use(project, tmp_path):
    root, params, _ = project
    dims = params["sweep"]["dims"][0]
    for b in params["sweep"]["bits"]:
        assert (root / f"data/codecs/{dims}-{b}.pt").is_file()
    codec = str(root / f"data/codecs/{dims}-{params['sweep']['bits'][0]}.pt")
    images = str(SAMPLE_MIRROR / "t10k-images-idx3-ubyte.gz")
    run(root, sys.executable, "-m", "qae.cli", "compress", "--codec", codec, images, "-o", str(tmp_path / "t.qae"))
    run(root, sys.executable, "-m", "qae.cli", "decompress", "--codec", codec, str(tmp_path / "t.qae"), "-o", "t.idx")
    assert (root / "t.idx").stat().st_size == 16 + 200 * 28 * 28


def test_baselines_and_autoencoders_share_one_table_and_figure(project):
    root, params, _ = project
    records = json.loads((root / "metrics/rate_accuracy/records.json").read_text())
    methods = {r["method"] for r in records}
    expected = {"label", "png", "gzip", "jpeg", "jpeg_payload", "webp", "webp_payload", "pca", "autoencoder"}
    autoencoders = {"autoencoder_qat", "compressor", "compressor_rd", "compressor_rd_rounded"}  # rd searches codes
    assert expected | autoencoders == methods
    b = params["baselines"]
    assert sum(r["method"] == "jpeg" for r in records) == len(b["jpeg_quality"])
    summary = json.loads((root / "metrics/rate_accuracy/summary.json").read_text())
    assert set(summary) == methods and set(summary["jpeg"]) == {"bits_at_97", "bits_at_98"}
    assert (root / "plots/rate_accuracy/rate_accuracy.png").stat().st_size > 20000


def test_the_latent_study_scores_the_surface_and_draws_the_posts_figures(project):
    root, _, _ = project
    latent = json.loads((root / "metrics/latent.json").read_text())
    assert 0 <= latent["discontinuous_borders"] <= 1 and latent["max_jump"] >= latent["max_jump_in_basin"]
    names = {p.name for p in (root / "plots/latent").iterdir()}
    assert names == {"codes.png", "samples.png", "distance_3d.png", "distance_top.png"}


def test_digits_reports_mapping_accuracies_and_confusion_records(project):
    root, _, _ = project
    summary = json.loads((root / "metrics/digits/summary.json").read_text())
    assert set(summary) == {"softmax", "clusters", "kmeans"}
    assert all(0.1 <= s["mapping_accuracy"] <= 1 for s in summary.values())
    rows = json.loads((root / "metrics/digits/clusters_confusion.json").read_text())
    assert len(rows) == 200 and set(rows[0]) == {"actual", "cluster", "predicted"}
    assert {"softmax_confusion.png", "clusters_confusion.png", "embedding.png"} <= {
        p.name for p in (root / "plots/digits").iterdir()
    }


def test_lowdims_records_a_curve_per_model_and_the_mean_image_loss(project):
    root, params, _ = project
    curves = json.loads((root / "metrics/lowdims/curves.json").read_text())
    p = params["lowdims"]
    assert len(curves) == len(p["dims"]) * len(p["starts"]) * p["epochs"]
    summary = json.loads((root / "metrics/lowdims/summary.json").read_text())
    assert summary["mean_image_loss"] > 0 and set(summary["dims_3"]) == set(p["starts"])
    assert {p.name for p in (root / "plots/lowdims").iterdir()} == {"loss.png", "digits.png"}


def test_dvc_plots_show_renders_the_curves(project):
    root, _, _ = project
    dvc(root, "plots", "show", "-o", "rendered")
    html = (root / "rendered" / "index.html").read_text()
    assert "accuracy_vs_total_bits" in html and '"dims"' in html
    assert "rate_accuracy" in html and '"method"' in html
    assert "clusters_confusion" in html and "lowdims_loss" in html


def test_the_readme_api_example_runs(project, monkeypatch):
    root, params, _ = project
    readme = (ROOT / "README.md").read_text()
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    dims = params["sweep"]["dims"][-1]
    monkeypatch.chdir(root)
    exec(example.replace("autoencoders/64.pt", f"autoencoders/{dims}.pt"), {})


def test_a_second_repro_does_nothing(project):
    root, _, _ = project
    log = dvc(root, "repro")
    assert "Running stage" not in log


def test_a_forced_rerun_gives_the_same_bytes(project):
    """Same params and seed, same model and metrics: nothing downstream goes stale."""
    root, params, _ = project
    stage = f"train_autoencoder@{params['sweep']['dims'][0]}"
    lock = (root / "dvc.lock").read_text()
    dvc(root, "repro", "-f", "-s", stage)
    assert (root / "dvc.lock").read_text() == lock
    assert "changed" not in dvc(root, "status")


def test_a_bad_param_is_rejected_before_training(project):
    root, _, _ = project
    env = environment()
    done = subprocess.run(
        [sys.executable, "-m", "dvc", "repro", "-s", "train_headline"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0  # untouched params: nothing to do
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["autoencoder"]["epochs"] = 0
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dvc", "repro", "train_headline"], cwd=root, env=env, capture_output=True, text=True
        )
    finally:
        params["autoencoder"]["epochs"] = 2
        (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "autoencoder.epochs: must be an integer >= 1, got 0" in output
    assert "epoch/s" not in output  # no training started


def test_exp_run_sets_a_headline_outside_the_sweep(project):
    """Last: it leaves the experiment's params in the workspace."""
    root, _, _ = project
    run(root, "git", "add", "-A")
    run(root, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "baseline")
    log = dvc(root, "exp", "run", "-S", "dims=3", "-S", "bits=2")
    assert "Running stage 'train_headline'" in log and "Running stage 'train_autoencoder@" not in log
    assert json.loads((root / "metrics/headline.json").read_text())["total_bits"] == 6
    shown = dvc(root, "exp", "show", "--csv")
    assert "total_bits" in shown.splitlines()[0]
