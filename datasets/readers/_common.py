"""Helpers shared by the source readers: gzip-aware CSV rows with line numbers, and bad-record bookkeeping."""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import IO

from datasets.io import BadRecord, BadRecordError, OnError, ReadReport
from datasets.readers.errors import SourceFileNotFoundError, SourceLayoutError

# Clinical notes can be long; the csv module's default field limit (128 KiB) is too small for some of them.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def open_text(path: Path) -> IO[str]:
    """Open a UTF-8 text file for CSV reading, decompressing ``.gz`` transparently."""
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def iter_csv_rows(
    path: Path, required: Collection[str], hint: str, *, upper_header: bool = False
) -> Iterator[tuple[int, dict[str, str], str | None]]:
    """Yield ``(line, row, problem)`` for each CSV row; ``line`` is the physical line where the row starts.

    ``problem`` is None for a well-formed row, else a PHI-free reason (wrong number of fields) for the caller to
    report as a bad record.

    Args:
        path: a ``.csv`` or ``.csv.gz`` file with a header row.
        required: columns that must be in the header.
        hint: what the user should do when columns are missing.
        upper_header: compare and return column names upper-cased (MIMIC-III writes them upper case,
            some exports lower case).

    Raises:
        SourceFileNotFoundError: the file does not exist.
        SourceLayoutError: the header lacks a required column, or the file is not UTF-8.
    """
    if not path.is_file():
        raise SourceFileNotFoundError(path.name, [path.resolve()], hint)
    with open_text(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise SourceLayoutError(path, "the file is empty (no header row)", hint)
            columns = [c.strip().upper() if upper_header else c.strip() for c in header]
            missing = [c for c in required if c not in columns]
            if missing:
                raise SourceLayoutError(path, f"missing column(s) {', '.join(missing)}", hint)
            line = reader.line_num + 1
            for values in reader:
                start, line = line, reader.line_num + 1
                if not values:
                    continue
                problem = None
                if len(values) != len(columns):
                    problem = f"{len(values)} fields where the header has {len(columns)}"
                yield start, dict(zip(columns, values, strict=False)), problem
        except UnicodeDecodeError as error:
            raise SourceLayoutError(
                path, f"not valid UTF-8 near line {reader.line_num + 1} ({error.reason})", hint
            ) from None


class BadRecordSink:
    """Collects bad records for one read: raise at the first, or record and call back, as the caller chose."""

    def __init__(
        self, source: str, on_error: OnError, report: ReadReport | None, on_bad: Callable[[BadRecord], None] | None
    ) -> None:
        self.source = source
        self.on_error = on_error
        self.report = report
        self.on_bad = on_bad

    def bad(self, line: int, reason: str) -> None:
        """Report one bad record (``reason`` must not quote note text)."""
        record = BadRecord(self.source, line, reason)
        if self.on_error == "raise":
            raise BadRecordError(record)
        if self.report is not None:
            self.report.bad.append(record)
        if self.on_bad is not None:
            self.on_bad(record)

    def ok(self) -> None:
        """Count one good record."""
        if self.report is not None:
            self.report.ok += 1
