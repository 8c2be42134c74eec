"""The embedded SQLite database: WAL journal and its companions on every connection, write transactions that take
the write lock up front and commit or roll back as a whole."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from serving.db.session import Database
from serving.db.tables import AccessLogEntry, utcnow


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'medcode.db'}")
    database.migrate()
    yield database
    database.dispose()


def _access_rows(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(AccessLogEntry)) or 0)


def _log_row(action: str) -> dict[str, object]:
    return {"at": utcnow(), "user": "ana", "role": "coder", "action": action, "encounter_id": "e1", "item_id": None}


def test_db_session_sqlite_connections_use_wal(database: Database) -> None:
    with database.engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    # synchronous 1 = NORMAL: in WAL mode a commit needs no fsync, a checkpoint does
    assert pragma == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 30000, "foreign_keys": 1}


def test_db_session_write_transaction_holds_the_write_lock_from_its_start(database: Database, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "medcode.db", timeout=0, isolation_level=None)
    try:
        with database.write_transaction(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after the commit
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_db_session_write_transaction_commits_or_rolls_back(database: Database) -> None:
    with database.write_transaction() as connection:
        connection.execute(insert(AccessLogEntry), _log_row("suggest"))
    assert _access_rows(database) == 1
    with pytest.raises(RuntimeError), database.write_transaction() as connection:
        connection.execute(insert(AccessLogEntry), _log_row("suggest"))
        raise RuntimeError("the request failed after its first insert")
    assert _access_rows(database) == 1
