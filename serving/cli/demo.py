"""``medcode demo``: the main job on a fresh machine; each step says plainly what it did."""

from __future__ import annotations

import typer
from rich.console import Console

from datasets.codesets import CodeSets

console = Console()


def _step_codesets() -> None:
    codesets = CodeSets.from_settings()
    for row in codesets.info():
        console.print(f"  {row.name} {row.version}: {row.rows:,} rows ({row.source})")
    if not codesets.has_cms:
        console.print("  CMS tables not found: NCCI, fee schedule and HCPCS checks are unavailable on this machine.")


STEPS = [("Load and index the code sets", _step_codesets)]


def demo() -> None:
    """Run the end-to-end demo with what medcode has today, reporting each step."""
    for number, (title, step) in enumerate(STEPS, start=1):
        console.print(f"[bold]{number}. {title}[/bold]")
        step()
    console.print(f"Demo finished: {len(STEPS)} step(s) ran.")
    raise typer.Exit(code=0)
