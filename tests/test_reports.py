"""Numbers are generated: the reports' and README's numbers come from metrics/ through
their templates, and what README's prose claims holds in the committed metrics."""

import re
from pathlib import Path

import pytest
import yaml

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


# Words that compare results: a template may say them only through a generated field, which
# states a comparison as far as the seeds and the test set's sampling support it.
COMPARING = re.compile(
    r"\b(beats?|better|worse|more accurate|less accurate|higher than|lower than|outperforms?|fixes it)\b", re.I
)


@pytest.mark.parametrize("template", sorted(p.stem for p in TEMPLATES.glob("*.md")))
def test_templates_state_no_comparison_of_their_own(template):
    said = COMPARING.findall(prose((TEMPLATES / f"{template}.md").read_text()))
    assert said == [], f"{template}.md compares results in words ({said}); generate the finding in a field"


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
    args = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["readme"]["cmd"].split()[3:]
    out = {"README.md": str(tmp_path / "README.md"), "metrics/summary.json": str(tmp_path / "s.json")}
    readme.main([out.get(a, a) for a in args])
    assert (tmp_path / "README.md").read_text() == (ROOT / "README.md").read_text(), (
        "README.md differs from its template and metrics/: edit qae/report/templates/readme.md, then `dvc repro readme`"
    )
    assert (tmp_path / "s.json").read_text() == (ROOT / "metrics/summary.json").read_text()


def test_report_templates_exist_for_every_study_report_stage():
    stages = {p.stem.removesuffix("_report") for p in Path(ROOT / "stages").glob("*_report.py")}
    assert stages <= {p.stem for p in TEMPLATES.glob("*.md")}
