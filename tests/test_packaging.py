"""What `pip install` brings and what the repository says about itself: the extras,
the pinned lock, the licence and the citation."""

import re

import pytest
import yaml

from tests.helpers import ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def locked() -> dict[str, str]:
    """requirements.lock as {name: version}."""
    pins = (line.split("==") for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line)
    return {name.strip(): version.strip() for name, version in pins}


def test_the_scale_extra_brings_a_postgresql_driver_for_postgresql_urls():
    """README's `QAE_SEARCH_STORAGE=postgresql://...` needs psycopg (SQLAlchemy 2.1's default driver)."""
    scale = " ".join(pyproject()["project"]["optional-dependencies"]["scale"])
    assert "psycopg[binary]" in scale and re.search(r"sqlalchemy>=2\.1", scale)


def test_the_lock_pins_the_postgresql_driver():
    lock = locked()
    assert lock["psycopg"] == lock["psycopg-binary"]  # the binary wheel of the same release


def test_the_lock_is_in_alphabetical_order():
    names = list(locked())
    assert names == sorted(names)


def test_the_license_is_the_one_pyproject_declares():
    license_ = pyproject()["project"]["license"]
    assert (ROOT / "LICENSE").read_text().splitlines()[:3] == [
        f"{license_} License",
        "",
        "Copyright (c) 2026 the qae authors",
    ]


def test_the_citation_names_this_version_and_license():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == pyproject()["project"]["version"]
    assert citation["license"] == pyproject()["project"]["license"]
    assert citation["authors"] == [{"name": "the qae authors"}]


def test_the_citation_cites_the_five_posts_the_pipeline_reproduces():
    references = yaml.safe_load((ROOT / "CITATION.cff").read_text())["references"]
    assert len(references) == 5
    assert all(r["title"] and r["authors"] for r in references)
