"""Errors of the source readers; codes ``RD0xx`` are stable so an ops log line can be searched for.

Messages name files, line numbers and columns, never note text or identifier values (they may hold PHI).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class SourceFileNotFoundError(FileNotFoundError):
    """RD001: a source file was not found; the message lists every location searched."""

    def __init__(self, what: str, searched: Iterable[Path | str], hint: str) -> None:
        where = ", ".join(str(p) for p in searched) or "no location given"
        super().__init__(f"RD001 {what} not found (looked in: {where}). {hint}")


class SourceLayoutError(ValueError):
    """RD002: a source file lacks required columns or has the wrong overall shape."""

    def __init__(self, path: Path | str, problem: str, hint: str) -> None:
        super().__init__(f"RD002 {Path(path).name}: {problem}. {hint}")


class SourceRowError(ValueError):
    """RD003: a row of a reference table (diagnosis/procedure codes) is malformed; names file, line and column."""

    def __init__(self, path: Path | str, line: int, column: str, problem: str) -> None:
        super().__init__(
            f"RD003 {Path(path).name}:{line} column {column!r}: {problem}. Fix or remove the row and read again."
        )
