"""The hand-written ONNX export of the gradient-boosted ranker matches scikit-learn exactly."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
from sklearn.ensemble import HistGradientBoostingClassifier

from training.icd10.ranker_onnx import hgb_to_onnx


def test_ranker_onnx_matches_scikit_learn_on_bin_edges() -> None:
    rng = np.random.default_rng(0)
    # Few distinct values per feature: many rows sit exactly on the float32 values around split thresholds.
    X = (rng.integers(0, 7, size=(2000, 5)) / 7).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(0, 0.2, 2000) > 0.8).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    session = ort.InferenceSession(hgb_to_onnx(model, 5).SerializeToString(), providers=["CPUExecutionProvider"])
    onnx_p = session.run(["probability"], {"features": X})[0][:, 0]
    assert np.abs(onnx_p - model.predict_proba(X)[:, 1]).max() < 1e-5
