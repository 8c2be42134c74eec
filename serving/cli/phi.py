"""``medcode phi-scan FILE``: report the kinds of identifiers left in notes (never the identifiers themselves)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, cast

import typer
from rich.console import Console
from rich.table import Table

from configs.phi import PhiConfigError, load_phi_config
from datasets.io import ReadReport, read_encounters
from datasets.phi import PHI_KINDS, PhiScanner, RecordScan, ScanSummary
from datasets.readers.errors import SourceLayoutError
from datasets.readers.fhir import read_fhir
from datasets.readers.mtsamples import MTSAMPLES_COLUMNS, read_mtsamples
from datasets.schema import Encounter

console = Console()
ScanFormat = Literal["auto", "jsonl", "csv", "parquet", "mtsamples", "fhir"]
MAX_LISTED_BAD = 20


def _is_mtsamples_csv(path: Path) -> bool:
    """A CSV whose header has the MTSamples columns (so the raw MTSamples file can be scanned directly)."""
    if path.suffix.lower() != ".csv":
        return False
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        header = {column.strip() for column in handle.readline().split(",")}
    return set(MTSAMPLES_COLUMNS) <= header


def _encounters(path: Path, format: ScanFormat, report: ReadReport) -> Iterator[Encounter]:
    if format == "mtsamples" or (format == "auto" and _is_mtsamples_csv(path)):
        return read_mtsamples(path, report=report)
    if format == "fhir":
        return read_fhir(path, report=report)
    return read_encounters(path, format=None if format == "auto" else format, report=report)


def phi_scan(
    path: Path = typer.Argument(..., help="Encounters (.jsonl/.csv/.parquet), the MTSamples CSV, or FHIR"),
    format: str = typer.Option(
        "auto",
        "--format",
        help="auto (by suffix; a CSV with the MTSamples columns is read as MTSamples), jsonl, csv, parquet, "
        "mtsamples, fhir",
    ),
    out: Path | None = typer.Option(None, "--out", help="Write one JSON line per record: id, kinds, counts, offsets"),
    config: Path | None = typer.Option(None, "--config", help="PHI settings YAML (default configs/phi.yaml)"),
    max_rate: float | None = typer.Option(
        None, "--max-rate", help="Exit with code 1 when the share of records with findings is above this"
    ),
) -> None:
    """Scan notes for person names, dates (finer than the year), phone, e-mail, SSN, MRN, address, URL and IP.

    Prints records scanned, records with findings, the findings rate and counts by kind, and the time taken.
    Identifier values are never printed or written: kinds, counts, scores and character offsets only.
    """
    allowed = ("auto", "jsonl", "csv", "parquet", "mtsamples", "fhir")
    if format not in allowed:
        raise typer.BadParameter(f"The '--format' option must be one of {', '.join(allowed)}. Got {format!r} instead.")
    if not path.is_file():
        console.print(f"[red]No file at {path.resolve()}: check the path.[/red]")
        raise typer.Exit(code=2)
    try:
        settings = load_phi_config(config)
    except PhiConfigError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=2) from None
    report = ReadReport()
    scanner = PhiScanner(settings)
    summary = ScanSummary()
    handle = out.open("w", encoding="utf-8") if out is not None else None
    try:
        started = time.perf_counter()
        scans: Iterator[RecordScan] = scanner.scan_encounters(_encounters(path, cast(ScanFormat, format), report))
        for scan in scans:
            summary.add(scan)
            if handle is not None:
                handle.write(json.dumps(scan.to_json_dict()) + "\n")
        summary.seconds = time.perf_counter() - started
    except (FileNotFoundError, SourceLayoutError, ValueError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=2) from None
    finally:
        if handle is not None:
            handle.close()
    _print_summary(summary, report, out)
    if max_rate is not None and summary.rate > max_rate:
        console.print(f"[red]Findings rate {summary.rate:.1%} is above --max-rate {max_rate:.1%}.[/red]")
        raise typer.Exit(code=1)


def _print_summary(summary: ScanSummary, report: ReadReport, out: Path | None) -> None:
    table = Table(title="PHI scan: identifier kinds found (values are never shown)")
    for column in ("kind", "findings", "records"):
        table.add_column(column, justify="right" if column != "kind" else "left")
    for kind in PHI_KINDS:
        table.add_row(kind, f"{summary.counts_by_kind[kind]:,}", f"{summary.records_by_kind[kind]:,}")
    console.print(table)
    console.print(
        f"records scanned: {summary.records:,}; records with findings: {summary.records_with_findings:,}; "
        f"findings rate: {summary.rate:.1%}; seconds: {summary.seconds:.1f}"
    )
    if report.bad:
        console.print(f"skipped {len(report.bad):,} bad records")
        for bad in report.bad[:MAX_LISTED_BAD]:
            console.print(f"  {bad}", markup=False, highlight=False, soft_wrap=True)
    if out is not None:
        console.print(f"per-record findings written to {out}")
