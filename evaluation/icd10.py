"""Evaluate an ICD-10-CM bundle (and the TF-IDF + LR baseline shipped inside it) on labelled encounters.

Predictions are made from ``text`` only, through ONNX Runtime, exactly as served; gold labels are read afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from datasets.schema import Encounter
from evaluation.metrics import ranking_metrics
from models.icd10.suggester import Icd10Suggester

BASELINE_ONNX = "baseline.onnx"
BASELINE_JSON = "baseline.json"


def _gold(encounters: Sequence[Encounter]) -> list[list[str]]:
    return [list(e.gold.icd10cm) if e.gold else [] for e in encounters]


def evaluate_suggester(suggester: Icd10Suggester, encounters: Sequence[Encounter]) -> dict[str, float]:
    """DESIGN.md icd10 metrics of the suggester, with the bundle's tuned thresholds."""
    ranked = [[(s.code, s.probability) for s in suggester.suggest(e.without_labels())] for e in encounters]
    return ranking_metrics(ranked, _gold(encounters), suggester.core.decision_threshold, suggester.core.auto_threshold)


def evaluate_baseline(bundle_dir: Path, encounters: Sequence[Encounter], top_k: int = 40) -> dict[str, float]:
    """The same metrics for the bundle's TF-IDF + logistic-regression baseline (its auto tier never fires)."""
    import onnxruntime as ort

    for name in (BASELINE_ONNX, BASELINE_JSON):
        if not (bundle_dir / name).is_file():
            raise FileNotFoundError(
                f"No {name} in {bundle_dir}: this bundle has no baseline. Retrain with `medcode train --task icd10`."
            )
    meta = json.loads((bundle_dir / BASELINE_JSON).read_text(encoding="utf-8"))
    labels: list[str] = meta["labels"]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(bundle_dir / BASELINE_ONNX), options, providers=["CPUExecutionProvider"])
    ranked: list[list[tuple[str, float]]] = []
    for e in encounters:
        probs = session.run(["probabilities"], {"text": np.asarray([[e.text.lower()]], dtype=object)})[0][0]
        order = np.argsort(-probs, kind="stable")[:top_k]
        ranked.append([(labels[j], float(probs[j])) for j in order.tolist()])
    return ranking_metrics(ranked, _gold(encounters), float(meta["decision_threshold"]), 1.01)
