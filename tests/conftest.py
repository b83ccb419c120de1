"""Shared fixtures: the repo's params, and the same shrunk for tests."""

import pytest
import yaml

from tests.helpers import ROOT, shrink


@pytest.fixture
def repo_params() -> dict:
    """params.yaml as the repository ships it."""
    return yaml.safe_load((ROOT / "params.yaml").read_text())


@pytest.fixture
def tiny_params(repo_params: dict) -> dict:
    """`shrink(repo_params)`."""
    return shrink(repo_params)
