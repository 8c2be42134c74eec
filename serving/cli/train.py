"""``medcode train --task icd10``: fit, export to ONNX, evaluate and log to MLflow (training code loads lazily)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer

TASKS = ("icd10", "em", "services")  # em/services: serving/cli/coding.py


def train(
    task: str = typer.Option("icd10", "--task", help=f"What to train: {', '.join(TASKS)}"),
    config: Path | None = typer.Option(None, "--config", help="ICD-10 config YAML (default configs/icd10.yaml)"),
    eval_split: str | None = typer.Option(
        None, "--eval-split", help="Hold out this CodiEsp split (dev): train on train only and report its metrics"
    ),
    data: list[Path] = typer.Option([], "--data", help="More labelled encounter files (synthetic, feedback)"),
    eval_data: list[Path] = typer.Option(
        [], "--eval-data", help="Labelled encounter files to evaluate on (icd10; em: auto-tier precision and coverage)"
    ),
    codiesp: bool = typer.Option(True, "--codiesp/--no-codiesp", help="Use CodiEsp when the data folder has it"),
    allow_phi: bool = typer.Option(False, "--allow-phi", help="Train even if the PHI guard flags the data"),
    out: Path | None = typer.Option(None, "--out", help="Folder for bundles (default <artifacts>/models/icd10)"),
    no_mlflow: bool = typer.Option(False, "--no-mlflow", help="Do not log the run to MLflow"),
    n: int = typer.Option(1500, "--n", help="em/services: synthetic train-family encounters when no --data is given"),
    seed: int = typer.Option(2026, "--seed", help="em/services: seed of the synthetic training data"),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", help="MLflow tracking URI"),
    calibration_data: list[Path] = typer.Option(
        [],
        "--calibration-data",
        help="em: labelled notes in phrasing no rule was written on (synth --phrasing calibration) to learn when the "
        "rules misread and to tune the auto threshold on",
    ),
) -> None:
    """Train a model bundle and print a JSON summary (bundle folder, MLflow run, metrics, timings)."""
    if task not in TASKS:
        raise typer.BadParameter(f"Unknown or not yet trainable task {task!r}; choose from {', '.join(TASKS)}.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from serving.cli.coding import TRAIN_TASKS, train_coding

    if task in TRAIN_TASKS:
        summary = train_coding(task, data, n, seed, out, not no_mlflow, tracking_uri, calibration_data, eval_data)
        typer.echo(json.dumps(summary, indent=2))
        return
    from configs.icd10 import load_icd10_config
    from training.icd10.run import TrainingDataError, train_icd10

    try:
        result = train_icd10(
            load_icd10_config(config),
            eval_split=eval_split,
            data_files=data,
            eval_files=eval_data,
            include_codiesp=codiesp,
            allow_phi=allow_phi,
            out_dir=out,
            tracking=not no_mlflow,
            tracking_uri=tracking_uri,
        )
    except TrainingDataError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=2) from None
    typer.echo(json.dumps(result.summary(), indent=2))
