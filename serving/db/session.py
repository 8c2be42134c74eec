"""Database engines and sessions, and ``migrate()`` which runs ``alembic upgrade head`` programmatically.

SQLite is tuned for many concurrent writers in one process: WAL journal, a 30 s busy timeout, and write transactions
opened with ``BEGIN IMMEDIATE`` (a deferred transaction that later upgrades to a write lock can fail at once with
"database is locked" instead of waiting). Sessions from :meth:`Database.writer` take the write lock up front; readers
use plain deferred transactions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_IMMEDIATE = "medcode_immediate"


def _sqlite_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20, max_overflow=40)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engine(url: str) -> Engine:
    """An engine for ``url``: tuned SQLite, or a pooled engine for PostgreSQL (``postgresql+psycopg://``)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=20, max_overflow=40, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    """An alembic configuration pointing at the migrations shipped in this package (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("serving.db") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (``alembic upgrade head``) on ``engine``.

    Several workers starting at once migrate one after the other: SQLite takes the write lock up front, PostgreSQL
    an advisory transaction lock; whoever comes second finds the schema at head and does nothing.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    locked = engine.execution_options(**{_IMMEDIATE: True}) if engine.dialect.name == "sqlite" else engine
    with locked.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7263541)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """The service's engine and session factories."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = (
            self.engine.execution_options(**{_IMMEDIATE: True}) if url.startswith("sqlite") else self.engine
        )
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def session(self) -> Session:
        """A session for reads (and writes that need no up-front lock)."""
        return self._reader()

    @contextmanager
    def writer(self) -> Iterator[Session]:
        """A session whose transaction holds the write lock from its start; committed on success."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def write_transaction(self) -> Iterator[Connection]:
        """Like :meth:`writer` for Core statements: a connection without an ORM session (cheaper on every request)."""
        with self._write_engine.begin() as connection:
            yield connection

    def migrate(self) -> None:
        """Run the migrations on this database."""
        migrate(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
