"""Shared fixtures of the HCC tests."""

from __future__ import annotations

import pytest

from models.hcc.conditions import HccConditionFinder
from models.hcc.scan import HccScanner


@pytest.fixture(scope="session")
def finder() -> HccConditionFinder:
    """The condition finder the audit engine uses (V28 and V24), built once: its title index takes seconds."""
    found = HccScanner.default().finder
    assert found is not None
    return found
