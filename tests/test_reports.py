"""Numbers are generated: the reports' and README's numbers come from metrics/ through
their templates, and what README's prose claims holds in the committed metrics."""

import json
import re
from pathlib import Path

import pytest

from qae.report.render import TEMPLATES, render, template_fields
from qae.report.tables import markdown, pct
from stages import readme
from tests.helpers import ROOT

# A result typed by hand: a percentage, or a number with two or more decimals.
RESULT = re.compile(r"\d%|\d\.\d\d")


def prose(text: str) -> str:
    """`text` without code blocks, code spans and {fields}."""
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return re.sub(r"`[^`]*`|\{[a-z0-9_]+\}", "", text)


@pytest.mark.parametrize("template", sorted(p.stem for p in TEMPLATES.glob("*.md")))
def test_templates_quote_no_number_of_their_own(template):
    typed = RESULT.findall(prose((TEMPLATES / f"{template}.md").read_text()))
    assert typed == [], f"{template}.md types results by hand; make them fields"


def test_a_field_the_stage_does_not_give_is_an_error():
    fields = dict.fromkeys(template_fields("latent"), "x")
    del fields["grid"]
    with pytest.raises(KeyError, match=r"\{grid\}"):
        render("latent", fields)


def test_tables_format_fractions_as_percentages_and_gaps_as_dashes():
    import pandas as pd

    table = markdown(pd.DataFrame({"m": ["a", "b"], "acc": [0.9843, None]}), {"acc": pct})
    assert "98.4%" in table and "-" in table.splitlines()[-1]


@pytest.mark.skipif(not (ROOT / "metrics/rate_accuracy/methods.json").exists(), reason="no committed metrics")
def test_the_committed_readme_and_summary_are_what_the_readme_stage_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    readme.main(
        ["--metrics-dir", "metrics", "--out", str(tmp_path / "README.md"), "--summary", str(tmp_path / "s.json")]
    )
    assert (tmp_path / "README.md").read_text() == (ROOT / "README.md").read_text(), (
        "README.md differs from its template and metrics/: edit qae/report/templates/readme.md, then `dvc repro readme`"
    )
    assert (tmp_path / "s.json").read_text() == (ROOT / "metrics/summary.json").read_text()


def metrics(path: str):
    return json.loads((ROOT / "metrics" / path).read_text())


@pytest.mark.skipif(not (ROOT / "metrics/sweep/results.json").exists(), reason="no committed metrics")
class TestTheReadmesClaimsHold:
    """What README says in words, checked against the committed metrics."""

    def test_the_corrected_recipe_beats_the_posts_at_few_bits(self):
        dims = metrics("sweep/faithful.json")[0]["dims"]
        corrected = {r["bits"]: r["accuracy"] for r in metrics("sweep/results.json") if r["dims"] == dims}
        post = {r["bits"]: r["accuracy"] for r in metrics("sweep/faithful.json")}
        assert corrected[2] > post[2] + 0.1 and corrected[4] >= post[4]

    def test_the_rate_distortion_model_beats_pca_at_both_targets(self):
        methods = metrics("rate_accuracy/methods.json")
        for target in ("bits_at_97", "bits_at_98"):
            assert methods["compressor_rd"][target] < methods["pca"][target]

    def test_the_search_loss_rises_with_l2_most_of_all(self):
        spearman = metrics("conv/summary.json")["spearman"]
        assert spearman["weight_decay"] > 0.5
        assert all(abs(v) < spearman["weight_decay"] for k, v in spearman.items() if k != "weight_decay")

    def test_clusters_of_codes_beat_the_softmax_neuron(self):
        digits = metrics("digits/summary.json")
        assert digits["clusters"]["mapping_accuracy"] > digits["softmax"]["mapping_accuracy"] + 0.3

    def test_the_fix_takes_post_004_below_the_mean_image(self):
        lowdims = metrics("lowdims/summary.json")
        assert lowdims["dims_3"]["mean"]["train_loss"] < 0.8 * lowdims["mean_image_loss"]
        assert lowdims["dims_3"]["default"]["train_loss"] > 0.95 * lowdims["mean_image_loss"]


def test_report_templates_exist_for_every_study_report_stage():
    stages = {p.stem.removesuffix("_report") for p in Path(ROOT / "stages").glob("*_report.py")}
    assert stages <= {p.stem for p in TEMPLATES.glob("*.md")}
