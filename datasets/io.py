"""Read and write encounters as JSON Lines, CSV or Parquet, streaming, one bad record never losing the others.

CSV and Parquet hold one encounter a row; scalar fields are columns and the nested fields (``claim``, ``history``,
``gold``, ``expected_flags`` and unknown extras that are not scalars) are JSON strings in columns of the same name.
Readers yield valid :class:`Encounter` objects and report each bad record as a :class:`BadRecord` with its line
(JSONL, CSV: physical line of the record's start; Parquet: 1-based row number). With ``on_error="raise"`` the
first bad record raises :class:`BadRecordError` instead.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from datasets.schema import Encounter

OnError = Literal["skip", "raise"]
Format = Literal["jsonl", "csv", "parquet"]
NESTED_FIELDS = ("claim", "history", "gold", "expected_flags")
_SUFFIX_FORMAT: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(frozen=True)
class BadRecord:
    """Where a record was and why it was refused. ``reason`` never quotes note text (it may hold PHI)."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


class BadRecordError(ValueError):
    """Raised for the first bad record when the caller asked to reject rather than skip."""

    def __init__(self, bad: BadRecord) -> None:
        super().__init__(f"{bad}. Fix the record, or read with on_error='skip' to skip bad records.")
        self.bad = bad


@dataclass
class ReadReport:
    """Counts of a read; ``bad`` lists every refused record."""

    ok: int = 0
    bad: list[BadRecord] = field(default_factory=list)


def detect_format(path: Path) -> Format:
    """The format from the file suffix (``.gz`` is not supported: decompress first)."""
    try:
        return _SUFFIX_FORMAT[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_SUFFIX_FORMAT))
        raise ValueError(f"Cannot tell the format of {path.name}: use one of the suffixes {known}.") from None


def _validation_reason(error: ValidationError) -> str:
    # Field locations and error kinds only: pydantic's default message embeds the input value (PHI risk).
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in error.errors()]
    return "; ".join(parts[:5]) + ("" if len(parts) <= 5 else f" (+{len(parts) - 5} more)")


def parse_record(obj: Any) -> Encounter:
    """Validate one decoded record; raises ``ValueError`` with a PHI-free reason."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    try:
        return Encounter.model_validate(obj)
    except ValidationError as error:
        raise ValueError(_validation_reason(error)) from None


def _emit(
    items: Iterable[tuple[int, Callable[[], Any]]],
    source: str,
    on_error: OnError,
    report: ReadReport | None,
    on_bad: Callable[[BadRecord], None] | None,
) -> Iterator[Encounter]:
    for line, decode in items:
        try:
            encounter = parse_record(decode())
        except ValueError as error:
            bad = BadRecord(source, line, str(error))
            if on_error == "raise":
                raise BadRecordError(bad) from None
            if report is not None:
                report.bad.append(bad)
            if on_bad is not None:
                on_bad(bad)
            continue
        if report is not None:
            report.ok += 1
        yield encounter


def _jsonl_items(path: Path) -> Iterator[tuple[int, Callable[[], Any]]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue

            def decode(raw: bytes = raw) -> Any:
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise ValueError(f"not valid UTF-8 (byte {error.start})") from None
                try:
                    return json.loads(text)
                except json.JSONDecodeError as error:
                    raise ValueError(f"invalid JSON ({error.msg} at column {error.colno})") from None

            yield number, decode


def _flat_to_record(row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or value == "":
            continue
        if key in NESTED_FIELDS or (isinstance(value, str) and value[:1] in "[{" and key != "text"):
            try:
                record[key] = json.loads(value) if isinstance(value, str) else value
            except json.JSONDecodeError as error:
                raise ValueError(f"{key}: invalid JSON ({error.msg})") from None
        else:
            record[key] = value
    for numeric in ("age", "time_minutes"):
        if isinstance(record.get(numeric), str):
            try:
                record[numeric] = int(record[numeric])
            except ValueError:
                raise ValueError(f"{numeric}: not an integer") from None
    if isinstance(record.get("age"), float):
        record["age"] = int(record["age"])
    return record


def _csv_items(path: Path) -> Iterator[tuple[int, Callable[[], Any]]]:
    with path.open("rb") as binary:
        try:
            text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
            reader = csv.DictReader(text)
            line = reader.line_num + 1
            for row in reader:
                start = line
                line = reader.line_num + 1

                def decode(row: dict[str, Any] = row) -> Any:
                    if None in row:
                        raise ValueError("more fields than the header has")
                    return _flat_to_record(row)

                yield start, decode
        except UnicodeDecodeError as error:
            # A CSV stream cannot resynchronise after an undecodable byte; report it and stop this file.
            def fail(error: UnicodeDecodeError = error) -> Any:
                raise ValueError(f"not valid UTF-8 (byte {error.start}); the rest of the file was not read")

            yield line, fail


def _parquet_items(path: Path, batch_size: int) -> Iterator[tuple[int, Callable[[], Any]]]:
    import pyarrow.parquet as pq

    row_number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
        for row in batch.to_pylist():
            row_number += 1

            def decode(row: dict[str, Any] = row) -> Any:
                return _flat_to_record(row)

            yield row_number, decode


def read_encounters(
    path: str | Path,
    *,
    format: Format | None = None,
    on_error: OnError = "skip",
    report: ReadReport | None = None,
    on_bad: Callable[[BadRecord], None] | None = None,
    batch_size: int = 2048,
) -> Iterator[Encounter]:
    """Stream encounters from a JSONL, CSV or Parquet file.

    Args:
        path: the file.
        format: override the format the suffix implies.
        on_error: ``"skip"`` reports bad records and goes on; ``"raise"`` stops at the first.
        report: filled with counts and every bad record while iterating.
        on_bad: called for each bad record (e.g. to print it) when skipping.
        batch_size: Parquet rows decoded at a time (memory stays flat for any file size).
    """
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"No encounter file at {source.resolve()}: check the path.")
    kind = format or detect_format(source)
    items = {
        "jsonl": lambda: _jsonl_items(source),
        "csv": lambda: _csv_items(source),
        "parquet": lambda: _parquet_items(source, batch_size),
    }[kind]()
    yield from _emit(items, source.name, on_error, report, on_bad)


def _record_to_flat(encounter: Encounter) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in encounter.to_json_dict().items():
        flat[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
    return flat


class EncounterWriter:
    """Write encounters to JSONL, CSV or Parquet incrementally; use as a context manager.

    CSV and Parquet need a fixed set of columns: the standard fields plus any extras seen in the first batch.
    """

    _STANDARD = tuple(Encounter.model_fields)

    def __init__(self, path: str | Path, *, format: Format | None = None, batch_size: int = 2048) -> None:
        self.path = Path(path)
        self.format: Format = format or detect_format(self.path)
        self.batch_size = batch_size
        self.count = 0
        self._buffer: list[dict[str, Any]] = []
        self._columns: list[str] | None = None
        self._handle: Any = None
        self._csv: csv.DictWriter[str] | None = None
        self._parquet: Any = None

    def __enter__(self) -> EncounterWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.format == "jsonl":
            self._handle = self.path.open("w", encoding="utf-8")
        return self

    def write(self, encounter: Encounter) -> None:
        self.count += 1
        if self.format == "jsonl":
            self._handle.write(json.dumps(encounter.to_json_dict(), ensure_ascii=False) + "\n")
            return
        self._buffer.append(_record_to_flat(encounter))
        if len(self._buffer) >= self.batch_size:
            self._flush()

    def write_all(self, encounters: Iterable[Encounter]) -> int:
        for encounter in encounters:
            self.write(encounter)
        return self.count

    def _flush(self) -> None:
        if not self._buffer:
            return
        if self._columns is None:
            extras = sorted({k for row in self._buffer for k in row} - set(self._STANDARD))
            self._columns = [*self._STANDARD, *extras]
        rows = [{c: row.get(c) for c in self._columns} for row in self._buffer]
        self._buffer = []
        if self.format == "csv":
            if self._csv is None:
                self._handle = self.path.open("w", encoding="utf-8", newline="")
                self._csv = csv.DictWriter(self._handle, fieldnames=self._columns, extrasaction="ignore")
                self._csv.writeheader()
            self._csv.writerows(rows)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(rows, schema=self._parquet_schema())
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, table.schema)
        self._parquet.write_table(table)

    def _parquet_schema(self) -> Any:
        import pyarrow as pa

        assert self._columns is not None
        types = {"age": pa.int64(), "time_minutes": pa.int64()}
        return pa.schema([(c, types.get(c, pa.string())) for c in self._columns])

    def __exit__(self, *exc: object) -> None:
        if self.format != "jsonl":
            self._flush()
            if self.format == "csv" and self._csv is None:  # no rows: still write a header
                self._handle = self.path.open("w", encoding="utf-8", newline="")
                csv.writer(self._handle).writerow(self._STANDARD)
            if self.format == "parquet" and self._parquet is None:
                import pyarrow.parquet as pq

                self._columns = list(self._STANDARD)
                pq.write_table(self._parquet_schema().empty_table(), self.path)
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None:
            self._handle.close()


def write_encounters(path: str | Path, encounters: Iterable[Encounter], *, format: Format | None = None) -> int:
    """Write all encounters; returns how many were written."""
    with EncounterWriter(path, format=format) as writer:
        return writer.write_all(encounters)
