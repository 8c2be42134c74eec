"""``medcode bench``: speed and memory benchmarks, written as one JSON object."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from evaluation import bench_audit, bench_batch, bench_codesets, bench_icd10, bench_service

# Suite name -> runner; later suites (suggester, audit, service) register here.
SUITES: dict[str, Callable[[], dict[str, Any]]] = {
    "codesets": bench_codesets.run,
    "batch": bench_batch.quick,
    "service": bench_service.run,
    "audit": bench_audit.quick,
    "icd10": bench_icd10.run,
}


def bench(
    suite: list[str] = typer.Option(list(SUITES), "--suite", help=f"Suites to run: {', '.join(SUITES)}"),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON here as well as printing it"),
) -> None:
    """Run benchmarks (speed, memory) and print one JSON object keyed by suite."""
    unknown = sorted(set(suite) - set(SUITES))
    if unknown:
        raise typer.BadParameter(f"Unknown suite {unknown}; choose from {sorted(SUITES)}.")
    results = {name: SUITES[name]() for name in suite}
    text = json.dumps(results, indent=2)
    typer.echo(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")
