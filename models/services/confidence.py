"""Serving-time confidence of a detected service line: an ONNX logistic model over the detector's features.

Fitted by ``training/coding/services.py`` on synthetic train-family notes (label: the line is a gold service of
the encounter). Only onnxruntime and numpy here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from models.bundle import load_bundle

SERVICE_FEATURES: tuple[str, ...] = (
    "in_procedure_section",
    "performed_cue",
    "n_hits",
    "kind_test",
    "kind_procedure",
    "has_dose",
)


def service_vector(features: dict[str, float]) -> list[float]:
    return [float(features.get(name, 0.0)) for name in SERVICE_FEATURES]


class OnnxServiceConfidence:
    """Callable scorer for :class:`~models.services.detector.ServiceDetector` (``scorer=``)."""

    def __init__(self, onnx_path: Path) -> None:
        import onnxruntime as ort

        self.session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
        self._input = self.session.get_inputs()[0].name

    @classmethod
    def from_bundle(cls, path: str | Path) -> OnnxServiceConfidence:
        bundle = load_bundle(path, task="services")
        return cls(bundle.file("services_confidence.onnx"))

    def __call__(self, features: list[dict[str, float]]) -> list[float]:
        x = np.asarray([service_vector(f) for f in features], dtype=np.float32)
        outputs: list[Any] = self.session.run(None, {self._input: x})
        return [float(row[-1]) for row in outputs[1]]
