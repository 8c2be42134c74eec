"""Suggest codes for one encounter (DESIGN.md JSON or a FHIR R4 Bundle) and route them to auto or review."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from datasets.schema import Encounter
from serving.api.deps import CurrentCoder, DatabaseDep, EngineDep, SettingsDep
from serving.api.routes._responses import ERROR_RESPONSES
from serving.models import SuggestResponse
from serving.service import encounter_from_fhir, suggest_and_route

router = APIRouter(prefix="/suggest", tags=["suggest"], responses=ERROR_RESPONSES)


@router.post("", response_model=SuggestResponse)
def suggest_codes(
    encounter: Encounter, settings: SettingsDep, database: DatabaseDep, engine: EngineDep, coder: CurrentCoder
) -> SuggestResponse:
    """Ranked ICD-10-CM (and, when loaded, CPT/HCPCS/E/M) suggestions with HCCs, confidence, evidence and tier."""
    return suggest_and_route(settings, database, engine, coder, encounter)


@router.post("/fhir", response_model=SuggestResponse)
def suggest_codes_fhir(
    settings: SettingsDep,
    database: DatabaseDep,
    engine: EngineDep,
    coder: CurrentCoder,
    bundle: dict[str, Any] = Body(..., description="A FHIR R4 Bundle: DocumentReference + Encounter + Patient + Claim"),
) -> SuggestResponse:
    """Like ``POST /suggest`` for a FHIR R4 Bundle."""
    return suggest_and_route(settings, database, engine, coder, encounter_from_fhir(bundle))
