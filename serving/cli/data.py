"""``medcode data <corpus>``: convert external corpora into encounter JSON Lines.

One command per source (codiesp, mtsamples, mimic-iv, mimic-iii, fhir). The MTSamples, MIMIC and FHIR commands
write with :class:`~datasets.io.EncounterWriter` (``.jsonl``, ``.csv`` or ``.parquet`` by the ``--out`` suffix) and
print how many encounters were written and which records were skipped (file and line, never note text).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar, cast

import typer
from rich.console import Console

from datasets.io import EncounterWriter, ReadReport, write_encounters
from datasets.readers.codiesp import CODIESP_SPLITS, CodiespFormatError, CodiespSplit, CodiespStats, read_codiesp
from datasets.readers.fhir import read_fhir
from datasets.readers.mimic import MimicIiiFiles, MimicIvFiles, read_mimic_iii, read_mimic_iv
from datasets.readers.mtsamples import read_mtsamples
from datasets.schema import Encounter

_Files = TypeVar("_Files", MimicIvFiles, MimicIiiFiles)

app = typer.Typer(
    help="Convert external corpora (CodiEsp, MTSamples, MIMIC-IV, MIMIC-III, FHIR R4) into encounter JSON Lines.",
    no_args_is_help=True,
)
console = Console()
MAX_LISTED_BAD = 20


@app.command("codiesp")
def codiesp(
    root: Path = typer.Option(
        ..., "--root", help="CodiEsp corpus folder holding train/, dev/ (e.g. ../shared/data/codiesp)"
    ),
    split: str = typer.Option("train", "--split", help=f"One of {', '.join(CODIESP_SPLITS)}"),
    out: Path | None = typer.Option(
        None, "--out", help="Output file (.jsonl, .csv, .parquet); default codiesp_<split>.jsonl"
    ),
) -> None:
    """Write one encounter per CodiEsp document, with its diagnosis codes as gold and PCS codes in ``icd10pcs``."""
    if split not in CODIESP_SPLITS:
        raise typer.BadParameter(f"Unknown split {split!r}; choose one of {', '.join(CODIESP_SPLITS)}.")
    target = out or Path(f"codiesp_{split}.jsonl")
    stats = CodiespStats()
    try:
        written = write_encounters(target, read_codiesp(root, cast(CodiespSplit, split), stats))
    except CodiespFormatError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=2) from None
    typer.echo(
        f"Wrote {written} encounters to {target}: {stats.diagnosis_rows} gold ICD-10-CM rows "
        f"(before de-duplication), {stats.procedure_rows} ICD-10-PCS rows."
    )
    if stats.documents_without_codes:
        typer.echo(f"{len(stats.documents_without_codes)} documents have no diagnosis code.", err=True)
    if stats.codes_without_text:
        typer.echo(f"{len(stats.codes_without_text)} coded documents have no text file (skipped).", err=True)


def write_and_report(encounters: Iterator[Encounter], report: ReadReport, out: Path) -> int:
    """Write the encounters to ``out``, then print the count and the skipped records.

    Args:
        encounters: a reader's stream, filling ``report`` as it goes.
        report: the reader's report.
        out: the output file (format from its suffix).

    Returns:
        The number of encounters written.

    Raises:
        typer.Exit: code 2 when a source file is missing or malformed (the message says what to fix).
    """
    try:
        with EncounterWriter(out) as writer:
            written = writer.write_all(encounters)
    except (FileNotFoundError, ValueError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=2) from None
    console.print(f"wrote {written:,} encounters to {out}")
    console.print(f"skipped {len(report.bad):,} bad records")
    for bad in report.bad[:MAX_LISTED_BAD]:
        console.print(f"  {bad}", markup=False, highlight=False, soft_wrap=True)
    if len(report.bad) > MAX_LISTED_BAD:
        console.print(f"  ... and {len(report.bad) - MAX_LISTED_BAD:,} more")
    return written


OutOption = typer.Option(..., "--out", help="Output file: .jsonl, .csv or .parquet")


@app.command("mtsamples")
def mtsamples(
    out: Path = OutOption,
    path: Path | None = typer.Option(
        None, "--path", help="mtsamples_unique.csv (default: $MEDCODE_DATA_DIR/mtsamples/mtsamples_unique.csv)"
    ),
    office_only: bool = typer.Option(False, "--office-only", help="Keep only office/SOAP-type visit notes"),
) -> None:
    """MTSamples transcriptions (no code labels)."""
    report = ReadReport()
    write_and_report(read_mtsamples(path, office_only=office_only, report=report), report, out)


@app.command("mimic-iv")
def mimic_iv(
    out: Path = OutOption,
    root: Path | None = typer.Option(None, "--root", help="Folder with note/ and hosp/ (or all files flat)"),
    notes: Path | None = typer.Option(None, "--notes", help="note/discharge.csv[.gz] (overrides --root)"),
    diagnoses: Path | None = typer.Option(None, "--diagnoses", help="hosp/diagnoses_icd.csv[.gz]"),
    procedures: Path | None = typer.Option(None, "--procedures", help="hosp/procedures_icd.csv[.gz]"),
    icd10_only: bool = typer.Option(False, "--icd10-only", help="Leave out admissions without ICD-10-CM codes"),
) -> None:
    """MIMIC-IV-Note discharge notes labelled with their admission's ICD-10-CM codes."""
    files = _mimic_files(root, notes, diagnoses, procedures, MimicIvFiles)
    report = ReadReport()
    write_and_report(read_mimic_iv(files, icd10_only=icd10_only, report=report), report, out)


@app.command("mimic-iii")
def mimic_iii(
    out: Path = OutOption,
    root: Path | None = typer.Option(None, "--root", help="Folder with NOTEEVENTS.csv and DIAGNOSES_ICD.csv"),
    notes: Path | None = typer.Option(None, "--notes", help="NOTEEVENTS.csv[.gz] (overrides --root)"),
    diagnoses: Path | None = typer.Option(None, "--diagnoses", help="DIAGNOSES_ICD.csv[.gz]"),
    procedures: Path | None = typer.Option(None, "--procedures", help="PROCEDURES_ICD.csv[.gz]"),
    category: list[str] = typer.Option(
        ["Discharge summary"], "--category", help="Note categories to keep (repeatable); 'all' keeps every category"
    ),
) -> None:
    """MIMIC-III notes with ICD-9 codes in the key icd9cm (MIMIC-III has no ICD-10: gold.icd10cm stays empty)."""
    files = _mimic_files(root, notes, diagnoses, procedures, MimicIiiFiles)
    categories = None if any(c.lower() == "all" for c in category) else tuple(category)
    report = ReadReport()
    write_and_report(read_mimic_iii(files, categories=categories, report=report), report, out)


@app.command("fhir")
def fhir(
    path: Path = typer.Argument(..., help="A FHIR R4 Bundle (.json) or NDJSON (.ndjson/.jsonl) file"),
    out: Path = OutOption,
) -> None:
    """FHIR R4 Encounter, Patient, DocumentReference and Claim resources, grouped into encounters."""
    report = ReadReport()
    write_and_report(read_fhir(path, report=report), report, out)


def _mimic_files(
    root: Path | None,
    notes: Path | None,
    diagnoses: Path | None,
    procedures: Path | None,
    kind: type[_Files],
) -> _Files:
    if notes is not None and diagnoses is not None:
        return kind(notes, diagnoses, procedures)
    if root is None:
        console.print("[red]Give --root DIR, or both --notes FILE and --diagnoses FILE.[/red]")
        raise typer.Exit(code=2)
    try:
        found = kind.find(root)
    except FileNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=2) from None
    return kind(notes or found.notes, diagnoses or found.diagnoses, procedures or found.procedures)
