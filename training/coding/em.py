"""``medcode train --task em``: fit the E/M level confidence (offset of the gold level from the rule-based level).

Steps: level every training note with the rules; label each with the gold level's offset (-1, 0, +1; a code of
another family counts as +1); fit a scaled multinomial logistic regression on 80% and tune the auto-tier threshold
on the other 20% (validation); export to ONNX, check ONNX against scikit-learn, write the bundle, log to MLflow.
With calibration files (notes in phrasing the rules were not written on: ``synth --phrasing calibration``), the model
learns from them too, since on the training wording the rules are right almost always and a model fitted only there
cannot tell a misread note from a read one; the threshold is tuned on out-of-fold confidences of the calibration notes
(each fold scored by a model fitted on the training notes and the other folds), and the final model is fitted on all
of them. Evaluation files (``--eval-data``, another unseen family) report exact accuracy and the auto tier's precision
and coverage under the final model and threshold.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from configs.settings import get_settings
from datasets.codesets.em import em_rank
from datasets.schema import Encounter
from evaluation.coding import em_metrics
from models.em.confidence import OFFSETS, OnnxEmConfidence
from models.em.features import FEATURE_NAMES, em_features, feature_vector
from models.em.leveler import EmLeveler
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

log = logging.getLogger(__name__)
REGISTERED_NAME = "medcode-em"


def offset(gold: str | None, predicted: str | None) -> int:
    """-1 / 0 / +1: the gold level below, equal to or above the predicted one (another family: +1)."""
    if gold == predicted:
        return 0
    g = em_rank(gold) if gold else None
    p = em_rank(predicted) if predicted else None
    if g is None or p is None or g[:2] != p[:2]:
        return 1
    return -1 if g[2] < p[2] else 1


def _leveled(
    encounters: Sequence[Encounter], leveler: EmLeveler
) -> tuple[list[list[float]], list[int], list[str | None], list[str | None]]:
    """Features, gold offset, gold and predicted code of every note the rules level (or that has a gold code)."""
    rows: list[list[float]] = []
    labels: list[int] = []
    golds: list[str | None] = []
    preds: list[str | None] = []
    for encounter in encounters:
        assert encounter.gold is not None
        result = leveler.level_encounter(encounter.without_labels())
        if result.em_code is None and encounter.gold.em_code is None:
            continue
        rows.append(feature_vector(em_features(result)) if result.em_code else [0.0] * len(FEATURE_NAMES))
        labels.append(offset(encounter.gold.em_code, result.em_code))
        golds.append(encounter.gold.em_code)
        preds.append(result.em_code)
    return rows, labels, golds, preds


def train_em(
    *,
    data_files: Sequence[Path] = (),
    n: int = 1500,
    seed: int = 2026,
    target_precision: float = 0.99,
    out_dir: Path | None = None,
    tracking: bool = True,
    tracking_uri: str | None = None,
    calibration_files: Sequence[Path] = (),
    eval_files: Sequence[Path] = (),
    calibration_folds: int = 5,
) -> dict[str, Any]:
    """Train and export the E/M confidence model; returns a summary (bundle folder, metrics, MLflow run)."""
    started = time.perf_counter()
    encounters, source = training_encounters(data_files, n, seed)
    leveler = EmLeveler()
    rows, labels, golds, preds = _leveled(encounters, leveler)
    index = list(range(len(rows)))
    if calibration_files:
        calibration, calibration_source = training_encounters(calibration_files, 0, seed)
        more_rows, more_labels, more_golds, more_preds = _leveled(calibration, leveler)
        val_idx = list(range(len(rows), len(rows) + len(more_rows)))
        rows, labels, golds, preds = rows + more_rows, labels + more_labels, golds + more_golds, preds + more_preds
        fit_idx = index + val_idx
        source += f";calibration:{calibration_source}"
    else:
        fit_idx, val_idx = split(index, 0.2, seed)
    x = np.asarray(rows, dtype=np.float32)
    y = np.asarray(labels, dtype=np.int64)
    x, y = pad_missing_classes(x, y, fit_idx, OFFSETS)
    model = fit_logistic(x[fit_idx], y[fit_idx], seed)
    onnx_bytes = to_onnx(model, len(FEATURE_NAMES))
    classes = [int(c) for c in model.classes_]
    zero = classes.index(0)
    if calibration_files:
        confidence = _out_of_fold_confidence(x, y, index, val_idx, calibration_folds, seed)
    else:
        confidence = model.predict_proba(x[val_idx])[:, zero].tolist()
    correct = [labels[i] == 0 for i in val_idx]
    threshold = auto_threshold(confidence, correct, target_precision, min_support=20)
    metrics = {
        **_tier_metrics("val", confidence, correct, threshold, [(golds[i], preds[i]) for i in val_idx]),
        "val_brier": float(np.mean([(c - ok) ** 2 for c, ok in zip(confidence, correct, strict=True)])),
        "n_fit": float(len(fit_idx)),
        "n_val": float(len(val_idx)),
    }
    if eval_files:
        held, held_source = training_encounters(eval_files, 0, seed)
        e_rows, e_labels, e_golds, e_preds = _leveled(held, leveler)
        e_conf = model.predict_proba(np.asarray(e_rows, dtype=np.float32))[:, zero].tolist() if e_rows else []
        e_correct = [label == 0 for label in e_labels]
        metrics.update(_tier_metrics("eval", e_conf, e_correct, threshold, list(zip(e_golds, e_preds, strict=True))))
        source += f";eval:{held_source}"
    fingerprint = data_fingerprint(encounters)
    final, bundle = publish_bundle(
        out_dir or get_settings().artifacts_dir / "models" / "em",
        fingerprint,
        task="em",
        files={"em_confidence.onnx": onnx_bytes, "em_confidence.json": _meta(classes)},
        feature_names=FEATURE_NAMES,
        classes=classes,
        metrics=metrics,
        thresholds={"auto": threshold},
        training_data={"source": source, "n": len(encounters)},
        rule_versions={"mdm_elements": "mdm_elements_2023", "em_cues": "medcode.em_cues.v1"},
    )
    onnx_model = OnnxEmConfidence.from_bundle(final)
    parity = np.abs(
        np.asarray([[p[c] for c in classes] for p in onnx_model.predict_proba(
            [dict(zip(FEATURE_NAMES, row, strict=True)) for row in x[val_idx].tolist()]
        )]) - model.predict_proba(x[val_idx])
    ).max() if val_idx else 0.0  # fmt: skip
    metrics["onnx_max_abs_diff"] = float(parity)
    summary: dict[str, Any] = {"task": "em", "bundle": str(final), "bundle_id": bundle.bundle_id, "metrics": metrics,
                               "seconds": round(time.perf_counter() - started, 1), "source": source}  # fmt: skip
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


def _out_of_fold_confidence(
    x: np.ndarray, y: np.ndarray, train_idx: list[int], cal_idx: list[int], folds: int, seed: int
) -> list[float]:
    """P(offset 0) of each calibration note from a model fitted on the training notes and the other folds."""
    order = list(cal_idx)
    np.random.default_rng(seed).shuffle(order)
    confidence: dict[int, float] = {}
    for k in range(folds):
        held = order[k::folds]
        if not held:
            continue
        fit_idx = train_idx + [i for i in order if i not in set(held)]
        xx, yy = pad_missing_classes(x, y, fit_idx, OFFSETS)
        fold_model = fit_logistic(xx[fit_idx], yy[fit_idx], seed)
        zero = [int(c) for c in fold_model.classes_].index(0)
        for i, p in zip(held, fold_model.predict_proba(x[held])[:, zero].tolist(), strict=True):
            confidence[i] = p
    return [confidence[i] for i in cal_idx]


def _tier_metrics(
    prefix: str,
    confidence: Sequence[float],
    correct: Sequence[bool],
    threshold: float,
    pairs: Sequence[tuple[str | None, str | None]],
) -> dict[str, float]:
    """Exact and within-one accuracy of the rules, and the auto tier's coverage and precision at ``threshold``."""
    rule_metrics = em_metrics(pairs)
    auto = [c >= threshold for c in confidence]
    right = [ok for ok, a in zip(correct, auto, strict=True) if a]
    return {
        f"{prefix}_exact_accuracy": rule_metrics["exact_accuracy"],
        f"{prefix}_within_one_accuracy": rule_metrics["within_one_accuracy"],
        f"{prefix}_auto_coverage": float(np.mean(auto)) if auto else 0.0,
        f"{prefix}_auto_precision": float(np.mean(right)) if right else 0.0,
    }


def _meta(classes: list[int]) -> bytes:
    import json

    return json.dumps({"classes": classes, "offsets": list(OFFSETS)}).encode()
