"""Liveness (``/health``) and readiness (``/ready``: models loaded and database answering)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import text

from serving.models import Health, Readiness

router = APIRouter(tags=["health"])
VERSION = "0.1.0"


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    """The process is up."""
    return Health(version=VERSION)


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
def ready(request: Request, response: Response) -> Readiness:
    """Ready when the ICD-10-CM bundle is loaded and the database answers; 503 otherwise, with the reason."""
    engine = request.app.state.engine
    database = request.app.state.database
    reason = None
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        reason = "the database does not answer; check DATABASE_URL"
    if engine is None or not engine.ready:
        reason = reason or "no ICD-10-CM bundle loaded; set MEDCODE_ICD_BUNDLE and restart"
    if reason:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Readiness(
        ready=reason is None,
        bundles=engine.bundle_ids if engine is not None else {},
        database=database.dialect,
        reason=reason,
    )
