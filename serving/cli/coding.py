"""The E/M, services and HCC tasks of ``medcode train`` and ``medcode evaluate`` (registered in train.py/evaluate.py).

``medcode train --task em|services [--data FILE ...] [--n N --seed S]`` fits the calibrated confidence on synthetic
train-family notes (or the given labelled files), exports ONNX, writes a bundle and logs it to MLflow.
``medcode evaluate --task em|services|hcc --data FILE --out metrics.json`` writes exactly the DESIGN.md keys.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from configs.settings import get_settings

TRAIN_TASKS: tuple[str, ...] = ("em", "services")
EVALUATE_TASKS: tuple[str, ...] = ("em", "services", "hcc")


def latest_bundle(task: str) -> Path | None:
    """Newest bundle of a task under ``<artifacts>/models/<task>`` (None when there is none)."""
    folder = get_settings().artifacts_dir / "models" / task
    found = sorted(
        (p.parent for p in folder.glob("*/manifest.json") if not p.parent.name.startswith("staging")),
        key=lambda p: p.stat().st_mtime,
    )
    return found[-1] if found else None


def train_coding(
    task: str,
    data: list[Path],
    n: int,
    seed: int,
    out: Path | None,
    tracking: bool,
    tracking_uri: str | None,
    calibration: list[Path] | None = None,
    eval_data: list[Path] | None = None,
) -> dict[str, Any]:
    """Run the trainer of an E/M or services task (training code loads lazily)."""
    if task == "em":
        from training.coding.em import train_em

        return train_em(
            data_files=data,
            n=n,
            seed=seed,
            out_dir=out,
            tracking=tracking,
            tracking_uri=tracking_uri,
            calibration_files=calibration or [],
            eval_files=eval_data or [],
        )
    if calibration or eval_data:
        raise typer.BadParameter(
            "--calibration-data is used by --task em only, --eval-data by em and icd10; leave them out for services."
        )
    from training.coding.services import train_services

    return train_services(data_files=data, n=n, seed=seed, out_dir=out, tracking=tracking, tracking_uri=tracking_uri)


def build_leveler(bundle: Path | None) -> Any:
    from models.em.confidence import OnnxEmConfidence
    from models.em.leveler import EmLeveler

    if bundle is None:
        return EmLeveler()
    model = OnnxEmConfidence.from_bundle(bundle)
    from models.bundle import load_bundle

    threshold = load_bundle(bundle, task="em").thresholds.get("auto", 1.0)
    return EmLeveler(confidence_model=model, auto_threshold=threshold)


def evaluate_coding(task: str, data: Path, bundle: Path | None, details: Path | None = None) -> dict[str, Any]:
    """DESIGN.md metrics of one task on labelled encounters (predictions from the encounter without labels)."""
    from datasets.io import read_encounters
    from evaluation.coding import evaluate_em, evaluate_hcc, evaluate_services

    encounters = [e for e in read_encounters(data) if e.gold is not None]
    if not encounters:
        raise typer.BadParameter(f"{data} has no encounters with gold labels to evaluate against.")
    if task == "em":
        leveler = build_leveler(bundle or latest_bundle("em"))
        return evaluate_em(encounters, lambda e: leveler.level_encounter(e).em_code)
    if task == "services":
        from datasets.codesets import CodeSets
        from models.services.visit import ptp_from_cms, visit_services

        leveler = build_leveler(latest_bundle("em"))
        codesets = CodeSets.from_settings()
        cms = codesets.cms if codesets.has_cms else None

        def predict(e: Any) -> list[tuple[str, int]]:
            result = leveler.level_encounter(e)
            ptp = ptp_from_cms(cms, e.date_of_service or dt.date.today()) if cms is not None else None
            return [(line.code, line.units) for line in visit_services(result, ptp)]

        return evaluate_services(encounters, predict)
    from models.hcc.scan import HccScanner

    scanner = HccScanner.default()
    return evaluate_hcc(encounters, lambda e: scanner.scan(e).hccs("V28"))


def write_metrics(metrics: dict[str, Any], out: Path | None) -> None:
    typer.echo(json.dumps(metrics, indent=2))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
