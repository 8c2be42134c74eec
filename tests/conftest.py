"""Shared fixtures: the shared data folder (skip cleanly when absent) and the code sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from configs.settings import get_settings
from datasets.codesets import CodeSets


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """``$MEDCODE_DATA_DIR`` (default ../shared/data); tests using it skip when it is absent."""
    data_dir = get_settings().data_dir
    if data_dir is None or not data_dir.is_dir():
        pytest.skip("../shared/data is not available on this machine (set MEDCODE_DATA_DIR)")
    return data_dir


@pytest.fixture(scope="session")
def codesets() -> CodeSets:
    return CodeSets.from_settings()


@pytest.fixture(scope="session")
def cms(codesets: CodeSets):  # type: ignore[no-untyped-def]
    if not codesets.has_cms:
        pytest.skip("CMS code-set CSVs are not available (set MEDCODE_DATA_DIR)")
    return codesets.cms
