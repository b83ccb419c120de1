"""Shared fixtures: the repo's params."""

import pytest
import yaml

from tests.helpers import ROOT


@pytest.fixture
def repo_params() -> dict:
    """params.yaml as the repository ships it."""
    return yaml.safe_load((ROOT / "params.yaml").read_text())
