"""``medcode evaluate --task icd10 --data FILE --out metrics.json``: DESIGN.md metrics of a bundle on labelled data."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from configs.settings import get_settings
from datasets.io import read_encounters

# em/services/hcc: serving/cli/coding.py; audit: serving/cli/audit.py
TASKS = ("icd10", "em", "services", "hcc", "audit")


def latest_bundle(task: str) -> Path:
    """The most recently written bundle of a task under ``<artifacts>/models/<task>``."""
    folder = get_settings().artifacts_dir / "models" / task
    bundles = sorted(
        (p for p in folder.glob("*/manifest.json") if not p.parent.name.startswith("staging")),
        key=lambda p: p.stat().st_mtime,
    )
    if not bundles:
        raise typer.BadParameter(
            f"No {task} bundle under {folder}; run `medcode train --task {task}` or pass --bundle."
        )
    return bundles[-1].parent


def evaluate(
    task: str = typer.Option("icd10", "--task", help=f"What to evaluate: {', '.join(TASKS)}"),
    data: Path = typer.Option(..., "--data", help="Labelled encounters (.jsonl, .csv, .parquet)"),
    out: Path | None = typer.Option(None, "--out", help="Write the metrics JSON here"),
    bundle: Path | None = typer.Option(None, "--bundle", help="Bundle folder (default: the latest trained one)"),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Also score the TF-IDF + LR baseline"),
) -> None:
    """Score predictions made from text only; prints suggester and baseline side by side.

    ``--out`` gets exactly the DESIGN.md keys; the baseline's go to ``<out>.baseline.json``.
    """
    if task not in TASKS:
        raise typer.BadParameter(f"Unknown or not yet evaluable task {task!r}; choose from {', '.join(TASKS)}.")
    if task == "audit":
        from serving.cli.audit import evaluate_audit_task

        evaluate_audit_task(data, out)
        return
    from serving.cli.coding import EVALUATE_TASKS, evaluate_coding, write_metrics

    if task in EVALUATE_TASKS:
        write_metrics(evaluate_coding(task, data, bundle), out)
        return
    from evaluation.icd10 import evaluate_baseline, evaluate_suggester
    from models.icd10.suggester import Icd10Suggester

    folder = bundle or latest_bundle(task)
    encounters = [e for e in read_encounters(data) if e.gold is not None]
    if not encounters:
        raise typer.BadParameter(f"{data} has no encounters with gold labels to evaluate against.")
    metrics = evaluate_suggester(Icd10Suggester.load(folder), encounters)
    base = evaluate_baseline(folder, encounters) if baseline else None
    typer.echo(f"{'metric':<16}{'suggester':>12}{'baseline':>12}")
    for key, value in metrics.items():
        other = "" if base is None else f"{base[key]:>12.4f}"
        typer.echo(f"{key:<16}{value:>12.4f}{other}")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(metrics, indent=2) + "\n")
        if base is not None:
            out.with_name(out.stem + ".baseline.json").write_text(json.dumps(base, indent=2) + "\n")
