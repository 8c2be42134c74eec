"""``medcode train --task services``: fit the detected-line confidence (is this line a gold service?).

Every line the detector proposes on a training note is labelled by whether a gold service has its code; a scaled
logistic regression over the detector's features is fitted on 80% and its auto threshold tuned on 20%.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from configs.settings import get_settings
from models.clinical.document import ClinicalDocument
from models.services.confidence import SERVICE_FEATURES, OnnxServiceConfidence, service_vector
from models.services.detector import ServiceDetector
from training.coding.common import (
    auto_threshold,
    data_fingerprint,
    fit_logistic,
    pad_missing_classes,
    publish_bundle,
    split,
    to_onnx,
    track_training,
    training_encounters,
)

REGISTERED_NAME = "medcode-services"


def train_services(
    *,
    data_files: Sequence[Path] = (),
    n: int = 1500,
    seed: int = 2026,
    target_precision: float = 0.97,
    out_dir: Path | None = None,
    tracking: bool = True,
    tracking_uri: str | None = None,
) -> dict[str, Any]:
    """Train and export the service confidence model; returns a summary."""
    started = time.perf_counter()
    encounters, source = training_encounters(data_files, n, seed)
    detector = ServiceDetector()
    rows: list[list[float]] = []
    labels: list[int] = []
    for encounter in encounters:
        assert encounter.gold is not None
        gold = {s.code for s in encounter.gold.services}
        doc = ClinicalDocument(encounter.text, {"payer": encounter.payer, "age": encounter.age})
        for line in detector.detect(doc):
            rows.append(service_vector(line.features))
            labels.append(int(line.code in gold))
    x = np.asarray(rows, dtype=np.float32)
    y = np.asarray(labels, dtype=np.int64)
    fit_idx, val_idx = split(list(range(len(rows))), 0.2, seed)
    x, y = pad_missing_classes(x, y, fit_idx, (0, 1))
    model = fit_logistic(x[fit_idx], y[fit_idx], seed)
    onnx_bytes = to_onnx(model, len(SERVICE_FEATURES))
    sk_val = model.predict_proba(x[val_idx])[:, -1] if val_idx else np.zeros(0)
    correct = [bool(labels[i]) for i in val_idx]
    threshold = auto_threshold(sk_val.tolist(), correct, target_precision, min_support=20)
    metrics = {
        "val_line_precision": float(np.mean(correct)) if correct else 0.0,
        "val_auto_coverage": float(np.mean(sk_val >= threshold)) if len(sk_val) else 0.0,
        "val_brier": float(np.mean((sk_val - np.asarray(correct, dtype=float)) ** 2)) if len(sk_val) else 0.0,
        "n_lines_fit": float(len(fit_idx)),
        "n_lines_val": float(len(val_idx)),
    }
    fingerprint = data_fingerprint(encounters)
    final, bundle = publish_bundle(
        out_dir or get_settings().artifacts_dir / "models" / "services",
        fingerprint,
        task="services",
        files={
            "services_confidence.onnx": onnx_bytes,
            "services_confidence.json": json.dumps({"classes": [0, 1]}).encode(),
        },
        feature_names=SERVICE_FEATURES,
        classes=[0, 1],
        metrics=metrics,
        thresholds={"auto": threshold},
        training_data={"source": source, "n": len(encounters)},
        rule_versions={"service_catalogue": "medcode.service_catalogue.v1"},
    )
    scorer = OnnxServiceConfidence.from_bundle(final)
    onnx_val = np.asarray(scorer([dict(zip(SERVICE_FEATURES, r, strict=True)) for r in x[val_idx].tolist()]))
    metrics["onnx_max_abs_diff"] = float(np.abs(onnx_val - sk_val).max()) if len(sk_val) else 0.0
    summary: dict[str, Any] = {"task": "services", "bundle": str(final), "bundle_id": bundle.bundle_id,
                               "metrics": metrics, "seconds": round(time.perf_counter() - started, 1),
                               "source": source}  # fmt: skip
    if tracking:
        track_training(
            summary,
            params={"n": n, "seed": seed, "target_precision": target_precision, "source": source},
            metrics=metrics,
            fingerprint=fingerprint,
            bundle_folder=final,
            registered_name=REGISTERED_NAME,
            tracking_uri=tracking_uri,
        )
    return summary
