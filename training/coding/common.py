"""Shared helpers: training data (synthetic train families by default), bundle writing, ONNX export of a
scaler + multinomial logistic regression."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from datasets.io import read_encounters
from datasets.schema import Encounter
from models.bundle import ModelBundle, load_bundle, sha256_file

BUNDLE_FORMAT = "medcode.coding-confidence.v1"
ONNX_OPSET = 17


class TrainingDataError(ValueError):
    """TRN201: no usable labelled encounters."""


def training_encounters(data_files: Sequence[Path], n: int, seed: int) -> tuple[list[Encounter], str]:
    """Labelled encounters from files, or ``n`` synthetic train-family encounters (never the held-out family).

    Raises:
        TrainingDataError: TRN201 when files are given but none has gold labels, or a file is from the held-out
            phrasing family.
    """
    if data_files:
        encounters = [e for path in data_files for e in read_encounters(path) if e.gold is not None]
        heldout = [e for e in encounters if (e.model_extra or {}).get("phrasing_family") == "H"]
        if heldout:
            raise TrainingDataError(
                f"TRN201 {len(heldout)} training encounters are from the held-out phrasing family; train on "
                "`medcode synth --phrasing train` data only."
            )
        if not encounters:
            raise TrainingDataError("TRN201 The --data files hold no encounters with gold labels; pass labelled files.")
        return encounters, "files:" + ",".join(p.name for p in data_files)
    from datasets.synth.generator import SynthConfig, generate_encounters

    encounters = list(generate_encounters(SynthConfig(n=n, seed=seed, phrasing="train")))
    return encounters, f"synthetic:train:n={n}:seed={seed}"


def split(items: Sequence[Any], share: float, seed: int) -> tuple[list[Any], list[Any]]:
    """Deterministic split into (fit, validation) by a seeded permutation."""
    order = np.random.default_rng(seed).permutation(len(items))
    cut = round(len(items) * (1 - share))
    return [items[i] for i in order[:cut]], [items[i] for i in order[cut:]]


def fit_logistic(x: npt.NDArray[np.float32], y: npt.NDArray[np.int64], seed: int, c: float = 1.0) -> Any:
    """A standard-scaled multinomial logistic regression (scikit-learn, training side only)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000, random_state=seed))
    model.fit(x, y)
    return model


def to_onnx(model: Any, n_features: int) -> bytes:
    """ONNX bytes of the fitted pipeline; outputs ``label`` and ``probabilities`` (no zipmap)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    # A fixed graph name: skl2onnx names the graph with a random uuid by default, which made every training run's
    # bundle id (a hash of the files) differ and the audit calibration's E/M bundle check (AUD207) fire on every
    # freshly trained bundle, even one trained from the same code and data.
    onx = convert_sklearn(
        model,
        name="medcode_confidence",
        initial_types=[("features", FloatTensorType([None, n_features]))],
        options={id(model.steps[-1][1]): {"zipmap": False}},
        target_opset=ONNX_OPSET,
    )
    return bytes(onx.SerializeToString())


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def data_fingerprint(encounters: Sequence[Encounter]) -> str:
    digest = hashlib.sha256()
    for e in encounters:
        digest.update(e.encounter_id.encode())
        digest.update(hashlib.sha256(e.text.encode()).digest())
    return digest.hexdigest()


def write_bundle(
    folder: Path,
    *,
    task: str,
    files: dict[str, bytes],
    feature_names: Sequence[str],
    classes: Sequence[int],
    fingerprint: str,
    metrics: dict[str, float],
    thresholds: dict[str, float],
    training_data: dict[str, Any],
    rule_versions: dict[str, str],
) -> ModelBundle:
    """Write files and then the manifest (a folder without a manifest is never a bundle); returns the checked bundle."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").unlink(missing_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    label_hash = hashlib.sha256(json.dumps([list(feature_names), list(classes)]).encode()).hexdigest()
    # The id names the model, not only its data: retraining after a rule or feature change gives a new id.
    model_hash = hashlib.sha256()
    for name in sorted(files):
        model_hash.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    identity = (label_hash + fingerprint + model_hash.hexdigest()).encode()
    bundle_id = f"{task}-{hashlib.sha256(identity).hexdigest()[:12]}"
    manifest = {
        "format": BUNDLE_FORMAT,
        "bundle_id": bundle_id,
        "task": task,
        "system": "CPT/HCPCS",
        "version": 1,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training_commit": git_commit(),
        "codeset_versions": {"em_rules": "em_levels_2023", **rule_versions},
        "runtime": {"onnxruntime": metadata.version("onnxruntime"), "onnx_opset": ONNX_OPSET},
        "label_space_hash": label_hash,
        "feature_names": list(feature_names),
        "classes": list(classes),
        "data_fingerprint": fingerprint,
        "training_data": training_data,
        "metrics": metrics,
        "thresholds": thresholds,
        "files": {name: sha256_file(folder / name) for name in files},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return load_bundle(folder, task=task, expected_format=BUNDLE_FORMAT)


def pad_missing_classes(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.int64], fit_idx: list[int], classes: Sequence[int]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Append one pseudo-row (a copy of the first fitting row) per class absent from the fitting rows, so that the
    model always has an output per class; ``fit_idx`` grows in place. Needed when every training note is right."""
    present = set(y[fit_idx].tolist())
    for cls in classes:
        if cls not in present:
            x = np.vstack([x, x[fit_idx[0] : fit_idx[0] + 1]])
            y = np.append(y, cls)
            fit_idx.append(len(y) - 1)
    return x, y


def publish_bundle(root: Path, fingerprint: str, **bundle_fields: Any) -> tuple[Path, ModelBundle]:
    """Write a bundle in a staging folder, then move it to ``root/<bundle_id>`` (replacing an earlier one with the
    same id), so that a half-written folder is never picked up as a model; ``bundle_fields`` go to write_bundle."""
    staging = root / f"staging-{fingerprint[:8]}"
    if staging.exists():
        shutil.rmtree(staging)
    bundle = write_bundle(staging, fingerprint=fingerprint, **bundle_fields)
    final = root / bundle.bundle_id
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    return final, bundle


def track_training(
    summary: dict[str, Any],
    *,
    params: dict[str, Any],
    metrics: dict[str, float],
    fingerprint: str,
    bundle_folder: Path,
    registered_name: str,
    tracking_uri: str | None,
) -> None:
    """Log a coding-confidence training run and its bundle to MLflow and register the model; adds ``run_id`` and
    ``model_uri`` to ``summary``."""
    from training.tracking import log_training, mlflow_run

    task, bundle_id = summary["task"], summary["bundle_id"]
    with mlflow_run(f"medcode-{task}", run_name=f"{task}-{bundle_id}", tracking_uri=tracking_uri):
        summary["run_id"], summary["model_uri"] = log_training(
            params,
            metrics,
            {"task": task, "bundle_id": bundle_id, "data_fingerprint": fingerprint},
            bundle_folder,
            registered_name,
        )


def auto_threshold(confidence: Sequence[float], correct: Sequence[bool], target: float, min_support: int) -> float:
    """Lowest confidence threshold whose auto tier reaches ``target`` precision with at least ``min_support`` items
    (1.0, i.e. nothing automatic, when none does). Tuned on validation data only."""
    pairs = sorted(zip(confidence, correct, strict=True), reverse=True)
    best = 1.0
    hits = 0
    for i, (conf, ok) in enumerate(pairs, start=1):
        hits += ok
        if i >= min_support and hits / i >= target:
            best = conf
    return float(best)
