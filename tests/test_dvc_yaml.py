"""What dvc.yaml promises a DVC user beyond its deps (tests/test_deps.py): a readable
`dvc exp show`, and a training curve for every model the default params train."""

import json
import subprocess
import sys

import pytest
import yaml

from tests.helpers import ROOT

DVC_YAML = yaml.safe_load((ROOT / "dvc.yaml").read_text())


def flat_keys(value: object, prefix: str = "") -> list[str]:
    """The column names `dvc exp show` makes of a metrics file: nested keys joined by dots."""
    if isinstance(value, dict):
        return [k for name, v in value.items() for k in flat_keys(v, f"{prefix}{name}.")]
    return [prefix.rstrip(".")]


def resolved_stages() -> dict[str, dict]:
    """Every stage of dvc.yaml with foreach/matrix expanded and params interpolated, as
    DVC resolves them (`dvc stage list` names, `Repo.index` outputs)."""
    code = (
        "import json; from dvc.repo import Repo; r = Repo('.');"
        "print(json.dumps({s.addressing: [str(o.def_path) for o in s.outs] for s in r.index.stages}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(not (ROOT / "metrics/summary.json").exists(), reason="no committed metrics")
def test_exp_show_lists_about_25_metric_columns():
    columns = [k for path in DVC_YAML["metrics"] for k in flat_keys(json.loads((ROOT / path).read_text()))]
    assert 15 <= len(columns) <= 30, columns


def test_every_trained_model_has_its_training_curve_in_the_plots():
    drawn = {path for plot in DVC_YAML["plots"] for spec in plot.values() for path in (spec.get("y") or {})}
    curves = {
        f"{out}/plots/metrics/loss.tsv" for outs in resolved_stages().values() for out in outs if "/training" in out
    }
    assert curves, "no stage writes training curves"
    assert curves - drawn == set(), "add these to the training plots in dvc.yaml"
    assert {p for p in drawn if p.endswith("loss.tsv")} - curves == set(), "plots name curves no stage writes"
