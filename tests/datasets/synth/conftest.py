"""One small synthetic set per test session (fast default runs), plus the code sets it was checked against."""

from __future__ import annotations

import pytest

from datasets.codesets import CodeSets
from datasets.schema import Encounter
from datasets.synth.generator import SynthConfig, generate_encounters

N_ENCOUNTERS = 400


@pytest.fixture(scope="session")
def codesets() -> CodeSets:
    return CodeSets.from_settings()


@pytest.fixture(scope="session")
def encounters(codesets: CodeSets) -> list[Encounter]:
    return list(generate_encounters(SynthConfig(n=N_ENCOUNTERS, seed=11, phrasing="all"), codesets=codesets))
