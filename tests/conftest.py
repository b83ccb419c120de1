"""Shared fixtures: the repo's params; the CPU for every test."""

import pytest
import yaml

from qae.runtime import DEVICE_ENV
from tests.helpers import ROOT


@pytest.fixture(scope="session", autouse=True)
def cpu_device():
    """The tests state CPU behaviour, exact to the bit: pin the device even where a GPU
    is present (qae's default, auto, would pick it), module fixtures included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DEVICE_ENV, "cpu")
        yield


@pytest.fixture
def repo_params() -> dict:
    """params.yaml as the repository ships it."""
    return yaml.safe_load((ROOT / "params.yaml").read_text())
