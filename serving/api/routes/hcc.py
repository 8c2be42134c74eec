"""HCC gap scan of a patient: the current note plus the claims in its history (compliance)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from datasets.schema import Encounter
from serving.api.deps import CurrentCompliance, DatabaseDep, EngineDep, SettingsDep
from serving.api.routes._responses import ERROR_RESPONSES
from serving.models import HccGapsResponse
from serving.queue import log_access
from serving.service import check_note, encounter_from_fhir

router = APIRouter(prefix="/hcc", tags=["hcc"], responses=ERROR_RESPONSES)


@router.post("/gaps", response_model=HccGapsResponse)
def scan_hcc_gaps(
    encounter: Encounter, settings: SettingsDep, database: DatabaseDep, engine: EngineDep, user: CurrentCompliance
) -> HccGapsResponse:
    """HCCs documented but not billed, and HCCs billed in ``history`` that the current note does not document."""
    check_note(settings, encounter)
    result = engine.hcc_gaps(encounter)
    with database.writer() as session:
        log_access(session, user, "hcc_gaps", encounter_id=encounter.encounter_id)
    return result


@router.post("/gaps/fhir", response_model=HccGapsResponse)
def scan_hcc_gaps_fhir(
    settings: SettingsDep,
    database: DatabaseDep,
    engine: EngineDep,
    user: CurrentCompliance,
    bundle: dict[str, Any] = Body(..., description="A FHIR R4 Bundle"),
) -> HccGapsResponse:
    """Like ``POST /hcc/gaps`` for a FHIR R4 Bundle."""
    return scan_hcc_gaps(encounter_from_fhir(bundle), settings, database, engine, user)
