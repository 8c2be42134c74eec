"""``medcode audit FILE --out OUT.jsonl``: audit encounters in this process and print flags by type with $ at risk.

One :class:`~models.audit.flags.EncounterAudit` a line in input order; ``--summary`` also writes the review ranking
and the provider-level summary. The printed table holds counts and dollars only, never note text or patient fields.
(Chunked, resumable and Spark runs over large files are the batch runner's: ``serving/batch``.)
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from configs.audit import load_audit_config
from configs.payer_rules import load_payer_rules
from datasets.codesets import CodeSets
from datasets.io import ReadReport, read_encounters
from models.audit import AuditEngine, EncounterAudit, flag_table, load_default_models, provider_summary, rank_for_review


def build_engine(config: Path | None, payer_rules: Path | None, icd10_bundle: Path | None = None) -> AuditEngine:
    """The audit engine with every installed model, the given (or default) config and payer rules."""
    codesets = CodeSets.from_settings()
    audit_config = load_audit_config(config)
    models = load_default_models(codesets, audit_config, icd10_bundle)
    return AuditEngine(codesets=codesets, config=audit_config, payer_rules=load_payer_rules(payer_rules), models=models)


def summary_table(audits: list[EncounterAudit]) -> Table:
    """Flags by type with their count and dollars, and the totals."""
    table = Table(title=f"Audit of {len(audits)} encounters")
    table.add_column("flag type")
    table.add_column("flags", justify="right")
    table.add_column("$ (national, before GPCI)", justify="right")
    for flag_type, row in flag_table(audits).items():
        table.add_row(flag_type, str(int(row["flags"])), f"{row['dollars']:,.2f}")
    at_risk = sum(a.dollars_at_risk for a in audits)
    opportunity = sum(a.dollars_opportunity for a in audits)
    flagged = sum(bool(a.flags) for a in audits)
    table.add_section()
    table.add_row("encounters flagged", str(flagged), "")
    table.add_row("$ at risk (overpayment + denials)", "", f"{at_risk:,.2f}")
    table.add_row("$ opportunity (undercoded, missed)", "", f"{opportunity:,.2f}")
    return table


def audit(
    file: Path = typer.Argument(..., help="Encounters (JSONL, CSV or Parquet) with claims"),
    out: Path = typer.Option(..., "--out", help="Audit results, one JSON object per encounter"),
    summary: Path | None = typer.Option(None, "--summary", help="Also write the review ranking and provider summary"),
    config: Path | None = typer.Option(None, "--config", help="Audit config YAML (default configs/audit.yaml)"),
    payer_rules: Path | None = typer.Option(None, "--payer-rules", help="Payer rules YAML"),
    icd10_bundle: Path | None = typer.Option(None, "--icd10-bundle", help="ICD-10-CM bundle (default: latest)"),
) -> None:
    """Audit billed claims against their notes and print flags by type with dollars at risk."""
    # Called directly (the batch CLI delegates here), an omitted option arrives as its typer.OptionInfo default.
    bundle = icd10_bundle if isinstance(icd10_bundle, Path) else None
    engine = build_engine(config, payer_rules, bundle)
    report = ReadReport()
    audits: list[EncounterAudit] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for encounter in read_encounters(file, report=report):
            result = engine.audit(encounter)
            audits.append(result)
            handle.write(json.dumps(result.to_json_dict(), ensure_ascii=False) + "\n")
    console = Console()
    console.print(summary_table(audits))
    skipped = sorted({f"{name}: {why}" for a in audits for name, why in a.checks_skipped.items()})
    for line in skipped:
        console.print(f"[yellow]skipped[/yellow] {line}")
    for bad in report.bad:
        console.print(f"[red]bad record[/red] {bad}")
    if summary is not None:
        ranked = rank_for_review(audits)
        payload = {
            "n": len(audits),
            "ranking": [
                {
                    "encounter_id": a.encounter_id,
                    "risk_score": a.risk_score,
                    "dollars_at_risk": a.dollars_at_risk,
                    "dollars_opportunity": a.dollars_opportunity,
                    "flags": [f.type for f in a.flags],
                }
                for a in ranked
            ],
            "providers": provider_summary(audits),
            "flags_by_type": flag_table(audits),
        }
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"Wrote {len(audits)} audits to {out}" + (f" and the summary to {summary}" if summary else ""))


def evaluate_audit_task(data: Path, out: Path | None, config: Path | None = None) -> dict[str, object]:
    """``medcode evaluate --task audit``: DESIGN.md audit metrics of the default engine on labelled encounters.

    The engine sees each encounter without ``gold``/``expected_flags``; only the scorer reads the expected flags.
    Prints the per-type table and writes the metrics JSON (exactly the DESIGN.md keys plus counts) to ``out``.
    """
    from evaluation.audit import evaluate_audit

    engine = build_engine(config, None)
    metrics = evaluate_audit(read_encounters(data), engine)
    table = Table(title=f"Audit flags on {metrics['n']} encounters")
    for column in ("flag type", "precision", "recall", "f1", "support"):
        table.add_column(column, justify="left" if column == "flag type" else "right")
    for flag_type, row in metrics["per_type"].items():
        table.add_row(flag_type, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}",
                      str(row["support"]))  # fmt: skip
    table.add_section()
    table.add_row("micro", f"{metrics['micro_precision']:.3f}", f"{metrics['micro_recall']:.3f}",
                  f"{metrics['micro_f1']:.3f}", "")  # fmt: skip
    table.add_row("clean-claim specificity", f"{metrics['clean_claim_specificity']:.3f}", "", "", "")
    Console().print(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics
