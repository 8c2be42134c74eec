"""The TF-IDF + logistic-regression part: label alignment and ONNX parity."""

from __future__ import annotations

import random

import numpy as np
import onnxruntime as ort

from configs.icd10 import SupervisedSettings
from training.icd10.supervised import fit_supervised, fit_vectorizer, supervised_to_onnx


def _data(n_labels: int = 300, n_docs: int = 400) -> tuple[list[str], list[set[int]]]:
    rng = random.Random(0)
    texts, golds = [], []
    for _ in range(n_docs):
        labels = set(rng.sample(range(n_labels), 3))
        words = [f"w{label}x" for label in labels] + [f"filler{rng.randrange(50)}" for _ in range(10)]
        texts.append(" ".join(words))
        golds.append(labels)
    return texts, golds


def test_supervised_probabilities_align_with_labels_regression_int8() -> None:
    texts, golds = _data()
    settings = SupervisedSettings(labels_min_docs=2, C=10.0)
    model = fit_supervised(fit_vectorizer(texts, settings), texts, golds, settings)
    probs = model.predict_proba(texts[:50])
    known = set(model.labels)
    hits = total = 0
    for row, gold in enumerate(golds[:50]):
        expected = gold & known
        top = {model.labels[j] for j in np.argsort(-probs[row])[: len(expected)]}
        hits += len(top & expected)
        total += len(expected)
    assert hits / total > 0.9  # with an int8 indicator matrix this was about 0.01


def test_supervised_onnx_matches_scikit_learn() -> None:
    texts, golds = _data(n_labels=40, n_docs=120)
    settings = SupervisedSettings(labels_min_docs=2)
    model = fit_supervised(fit_vectorizer(texts, settings), texts, golds, settings)
    session = ort.InferenceSession(supervised_to_onnx(model).SerializeToString(), providers=["CPUExecutionProvider"])
    # The graph multiplies only the n-grams present in the batch: a batch of one note, several notes, and notes
    # without a single known n-gram (no n-gram present at all in the last batch).
    for batch in (texts[:1], [*texts[:10], "", "nothing known here"], ["", "unknown"]):
        onnx_probs = session.run(["probabilities"], {"text": np.asarray(batch, dtype=object).reshape(-1, 1)})[0]
        assert onnx_probs.shape == (len(batch), len(model.labels))
        assert np.abs(onnx_probs - model.predict_proba(batch)).max() < 1e-5
