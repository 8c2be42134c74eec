"""The TF-IDF + one-vs-rest logistic-regression baseline (raw note text, no knowledge), exported to ONNX.

It is shipped inside each ICD-10-CM bundle (``baseline.onnx`` + ``baseline.json``) so that ``medcode evaluate
--baseline`` reports it beside the suggester on the same split without fitting anything at evaluation time. Its
decision threshold is chosen on cross-validated training predictions, like the suggester's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold

from configs.icd10 import SupervisedSettings
from datasets.schema import Encounter
from training.icd10.supervised import SupervisedModel, fit_supervised, fit_vectorizer, supervised_to_onnx

BASELINE_ONNX = "baseline.onnx"
BASELINE_JSON = "baseline.json"


def _golds(encounters: Sequence[Encounter], index: dict[str, int]) -> list[set[int]]:
    return [{index[c] for c in (e.gold.icd10cm if e.gold else [])} for e in encounters]


def fit_baseline(
    train: Sequence[Encounter], settings: SupervisedSettings, folds: int = 3, seed: int = 0
) -> tuple[SupervisedModel, list[str], float]:
    """Fit the baseline on raw lower-cased text; returns the model, its code list and a CV-tuned threshold."""
    codes = sorted({c for e in train for c in (e.gold.icd10cm if e.gold else [])})
    index = {c: i for i, c in enumerate(codes)}
    golds = _golds(train, index)
    texts = [e.text.lower() for e in train]
    probs: list[float] = []
    hits: list[bool] = []
    n_gold = 0
    for fit_idx, held_idx in KFold(folds, shuffle=True, random_state=seed).split(texts):
        vec = fit_vectorizer([texts[i] for i in fit_idx], settings)
        model = fit_supervised(vec, [texts[i] for i in fit_idx], [golds[i] for i in fit_idx], settings)
        p = model.predict_proba([texts[i] for i in held_idx])
        for row, i in enumerate(held_idx.tolist()):
            n_gold += len(golds[i])
            for j, code in enumerate(model.labels):
                probs.append(float(p[row, j]))
                hits.append(code in golds[i])
    order = np.argsort(-np.asarray(probs), kind="stable")
    tp = np.cumsum(np.asarray(hits)[order])
    f1 = 2 * tp / (np.arange(1, len(order) + 1) + n_gold)
    threshold = float(np.asarray(probs)[order][int(np.argmax(f1))]) if len(order) else 0.5
    vec = fit_vectorizer(texts, settings)
    return fit_supervised(vec, texts, golds, settings), codes, threshold


def write_baseline(folder: Path, model: SupervisedModel, codes: list[str], threshold: float) -> list[str]:
    """Write ``baseline.onnx`` and ``baseline.json``; returns the file names."""
    (folder / BASELINE_ONNX).write_bytes(supervised_to_onnx(model).SerializeToString())
    payload = {"labels": [codes[j] for j in model.labels], "decision_threshold": threshold, "input": "lowercase text"}
    (folder / BASELINE_JSON).write_text(json.dumps(payload), encoding="utf-8")
    return [BASELINE_ONNX, BASELINE_JSON]
