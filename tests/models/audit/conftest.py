"""Fixtures for the audit tests: a builder for minimal encounters and engines with test-double model providers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from datasets.codesets import CodeSets
from datasets.schema import Encounter
from models.audit import AuditEngine
from models.audit.inputs import DiagnosisFinding, DocumentedCode, EmFinding, HccFinding, ServiceFinding

EncounterFactory = Callable[..., Encounter]


def make_encounter(
    lines: list[dict[str, Any]],
    *,
    history: list[dict[str, Any]] | None = None,
    dos: str = "2024-08-01",
    payer: str | None = None,
    text: str = "Established patient seen in the office for follow-up.",
    encounter_id: str = "enc-1",
    **extra: Any,
) -> Encounter:
    """A minimal encounter: the claim lines given, in the office, on 1 August 2024 (tables of July 2024)."""
    record: dict[str, Any] = {
        "encounter_id": encounter_id,
        "text": text,
        "date_of_service": dos,
        "setting": "office",
        "patient_status": "established",
        "claim": {"lines": lines},
        "history": history or [],
        **extra,
    }
    if payer is not None:
        record["payer"] = payer
    return Encounter.model_validate(record)


@pytest.fixture()
def encounter() -> EncounterFactory:
    return make_encounter


class FixedEm:
    """Test double: always answers the same E/M finding."""

    version = "test-em"

    def __init__(self, finding: EmFinding | None) -> None:
        self.finding = finding

    def assess_em(self, encounter: Encounter) -> EmFinding | None:
        return self.finding


class FixedServices:
    version = "test-services"

    def __init__(self, services: tuple[ServiceFinding, ...]) -> None:
        self.services = services

    def detect_services(self, encounter: Encounter) -> tuple[ServiceFinding, ...]:
        return self.services


class FixedDiagnoses:
    version = "test-dx"

    def __init__(self, findings: tuple[DiagnosisFinding, ...], documented: tuple[DocumentedCode, ...] = ()) -> None:
        self.findings = findings
        self.documented = documented

    def assess_diagnoses(
        self, encounter: Encounter, billed: list[str]
    ) -> tuple[tuple[DiagnosisFinding, ...], tuple[DocumentedCode, ...]]:
        return self.findings, self.documented


class FixedHccs:
    version = "test-hcc"

    def __init__(self, findings: tuple[HccFinding, ...]) -> None:
        self.findings = findings

    def find_hccs(self, encounter: Encounter) -> tuple[HccFinding, ...]:
        return self.findings


@pytest.fixture(scope="session")
def claim_engine(cms: Any, codesets: CodeSets) -> AuditEngine:
    """The engine with the CMS tables and no models (claim-only checks)."""
    return AuditEngine(codesets=codesets)


def types_of(audit: Any) -> list[str]:
    return [flag.type for flag in audit.flags]
