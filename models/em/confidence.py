"""Serving-time confidence for the E/M level: an ONNX multinomial model over level offsets (-1, 0, +1).

The model (fitted by ``training/em.py`` on synthetic train-family notes, exported with skl2onnx) predicts how far
the gold level is from the rule-based level, given the features of :mod:`models.em.features`. P(offset = 0) is the
confidence of the level; the other two are the neighbouring levels' probabilities. Only onnxruntime and numpy here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from models.bundle import load_bundle
from models.em.features import FEATURE_NAMES, feature_vector
from models.errors import BundleIncompatibleError

OFFSETS: tuple[int, ...] = (-1, 0, 1)


class OnnxEmConfidence:
    """Loads ``em_confidence.onnx`` from an E/M bundle and scores feature dicts.

    Args:
        onnx_path: the ONNX file.
        classes: the offsets in the model's output column order.
    """

    def __init__(self, onnx_path: Path, classes: list[int]) -> None:
        import onnxruntime as ort

        self.session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
        self.classes = classes
        self._input = self.session.get_inputs()[0].name

    @classmethod
    def from_bundle(cls, path: str | Path) -> OnnxEmConfidence:
        """Open an E/M bundle (checked by :func:`models.bundle.load_bundle`) and its confidence model."""
        bundle = load_bundle(path, task="em")
        names = bundle.manifest.get("feature_names")
        if names != list(FEATURE_NAMES):
            raise BundleIncompatibleError("BND005", path=bundle.path, got=str(names), expected=str(list(FEATURE_NAMES)))
        meta = json.loads(bundle.file("em_confidence.json").read_text(encoding="utf-8"))
        return cls(bundle.file("em_confidence.onnx"), [int(c) for c in meta["classes"]])

    def predict_proba(self, features: list[dict[str, float]]) -> list[dict[int, float]]:
        """Probability of each offset for each feature dict."""
        x = np.asarray([feature_vector(f) for f in features], dtype=np.float32)
        outputs: list[Any] = self.session.run(None, {self._input: x})
        probs = outputs[1]
        rows: list[dict[int, float]] = []
        for row in probs:
            if isinstance(row, dict):
                rows.append({int(k): float(v) for k, v in row.items()})
            else:
                rows.append({c: float(p) for c, p in zip(self.classes, row, strict=True)})
        return rows
