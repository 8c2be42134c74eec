"""``medcode data <corpus>``: convert external corpora into encounter JSON Lines."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import typer

from datasets.io import write_encounters
from datasets.readers.codiesp import CODIESP_SPLITS, CodiespFormatError, CodiespSplit, CodiespStats, read_codiesp

app = typer.Typer(help="Convert external corpora (CodiEsp, ...) into encounter JSON Lines.", no_args_is_help=True)


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
