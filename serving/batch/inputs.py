"""Streaming input for batch audits: JSONL, CSV, Parquet (``datasets.io``) or FHIR R4 NDJSON/Bundles
(``datasets.readers.fhir``), a fingerprint of the file for checkpoints, and a cheap record count for the ETA.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from datasets.io import BadRecord, detect_format, read_encounters
from datasets.schema import Encounter

InputFormat = Literal["jsonl", "csv", "parquet", "fhir"]
INPUT_FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet", "fhir")
_PROBE_BYTES = 1 << 16


def sniff_format(path: Path) -> InputFormat:
    """The input format: Parquet and CSV by suffix; a JSON/NDJSON file whose first record has a FHIR
    ``resourceType`` is FHIR, otherwise encounter JSONL."""
    if path.suffix.lower() == ".json" and path.is_file():
        with path.open("rb") as handle:
            head = handle.read(_PROBE_BYTES)
        if b'"resourceType"' in head:
            return "fhir"
    kind = detect_format(path)
    if kind != "jsonl":
        return kind
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.strip():
                continue
            try:
                first = json.loads(raw)
            except ValueError:
                return "jsonl"
            return "fhir" if isinstance(first, dict) and "resourceType" in first else "jsonl"
    return "jsonl"


def iter_input(
    path: Path, format: InputFormat, on_bad: Callable[[BadRecord], None] | None = None
) -> Iterator[Encounter]:
    """Valid encounters of the input in file order; bad records go to ``on_bad`` and are skipped."""
    if format == "fhir":
        from datasets.readers.fhir import read_fhir

        return read_fhir(path, on_error="skip", on_bad=on_bad)
    return read_encounters(path, format=format, on_error="skip", on_bad=on_bad, batch_size=512)


def count_records(path: Path, format: InputFormat) -> int | None:
    """How many records the input holds, cheaply (lines for JSONL, rows for Parquet); ``None`` when unknown.

    Bad records are counted too, so this is an upper bound used only for the progress bar's ETA.
    """
    if format == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if format == "jsonl":
        lines = 0
        last = b"\n"
        with path.open("rb") as handle:
            while block := handle.read(1 << 22):
                lines += block.count(b"\n")
                last = block[-1:]
        return lines + (last != b"\n")
    return None


@dataclass(frozen=True)
class Fingerprint:
    """What identifies an input file for a resume: size, modification time and hashes of its first and last 64 KiB."""

    name: str
    size: int
    mtime_ns: int
    head_tail_sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.head_tail_sha256}


def fingerprint(path: Path) -> Fingerprint:
    """The file's :class:`Fingerprint` (reads at most 128 KiB)."""
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        digest.update(handle.read(_PROBE_BYTES))
        if stat.st_size > 2 * _PROBE_BYTES:
            handle.seek(-_PROBE_BYTES, 2)
            digest.update(handle.read(_PROBE_BYTES))
    return Fingerprint(path.name, stat.st_size, stat.st_mtime_ns, digest.hexdigest())
