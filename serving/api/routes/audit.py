"""Audit a billed claim against its note (compliance)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from datasets.schema import Encounter
from serving.api.deps import CurrentCompliance, DatabaseDep, EngineDep, SettingsDep
from serving.api.routes._responses import ERROR_RESPONSES
from serving.core.config import Settings
from serving.db.session import Database
from serving.engine import SuggestionEngine
from serving.models import AuditResponse
from serving.queue import log_access
from serving.security import Principal
from serving.service import check_note, encounter_from_fhir

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)


def run_audit(
    settings: Settings, database: Database, engine: SuggestionEngine, user: Principal, encounter: Encounter
) -> AuditResponse:
    """Check, audit and record the access (nothing else is stored)."""
    check_note(settings, encounter)
    result = engine.audit(encounter)
    with database.writer() as session:
        log_access(session, user, "audit", encounter_id=encounter.encounter_id)
    return result


@router.post("", response_model=AuditResponse)
def audit_claim(
    encounter: Encounter, settings: SettingsDep, database: DatabaseDep, engine: EngineDep, user: CurrentCompliance
) -> AuditResponse:
    """Flags (DESIGN.md vocabulary) raised by the encounter's ``claim`` against its note."""
    return run_audit(settings, database, engine, user, encounter)


@router.post("/fhir", response_model=AuditResponse)
def audit_claim_fhir(
    settings: SettingsDep,
    database: DatabaseDep,
    engine: EngineDep,
    user: CurrentCompliance,
    bundle: dict[str, Any] = Body(..., description="A FHIR R4 Bundle with a Claim"),
) -> AuditResponse:
    """Like ``POST /audit`` for a FHIR R4 Bundle."""
    return run_audit(settings, database, engine, user, encounter_from_fhir(bundle))
