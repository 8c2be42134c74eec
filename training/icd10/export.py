"""Write an ICD-10-CM suggester bundle: ONNX files for the learned parts, numpy tables, calibration, manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from configs.icd10 import Icd10Config
from datasets.codesets.icd10cm import ICD10CM_VERSION, package_version
from datasets.schema import Encounter
from models.bundle import ModelBundle, load_bundle, sha256_file
from models.icd10.dense import QUERY_PIECES_FILE, TOKENIZER_FILE
from models.icd10.features import FEATURE_NAMES, N_FEATURES
from models.icd10.suggester import (
    BUNDLE_FILES,
    BUNDLE_FORMAT,
    CALIBRATION_FILE,
    RANKER_FILE,
    SUPERVISED_FILE,
    SYSTEM,
    TASK,
    write_tables,
)
from training.icd10.fit import FittedIcd10
from training.icd10.ranker_onnx import hgb_to_onnx
from training.icd10.supervised import ONNX_OPSET, supervised_to_onnx

BUNDLE_VERSION = "1.0.0"


def ranker_to_onnx(fitted: FittedIcd10) -> onnx.ModelProto:
    """The gradient-boosted ranker as an ONNX tree ensemble (input ``features`` [N, n_features])."""
    return hgb_to_onnx(fitted.ranker, N_FEATURES, opset=ONNX_OPSET)


def data_fingerprint(encounters: list[Encounter]) -> str:
    """sha256 over encounter ids, note texts and gold codes, in order (identifies the training data, reveals none)."""
    digest = hashlib.sha256()
    for e in encounters:
        digest.update(e.encounter_id.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(e.text.encode()).digest())
        digest.update(",".join(e.gold.icd10cm if e.gold else []).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def label_space_hash(fitted: FittedIcd10) -> str:
    payload = json.dumps({"codes": fitted.tables.kb.codes, "supervised": fitted.tables.sup_code_index.tolist()})
    return hashlib.sha256(payload.encode()).hexdigest()


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def write_bundle(
    fitted: FittedIcd10,
    config: Icd10Config,
    folder: Path,
    *,
    fingerprint: str,
    metrics: dict[str, Any],
    training_data: dict[str, Any],
    extra_files: tuple[str, ...] = (),
) -> ModelBundle:
    """Export every learned part and write the manifest last (a folder without one is never a bundle)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").unlink(missing_ok=True)
    (folder / SUPERVISED_FILE).write_bytes(supervised_to_onnx(fitted.supervised).SerializeToString())
    (folder / RANKER_FILE).write_bytes(ranker_to_onnx(fitted).SerializeToString())
    write_tables(folder, fitted.tables)
    np.save(folder / QUERY_PIECES_FILE, fitted.query_pieces.astype(np.float16))  # float16 is what was fitted
    shutil.copyfile(fitted.encoder.tokenizer, folder / TOKENIZER_FILE)
    (folder / CALIBRATION_FILE).write_text(json.dumps(fitted.calibrator.to_dict()), encoding="utf-8")
    files = {name: sha256_file(folder / name) for name in (*BUNDLE_FILES, *extra_files)}
    label_hash = label_space_hash(fitted)
    content = json.dumps({"files": files, "data": fingerprint, "labels": label_hash}, sort_keys=True)
    bundle_id = f"icd10-{hashlib.sha256(content.encode()).hexdigest()[:12]}"  # changes whenever any part changes
    manifest = {
        "format": BUNDLE_FORMAT,
        "bundle_id": bundle_id,
        "task": TASK,
        "system": SYSTEM,
        "version": BUNDLE_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training_commit": _git_commit(),
        "codeset_versions": {"icd10cm": ICD10CM_VERSION, "simple-icd-10-cm": package_version()},
        "runtime": {"onnxruntime": metadata.version("onnxruntime"), "onnx_opset": ONNX_OPSET},
        "label_space_hash": label_hash,
        "n_codes": len(fitted.tables.kb.codes),
        "n_supervised_labels": len(fitted.tables.sup_code_index),
        "feature_names": list(FEATURE_NAMES),
        "calibrator": fitted.calibrator.to_dict()["name"],
        "data_fingerprint": fingerprint,
        "training_data": training_data,
        "metrics": metrics,
        "thresholds": {"decision": fitted.decision_threshold, "auto": fitted.auto_threshold},
        "settings": {
            "candidates": config.candidates.model_dump(),
            "dense": config.dense.model_dump(),
            "max_suggestions": config.routing.max_suggestions,
        },
        "config": config.model_dump(),
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return load_bundle(folder, task=TASK, expected_format=BUNDLE_FORMAT)
