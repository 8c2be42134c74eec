"""The FastAPI application: ``create_app(settings)`` wires routers, guards, error handlers, metrics and the web page.

Start-up (the lifespan) migrates the database (``alembic upgrade head``), creates the bootstrap admin key when
configured, opens the code sets and loads every configured model bundle once; a bad bundle stops the start-up
(G9). ``/ready`` stays false until that has finished and while no ICD-10-CM bundle is loaded.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from serving.api.routes import audit, batch, hcc, health, keys, review_queue, suggest
from serving.core.config import Settings
from serving.db.session import Database
from serving.db.tables import ApiKey
from serving.engine import build_engine
from serving.errors import ApiError
from serving.native_threads import limit_native_threads
from serving.security import RateLimiter, TokenSigner

logger = logging.getLogger("medcode.serving")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
API_PREFIX = "/api/v1"


class Metrics:
    """Prometheus metrics of one app (own registry, so several apps in one process do not collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "medcode_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "medcode_http_request_seconds",
            "Request latency",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.ready = Gauge("medcode_ready", "1 when the models are loaded", registry=self.registry)
        self.bundle = Gauge("medcode_bundle_info", "Loaded bundles", ["system", "bundle_id"], registry=self.registry)


def _error_response(code: str, detail: str, status_code: int, **extra: Any) -> JSONResponse:
    headers = extra.pop("headers", None)
    return JSONResponse({"detail": detail, "code": code, **extra}, status_code=status_code, headers=headers)


def _api_error(error: ApiError) -> JSONResponse:
    headers = None
    if error.code == "API013":
        headers = {"Retry-After": error.detail.rsplit("after ", 1)[-1].split(" ")[0]}
    return _error_response(error.code, error.detail, error.status_code, headers=headers)


class GuardMiddleware:
    """Body size (413), UTF-8 of JSON bodies (400), request timeout (504) and request metrics, in front of FastAPI.

    The body is read once here and replayed, so the size check also holds for chunked uploads without a
    Content-Length header.
    """

    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response_started = False
        status_code = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal response_started, status_code
            if message["type"] == "http.response.start":
                response_started = True
                status_code = int(message["status"])
            await send(message)

        async def reply(response: Response) -> None:
            await response(scope, receive, send_wrapper)

        try:
            replay = await self._read_body(scope, receive)
        except ApiError as error:
            await reply(_api_error(error))
            self._observe(scope, status_code, started)
            return
        try:
            await asyncio.wait_for(self.app(scope, replay, send_wrapper), timeout=self.settings.request_timeout_s)
        except TimeoutError:
            if not response_started:
                await reply(_api_error(ApiError("API014", limit=self.settings.request_timeout_s)))
        self._observe(scope, status_code, started)

    async def _read_body(self, scope: Scope, receive: Receive) -> Receive:
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return receive
        headers = dict(scope.get("headers") or [])
        limit = self.settings.max_body_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise ApiError("API007", limit=limit)
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise ApiError("API007", limit=limit)
            chunks.append(chunk)
            more = bool(message.get("more_body"))
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"")
        if b"json" in content_type and body:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                raise ApiError("API009") from None
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    def _observe(self, scope: Scope, status_code: int, started: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        included = (scope.get("fastapi") or {}).get("included_router")
        context = getattr(included, "include_context", None)
        template = str(getattr(context, "prefix", "") or "") + template
        elapsed = time.perf_counter() - started
        self.metrics.requests.labels(scope["method"], template, str(status_code)).inc()
        self.metrics.latency.labels(template).observe(elapsed)
        if status_code >= 500:
            logger.warning("request failed", extra={"route": template, "status": status_code})


def _bootstrap_admin(database: Database, key: str) -> None:
    from serving.api.routes.keys import create_key

    try:
        with database.writer() as session:
            if session.scalar(select(ApiKey.id).where(ApiKey.role == "admin", ApiKey.revoked_at.is_(None))) is None:
                create_key(session, "admin", "admin", key=key)
                logger.info("bootstrap admin key created")
    except IntegrityError:
        logger.info("bootstrap admin key already created by another worker")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: read from the environment)."""
    settings = settings or Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limit_native_threads()  # requests run side by side in threads and workers, never one note across cores
        database = Database(settings.database_url)
        app.state.database = database
        await asyncio.to_thread(database.migrate)
        if settings.bootstrap_admin_key:
            await asyncio.to_thread(_bootstrap_admin, database, settings.bootstrap_admin_key)
        codesets = None
        if settings.load_codesets:
            from datasets.codesets import CodeSets

            codesets = CodeSets.from_settings()
            await asyncio.to_thread(lambda: codesets.icd10cm)  # build the indexes now, not on the first request
            if codesets.has_cms:
                await asyncio.to_thread(lambda: codesets.cms)
        app.state.engine = await asyncio.to_thread(
            build_engine,
            settings.icd_bundle,
            settings.extra_bundles,
            codesets,
            auto_threshold=settings.auto_threshold,
            min_confidence=settings.min_confidence,
            top_k=settings.top_k,
            use_audit_engine=settings.use_audit_engine,
            suggest_em_services=settings.suggest_em_services,
            model_concurrency=settings.model_concurrency,
        )
        metrics.ready.set(1 if app.state.engine.ready else 0)
        for system, bundle_id in app.state.engine.bundle_ids.items():
            metrics.bundle.labels(system, bundle_id).set(1)
        yield
        metrics.ready.set(0)
        database.dispose()

    app = FastAPI(
        title="medcode",
        version="0.1.0",
        description="ML-assisted medical coding suggestions, review queue, audit and HCC gap scans.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = None
    app.state.signer = TokenSigner(settings.secret_key, settings.token_ttl_s)
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    app.state.metrics = metrics

    for module in (suggest, audit, hcc, batch, review_queue, keys):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(health.router)

    from serving.web.routes import mount_web

    mount_web(app)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, error: ApiError) -> JSONResponse:
        return _api_error(error)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        # loc, msg and type only: pydantic's "input" and "ctx" may carry note text or identifiers.
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in error.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            body = ApiError("API009")
            return _error_response(body.code, body.detail, status.HTTP_400_BAD_REQUEST)
        summary = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:3])
        api = ApiError("API008", summary=summary[:300] + (f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""))
        return _error_response(api.code, api.detail, api.status_code, errors=errors[:20])

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == status.HTTP_404_NOT_FOUND:
            api = ApiError("API021")
        elif error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            api = ApiError("API022")
        else:
            api = ApiError("API023", summary=f"HTTP {error.status_code}")
            return _error_response(api.code, api.detail, error.status_code)
        return _api_error(api)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        reference = uuid.uuid4().hex[:12]
        # The exception type and reference only: messages of libraries may quote the note.
        logger.error("unhandled %s (reference %s)", type(error).__name__, reference)
        return _api_error(ApiError("API020", ref=reference))

    app.add_middleware(GuardMiddleware, settings=settings, metrics=metrics)
    return app
