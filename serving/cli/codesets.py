"""``medcode codesets info|refresh``: what code sets are loaded, and ingesting newer CMS files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from configs.settings import get_settings
from datasets.codesets import CodeSets, CodeSetUnavailableError, refresh_from, refreshed_dir

app = typer.Typer(help="Code sets: ICD-10-CM, CMS-HCC, NCCI, HCPCS, RBCS, fee schedule.", no_args_is_help=True)
console = Console()


@app.command("info")
def info() -> None:
    """Print each table's name, version, row count and source."""
    codesets = CodeSets.from_settings()
    table = Table(title="medcode code sets")
    for column in ("table", "version", "rows", "source"):
        table.add_column(column, overflow="fold")
    for row in codesets.info():
        table.add_row(row.name, row.version, f"{row.rows:,}", row.source)
    console.print(table)
    if not codesets.has_cms:
        console.print(
            "[yellow]CMS tables (NCCI PTP/MUE/AOC, HCPCS, RBCS, fee schedule) are not available: looked in "
            f"{', '.join(str(d) for d in codesets.source_dirs)}. Set MEDCODE_DATA_DIR or run "
            "`medcode codesets refresh --from DIR`.[/yellow]"
        )


@app.command("refresh")
def refresh(
    from_dir: Path = typer.Option(
        ..., "--from", help="Folder with CMS CSV files named as in datasets/codesets/README.md"
    ),
) -> None:
    """Validate and ingest newer official CMS files (same layouts), then rebuild the index."""
    settings = get_settings()
    codesets = CodeSets.from_settings(settings)
    try:
        ingested = refresh_from(from_dir, codesets, refreshed_dir(settings.cache_dir))
    except (FileNotFoundError, ValueError, CodeSetUnavailableError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=2) from None
    for source in ingested:
        console.print(f"ingested {source.spec.title} {source.version} from {source.path.name}")
