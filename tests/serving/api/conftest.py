"""Fixtures of the service tests: a tiny real ONNX bundle, apps on SQLite (always) and PostgreSQL (when
``MEDCODE_TEST_DATABASE_URL`` is set; ``eval "$(bash scripts/pg_test_cluster.sh)"`` starts one), and API keys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from serving.api.routes.keys import create_key
from serving.app import create_app
from serving.core.config import Settings
from serving.db.session import Database
from serving.db.tables import Base
from tests.serving.tiny_bundle import build_bundle

PG_URL = os.environ.get("MEDCODE_TEST_DATABASE_URL")
SECRET = "test-secret-0123456789abcdef"


@dataclass
class Service:
    """A running app with a client and one key per role."""

    app: FastAPI
    client: TestClient
    keys: dict[str, str]
    settings: Settings

    @property
    def database(self) -> Database:
        database: Database = self.app.state.database
        return database

    def headers(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}

    def count(self, table: type[Base]) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bundle(tmp_path_factory.mktemp("bundle") / "tiny-icd10")


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_url(backend: str, folder: Path) -> str:
    if backend == "postgresql":
        if not PG_URL:
            pytest.skip('set MEDCODE_TEST_DATABASE_URL (eval "$(bash scripts/pg_test_cluster.sh)") for PostgreSQL')
        reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite:///{folder / 'medcode.db'}"


@contextmanager
def running_service(url: str, bundle: Path | None, **overrides: Any) -> Iterator[Service]:
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": SECRET,
        "database_url": url,
        "icd_bundle": str(bundle) if bundle else None,
        "qa_sample_rate": 0.0,
    }
    values.update(overrides)
    settings = Settings(**values)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        keys: dict[str, str] = {}
        with app.state.database.writer() as session:
            for role in ("coder", "compliance", "admin"):
                keys[role] = create_key(session, f"test-{role}", role)[1]
            keys["coder2"] = create_key(session, "test-coder2", "coder")[1]
        yield Service(app=app, client=client, keys=keys, settings=settings)


@pytest.fixture(scope="module")
def service(tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A SQLite-backed service with the tiny bundle (shared by the tests of a module)."""
    with running_service(database_url("sqlite", tmp_path_factory.mktemp("db")), tiny_bundle) as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def any_db_service(backend: str, tiny_bundle: Path, tmp_path: Path) -> Iterator[Service]:
    """A fresh service on SQLite and on PostgreSQL (skipped without MEDCODE_TEST_DATABASE_URL)."""
    with running_service(database_url(backend, tmp_path), tiny_bundle, auto_threshold=1.0) as running:
        yield running


def encounter(encounter_id: str = "enc-1", text: str | None = None, **extra: Any) -> dict[str, Any]:
    """A DESIGN.md encounter with a billed claim."""
    return {
        "encounter_id": encounter_id,
        "patient_id": "pat-1",
        "date_of_service": "2026-03-02",
        "text": text
        or "Patient seen for follow up. Assessment: type 2 diabetes mellitus. Assessment: essential hypertension. "
        "Vital signs reviewed.",
        "claim": {"lines": [{"code": "99213", "dx": ["E11.9"]}]},
        **extra,
    }
