"""API keys (admin), the token exchange, ``whoami`` and the access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from serving.api.deps import CurrentAdmin, CurrentUser, DatabaseDep, SessionDep, principal_for, require
from serving.api.routes._responses import ERROR_RESPONSES
from serving.db.tables import AccessLogEntry, ApiKey, utcnow
from serving.errors import ApiError
from serving.models import (
    AccessLogPage,
    AccessLogPublic,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeysPublic,
    TokenRequest,
    TokenResponse,
    WhoAmI,
)
from serving.security import Principal, hash_key, new_api_key

router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)


def create_key(session: Session, name: str, role: str, key: str | None = None) -> tuple[ApiKey, str]:
    """Insert a key row (hash only) and return it with the key value (shown once)."""
    value = key or new_api_key()
    row = ApiKey(name=name, role=role, key_hash=hash_key(value), prefix=value[:8])
    session.add(row)
    session.flush()
    return row, value


@router.post("/keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyCreate, database: DatabaseDep, admin: CurrentAdmin) -> ApiKeyCreated:
    """Create a key for a user and role; the value is in this response only."""
    with database.writer() as session:
        row, value = create_key(session, body.name, body.role)
        public = ApiKeyPublic.model_validate(row)
    return ApiKeyCreated(**public.model_dump(), key=value)


@router.get("/keys", response_model=ApiKeysPublic)
def read_api_keys(session: SessionDep, admin: CurrentAdmin) -> ApiKeysPublic:
    """Every key (never its value)."""
    rows = list(session.scalars(select(ApiKey).order_by(ApiKey.id)))
    return ApiKeysPublic(data=[ApiKeyPublic.model_validate(r) for r in rows], count=len(rows))


@router.delete("/keys/{key_id}", response_model=ApiKeyPublic)
def revoke_api_key(key_id: int, database: DatabaseDep, admin: CurrentAdmin) -> ApiKeyPublic:
    """Revoke a key (kept for the access log's sake)."""
    with database.writer() as session:
        row = session.get(ApiKey, key_id) if 0 < key_id < 2**31 else None
        if row is None:
            raise ApiError("API019", key_id=key_id)
        row.revoked_at = row.revoked_at or utcnow()
        session.flush()
        return ApiKeyPublic.model_validate(row)


@router.post("/auth/token", response_model=TokenResponse)
def issue_token(body: TokenRequest, request: Request, session: SessionDep) -> TokenResponse:
    """Exchange an API key for a signed bearer token (OAuth2 client-credentials style)."""
    principal = (
        principal_for(session, request.app.state.signer, body.api_key) if body.api_key.startswith("mc_") else None
    )
    if principal is None:
        raise ApiError("API002")
    signer = request.app.state.signer
    return TokenResponse(access_token=signer.issue(principal.key_id), expires_in=signer.ttl_s, role=principal.role)


@router.get("/auth/me", response_model=WhoAmI)
def who_am_i(user: CurrentUser) -> WhoAmI:
    """The caller's name and role."""
    return WhoAmI(name=user.name, role=user.role)


@router.get("/access-log", response_model=AccessLogPage)
def read_access_log(
    session: SessionDep,
    user: Annotated[Principal, Depends(require("compliance"))],
    encounter_id: Annotated[str | None, Query(max_length=200)] = None,
    skip: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AccessLogPage:
    """Who touched which encounter and when (newest first); compliance and admin."""
    where = [AccessLogEntry.encounter_id == encounter_id] if encounter_id else []
    total = session.scalar(select(func.count(AccessLogEntry.id)).where(*where)) or 0
    rows = session.scalars(
        select(AccessLogEntry).where(*where).order_by(AccessLogEntry.id.desc()).offset(skip).limit(limit)
    )
    return AccessLogPage(data=[AccessLogPublic.model_validate(r) for r in rows], count=int(total))
