"""Batch submission: up to ``MEDCODE_MAX_BATCH`` encounters in one request; one bad record never loses the others."""

from __future__ import annotations

from fastapi import APIRouter

from datasets.io import parse_record
from serving.api.deps import CurrentUser, DatabaseDep, EngineDep, SettingsDep
from serving.api.routes._responses import ERROR_RESPONSES
from serving.api.routes.audit import run_audit
from serving.errors import ApiError
from serving.models import ApiErrorBody, BatchRequest, BatchResponse, BatchResult
from serving.service import suggest_and_route

router = APIRouter(prefix="/batch", tags=["batch"], responses=ERROR_RESPONSES)


@router.post("", response_model=BatchResponse)
def submit_batch(
    batch: BatchRequest, settings: SettingsDep, database: DatabaseDep, engine: EngineDep, user: CurrentUser
) -> BatchResponse:
    """Suggest (coder) or audit (compliance) each encounter; results and per-record errors in input order."""
    if len(batch.encounters) > settings.max_batch:
        raise ApiError("API012", size=len(batch.encounters), limit=settings.max_batch)
    if not user.has("coder" if batch.mode == "suggest" else "compliance"):
        raise ApiError("API003")
    if not engine.ready:
        raise ApiError("API015")
    results: list[BatchResult] = []
    for index, raw in enumerate(batch.encounters):
        encounter_id = raw.get("encounter_id") if isinstance(raw.get("encounter_id"), str) else None
        try:
            try:
                encounter = parse_record(raw)
            except ValueError as error:
                raise ApiError("API008", summary=str(error)) from None
            if batch.mode == "suggest":
                result = BatchResult(
                    index=index,
                    encounter_id=encounter_id,
                    ok=True,
                    suggest=suggest_and_route(settings, database, engine, user, encounter),
                )
            else:
                result = BatchResult(
                    index=index,
                    encounter_id=encounter_id,
                    ok=True,
                    audit=run_audit(settings, database, engine, user, encounter),
                )
        except ApiError as error:
            result = BatchResult(
                index=index,
                encounter_id=encounter_id,
                ok=False,
                error=ApiErrorBody(detail=error.detail, code=error.code),
            )
        results.append(result)
    return BatchResponse(mode=batch.mode, count=len(results), n_ok=sum(r.ok for r in results), results=results)
