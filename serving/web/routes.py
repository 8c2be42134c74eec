"""Web pages: log in with an API key (exchanged for a signed session cookie), the queue, an item with highlighted
evidence and keyboard shortcuts, and the compliance view. The pages call the JSON API with the same cookie; a
custom header (``X-Medcode-CSRF``) is required on cookie-authenticated writes, which a cross-site form cannot send.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from serving.api.deps import SESSION_COOKIE, principal_for
from serving.db.tables import ReviewItem
from serving.queue import item_detail, list_items, log_access
from serving.security import Principal

_WEB = resources.files("serving.web")
templates = Jinja2Templates(directory=str(_WEB / "templates"))
router = APIRouter(include_in_schema=False)


def _principal(request: Request) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with request.app.state.database.session() as session:
        return principal_for(session, request.app.state.signer, token)


def _login_redirect() -> RedirectResponse:
    return RedirectResponse("/ui/login", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/")
def home() -> RedirectResponse:
    """The queue is the home page."""
    return RedirectResponse("/ui/queue", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/ui/login", response_class=HTMLResponse)
def login_page(request: Request, error: str | None = None) -> Response:
    """The login form (an API key)."""
    return templates.TemplateResponse(request, "login.html", {"error": error, "user": None})


@router.post("/ui/login")
def login(request: Request, api_key: Annotated[str, Form(max_length=200)]) -> Response:
    """Exchange the key for a signed session cookie (HttpOnly, SameSite=Strict)."""
    with request.app.state.database.session() as session:
        principal = principal_for(session, request.app.state.signer, api_key) if api_key.startswith("mc_") else None
    if principal is None:
        return templates.TemplateResponse(
            request, "login.html", {"error": "Unknown or revoked key.", "user": None}, status_code=401
        )
    target = "/ui/compliance" if principal.role == "compliance" else "/ui/queue"
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    signer = request.app.state.signer
    response.set_cookie(
        SESSION_COOKIE,
        signer.issue(principal.key_id),
        max_age=signer.ttl_s,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/ui/logout")
def logout() -> Response:
    """Drop the session cookie."""
    response = _login_redirect()
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/ui/queue", response_class=HTMLResponse)
def queue_page(request: Request, status_filter: str | None = None) -> Response:
    """The coder's queue."""
    user = _principal(request)
    if user is None:
        return _login_redirect()
    if not user.has("coder"):
        return templates.TemplateResponse(request, "forbidden.html", {"user": user}, status_code=403)
    allowed = {"open", "claimed", "resolved"}
    with request.app.state.database.session() as session:
        items, count = list_items(
            session, status=status_filter if status_filter in allowed else None, skip=0, limit=200
        )
    return templates.TemplateResponse(
        request, "queue.html", {"user": user, "items": items, "count": count, "status_filter": status_filter}
    )


@router.get("/ui/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: int) -> Response:
    """One item: the note with evidence highlighted per suggestion; accept/reject/edit with shortcuts."""
    user = _principal(request)
    if user is None:
        return _login_redirect()
    if not user.has("coder"):
        return templates.TemplateResponse(request, "forbidden.html", {"user": user}, status_code=403)
    database = request.app.state.database
    with database.session() as session:
        item = session.get(ReviewItem, item_id) if 0 < item_id < 2**31 else None
        if item is None:
            return templates.TemplateResponse(request, "notfound.html", {"user": user}, status_code=404)
        detail = item_detail(session, item)
    with database.writer() as session:
        log_access(session, user, "open_item", encounter_id=detail.encounter_id, item_id=item_id)
    return templates.TemplateResponse(
        request, "item.html", {"user": user, "item": detail, "item_json": detail.model_dump(mode="json")}
    )


@router.get("/ui/compliance", response_class=HTMLResponse)
def compliance_page(request: Request) -> Response:
    """Audit flags and HCC gaps for an encounter pasted as JSON."""
    user = _principal(request)
    if user is None:
        return _login_redirect()
    if not user.has("compliance"):
        return templates.TemplateResponse(request, "forbidden.html", {"user": user}, status_code=403)
    return templates.TemplateResponse(request, "compliance.html", {"user": user})


def mount_web(app: FastAPI) -> None:
    """Add the pages and the static files to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(_WEB / "static")), name="static")
