"""``medcode audit``: the single-file audit, or the batch runner when the job is large.

``medcode audit FILE --out OUT.jsonl`` audits in this process (``serving/cli/audit.py``). The batch runner takes
over when ``--out`` is a folder (an existing directory, or a path without a suffix) or ``--engine local|spark`` is
given: chunked streaming over JSONL, CSV, Parquet or FHIR NDJSON, two worker processes (or Spark), a progress bar with
rate and ETA, and checkpoints so a killed run resumes (``--resume`` is on by default when a checkpoint exists).
After a batch run the HCC gap scan writes ``hcc_gaps.jsonl``; ``--report report.html`` writes the HTML report in
either mode.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from serving.batch.engine import DEFAULT_ENGINE_SPEC
from serving.batch.errors import BatchError
from serving.batch.inputs import INPUT_FORMATS, InputFormat

CONFIGURED_ENGINE_SPEC = "serving.cli.batch:configured_engine"
_CONFIG_ENV = "MEDCODE_AUDIT_CONFIG"
_PAYER_RULES_ENV = "MEDCODE_PAYER_RULES"


def configured_engine() -> Any:
    """Engine factory for batch workers when ``--config``/``--payer-rules`` are given (read from the environment,
    which worker processes and local Spark executors inherit)."""
    from serving.cli.audit import build_engine

    config = os.environ.get(_CONFIG_ENV)
    rules = os.environ.get(_PAYER_RULES_ENV)
    return build_engine(Path(config) if config else None, Path(rules) if rules else None)


def is_batch(out: Path, engine: str | None) -> bool:
    """Whether ``--out``/``--engine`` ask for the batch runner rather than the single-file audit."""
    return engine is not None or out.is_dir() or out.suffix == ""


def load_reviewed(review_db: str | None, reviewed: Path | None) -> list[Any]:
    """Reviewed suggestions from the review DB and/or a JSONL export (empty when neither is given)."""
    from evaluation.reviewed import load_reviewed_db, load_reviewed_jsonl

    rows: list[Any] = []
    if review_db:
        rows.extend(load_reviewed_db(review_db))
    if reviewed is not None:
        rows.extend(load_reviewed_jsonl(reviewed))
    return rows


def rows_from_single_file(input_path: Path, audits_jsonl: Path, work_dir: Path) -> Path:
    """Output rows (batch schema) for a single-file audit: the input and the audit JSONL read in lockstep."""
    from datasets.io import read_encounters
    from serving.batch.engine import audit_row
    from serving.batch.local import merge_parts, write_part

    rows: list[dict[str, Any]] = []
    with audits_jsonl.open(encoding="utf-8") as handle:
        for index, (encounter, line) in enumerate(zip(read_encounters(input_path), handle, strict=False)):
            rows.append(audit_row(index, encounter, json.loads(line)))
    part = work_dir / "part-000000.parquet"
    write_part(rows, part)
    merge_parts([part], work_dir, write_jsonl=False)
    return work_dir


def audit(
    file: Path = typer.Argument(..., help="Encounters: JSONL, CSV, Parquet, or FHIR R4 NDJSON/Bundle"),
    out: Path = typer.Option(..., "--out", help="OUT.jsonl (single file), or a folder for a batch run"),
    report: Path | None = typer.Option(None, "--report", help="Also write the HTML report here"),
    engine: str | None = typer.Option(None, "--engine", help="Batch engine: local or spark (implies a batch run)"),
    master: str = typer.Option("local[*]", "--master", help="Spark master URL (with --engine spark)"),
    resume: bool = typer.Option(True, "--resume/--no-resume", help="Continue from the folder's checkpoint"),
    chunk_size: int = typer.Option(500, "--chunk-size", min=1, help="Encounters per chunk and checkpoint"),
    workers: int = typer.Option(2, "--workers", min=0, help="Local worker processes (0: in this process)"),
    partitions: int | None = typer.Option(None, "--partitions", min=1, help="Spark tasks (default 4 per core)"),
    input_format: str | None = typer.Option(None, "--format", help=f"Input format: {', '.join(INPUT_FORMATS)}"),
    engine_factory: str | None = typer.Option(None, "--engine-factory", help="module:function building the engine"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar with rate and ETA"),
    review_db: str | None = typer.Option(None, "--review-db", help="Review-queue DB URL, for the review sections"),
    reviewed: Path | None = typer.Option(None, "--reviewed", help="Reviewed suggestions JSONL, for the report"),
    summary: Path | None = typer.Option(None, "--summary", help="Single-file mode: ranking and provider summary"),
    config: Path | None = typer.Option(None, "--config", help="Audit config YAML (default configs/audit.yaml)"),
    payer_rules: Path | None = typer.Option(None, "--payer-rules", help="Payer rules YAML"),
) -> None:
    """Audit billed claims against their notes: one file in this process, or a batch run (local or Spark)."""
    console = Console(stderr=True)
    if engine not in (None, "local", "spark"):
        raise typer.BadParameter(f"--engine must be 'local' or 'spark'. Got {engine!r}.")
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise typer.BadParameter(f"--format must be one of {list(INPUT_FORMATS)}. Got {input_format!r}.")
    if not is_batch(out, engine):
        from serving.cli import audit as single

        single.audit(file=file, out=out, summary=summary, config=config, payer_rules=payer_rules)
        if report is not None:
            from evaluation.report import write_report

            with tempfile.TemporaryDirectory(prefix="medcode-report-") as work:
                rows_from_single_file(file, out, Path(work))
                write_report(work, report, reviewed=load_reviewed(review_db, reviewed))
            typer.echo(f"Wrote the report to {report}")
        return
    spec = engine_factory or DEFAULT_ENGINE_SPEC
    if engine_factory is None and (config is not None or payer_rules is not None):
        spec = CONFIGURED_ENGINE_SPEC
        if config is not None:
            os.environ[_CONFIG_ENV] = str(config.resolve())
        if payer_rules is not None:
            os.environ[_PAYER_RULES_ENV] = str(payer_rules.resolve())
    fmt: InputFormat | None = input_format  # type: ignore[assignment]
    try:
        if engine == "spark":
            from serving.batch.spark import run_spark

            result: Any = run_spark(file, out, master=master, engine_spec=spec, partitions=partitions, input_format=fmt)
        else:
            from serving.batch.local import run_local

            result = run_local(
                file,
                out,
                engine_spec=spec,
                chunk_size=chunk_size,
                workers=workers,
                resume=resume,
                progress=progress,
                input_format=fmt,
            )
    except BatchError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=1) from None
    from evaluation.hcc_gaps import scan_audit

    gaps = scan_audit(out / "audit.parquet")
    gaps.write(out)
    console.print(
        f"Audited {result.encounters:,} encounters ({result.errors:,} refused, {result.bad_records:,} bad records): "
        f"{result.flags:,} flags, ${result.dollars_at_risk:,.2f} at risk, ${result.dollars_opportunity:,.2f} "
        f"opportunity, {result.encounters_per_second:,.1f} encounters/s. HCC gaps: {gaps.totals()['gaps']:,} "
        f"(RAF +{gaps.totals()['raf_delta_total']:.3f}). Outputs in {out}."
    )
    if report is not None:
        from evaluation.report import write_report

        write_report(out, report, reviewed=load_reviewed(review_db, reviewed), gaps=gaps)
        console.print(f"Wrote the report to {report}")
