"""Dependencies as ``Annotated`` aliases, so handlers read like prose (``session: SessionDep, coder: CurrentCoder``).

Authentication (API key, bearer token or the web session cookie), the role check and the per-key rate limit are one
dependency; ``QueueItemDep`` does the review-item lookup and its permission check once.

Dependencies that only read ``app.state`` or check a value are ``async def``: FastAPI runs every plain ``def``
dependency in its thread pool, one hand-off each way per dependency per request, and those hand-offs cost more than
the work (measured on the suggest route with a tiny model: the thread-pool hops of eight sync dependencies took 15%
of the server's CPU). Dependencies that talk to the database stay ``def`` and run in the pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from serving.core.config import Settings
from serving.db.session import Database
from serving.db.tables import ApiKey, ReviewItem
from serving.engine import SuggestionEngine
from serving.errors import ApiError
from serving.security import KEY_PREFIX, Principal, RateLimiter, Role, TokenSigner, hash_key

SESSION_COOKIE = "medcode_session"
CSRF_HEADER = "X-Medcode-CSRF"

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key (`medcode keys create`).")
_bearer = HTTPBearer(auto_error=False, description="An API key, or a token from POST /api/v1/auth/token.")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="The web page's session (a signed token).")


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    """The app's database."""
    database: Database = request.app.state.database
    return database


async def get_engine(request: Request) -> SuggestionEngine:
    """The loaded prediction engine."""
    engine: SuggestionEngine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
EngineDep = Annotated[SuggestionEngine, Depends(get_engine)]
BundleDep = EngineDep  # the loaded bundles live in the engine (G11 name)


def get_session(database: DatabaseDep) -> Iterator[Session]:
    """A read session closed after the request."""
    with database.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


# Built once: the caller's key is looked up on every request.
_KEY_COLUMNS = (ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.revoked_at)
_KEY_BY_HASH = select(*_KEY_COLUMNS).where(ApiKey.key_hash == bindparam("key_hash"))
_KEY_BY_ID = select(*_KEY_COLUMNS).where(ApiKey.id == bindparam("key_id"))


def principal_for(session: Session, signer: TokenSigner, credential: str) -> Principal | None:
    """The active key a credential names: an API key (``mc_...``) or a signed token; None when neither."""
    if credential.startswith(KEY_PREFIX):
        row = session.execute(_KEY_BY_HASH, {"key_hash": hash_key(credential)}).first()
    else:
        key_id = signer.key_id(credential)
        row = session.execute(_KEY_BY_ID, {"key_id": key_id}).first() if key_id is not None else None
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, name=row.name, role=row.role)


def get_principal(
    request: Request,
    database: DatabaseDep,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """Authenticate the caller and charge one request to its rate bucket (401 API001/API002, 429 API013)."""
    credential = api_key or (bearer.credentials if bearer is not None else None)
    if not credential and cookie:
        # The web page's cookie: writes must carry a header a cross-site form cannot set (CSRF).
        if request.method not in ("GET", "HEAD") and request.headers.get(CSRF_HEADER) != "1":
            raise ApiError("API003")
        credential = cookie
    if not credential:
        raise ApiError("API001")
    # Its own short read session, not SessionDep: the lookup then costs one thread-pool hop, not three.
    with database.session() as session:
        principal = principal_for(session, request.app.state.signer, credential)
    if principal is None:
        raise ApiError("API002")
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.acquire(principal.key_id)
    if wait > 0:
        raise ApiError("API013", retry=max(1, round(wait)))
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting callers with one of ``roles`` (admin always): 403 "Not enough permissions" else."""

    async def check(user: CurrentUser) -> Principal:
        if not user.has(*roles):
            raise ApiError("API003")
        return user

    return check


CurrentCoder = Annotated[Principal, Depends(require("coder"))]
CurrentReviewer = CurrentCoder
CurrentCompliance = Annotated[Principal, Depends(require("compliance"))]
CurrentAdmin = Annotated[Principal, Depends(require("admin"))]
CurrentAnalyst = Annotated[Principal, Depends(require("coder", "compliance"))]


def get_queue_item(
    session: SessionDep, reviewer: CurrentReviewer, item_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> ReviewItem:
    """The review item ``item_id`` for a reviewer: 404 "Review item not found", 403 "Not enough permissions" when
    another coder has claimed it (admins may act on any item)."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ApiError("API004")
    if item.assignee not in (None, reviewer.name) and reviewer.role != "admin":
        raise ApiError("API003")
    return item


QueueItemDep = Annotated[ReviewItem, Depends(get_queue_item)]
