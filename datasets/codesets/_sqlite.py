"""Shared plumbing for the on-disk code-set indexes: atomic builds and read-only per-thread connections."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path


def build_atomically(target: Path, fill: Callable[[sqlite3.Connection], None]) -> Path:
    """Build a SQLite file in a temporary path and move it into place, so readers never see half an index.

    Two processes building the same index at once both succeed; the last rename wins with identical content.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    temporary.unlink(missing_ok=True)
    connection = sqlite3.connect(temporary)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        fill(connection)
        connection.commit()
    except BaseException:
        connection.close()
        temporary.unlink(missing_ok=True)
        raise
    connection.close()
    os.replace(temporary, target)
    return target


class ReadOnlyDatabase:
    """A read-only SQLite file with one connection per thread (sqlite3 connections are not thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self._local.connection = connection
        return connection

    def query(self, sql: str, parameters: tuple[object, ...] | list[object] = ()) -> list[tuple[object, ...]]:
        return self.connection().execute(sql, parameters).fetchall()
