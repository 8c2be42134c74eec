"""The generic ONNX text-classifier bundle (format ``medcode.onnx_text_classifier.v1``).

A folder with ``manifest.json`` and ``model.onnx``: any scikit-learn text pipeline exported with skl2onnx whose input
is a string tensor ``[N, 1]`` and whose second output is the ``[N, n_labels]`` probability matrix (``zipmap`` off).
The manifest lists the labels (in column order), an optional ``evidence_terms`` table (label -> words that speak
for it, e.g. its largest positive coefficients) used to point at evidence in the note, ``thresholds`` and
``codeset_versions``. It is the small, dependency-free model format of the service; the ICD-10-CM suggester of
``models/`` has its own bundle and loader.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from datasets.schema import Encounter
from serving.engine.base import BundleLoadError, CodeSuggestion, Span

FORMAT = "medcode.onnx_text_classifier.v1"
_WORD = re.compile(r"[a-zA-Z0-9_]{2,}")


@dataclass
class OnnxTextClassifier:
    """ONNX Runtime session over a text classifier; one instance per bundle, safe to share between threads.

    Args:
        bundle_id: the manifest's ``bundle_id``.
        system: the code system its labels belong to (e.g. ``ICD10CM``).
        labels: label per probability column.
        evidence_terms: label -> lower-case words whose occurrences are shown as evidence.
        session: the ONNX Runtime inference session.
        thresholds: the manifest's routing thresholds (``auto``), when tuned.
    """

    bundle_id: str
    system: str
    labels: list[str]
    evidence_terms: dict[str, frozenset[str]]
    session: Any
    thresholds: dict[str, float]

    @classmethod
    def load(cls, folder: Path, manifest: dict[str, Any]) -> OnnxTextClassifier:
        """Open ``model.onnx`` of a bundle folder whose manifest was read already."""
        import onnxruntime as ort

        model_path = folder / str(manifest.get("model_file", "model.onnx"))
        if not model_path.is_file():
            raise BundleLoadError(f"BND-S02 {model_path.name} is missing in {folder}; re-export the bundle.")
        labels = manifest.get("labels")
        if not isinstance(labels, list) or not labels:
            raise BundleLoadError(f"BND-S03 {folder}/manifest.json has no 'labels' list; re-export the bundle.")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        n_out = session.get_outputs()[-1].shape[-1]
        if isinstance(n_out, int) and n_out != len(labels):
            raise BundleLoadError(
                f"BND-S04 {model_path} has {n_out} outputs but the manifest lists {len(labels)} labels; the bundle "
                f"is inconsistent, re-export it."
            )
        terms = {str(k): frozenset(str(w).lower() for w in v) for k, v in manifest.get("evidence_terms", {}).items()}
        return cls(
            bundle_id=str(manifest["bundle_id"]),
            system=str(manifest.get("system", "ICD10CM")),
            labels=[str(label) for label in labels],
            evidence_terms=terms,
            session=session,
            thresholds={str(k): float(v) for k, v in manifest.get("thresholds", {}).items()},
        )

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probability matrix ``[len(texts), n_labels]``."""
        feed = {self.session.get_inputs()[0].name: np.array(texts, dtype=object).reshape(-1, 1)}
        outputs = self.session.run(None, feed)
        return np.asarray(outputs[-1], dtype=np.float32)

    @staticmethod
    def _words(text: str) -> list[tuple[str, int, int]]:
        return [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]

    def _evidence(self, words: list[tuple[str, int, int]], label: str, limit: int = 5) -> tuple[Span, ...]:
        terms = self.evidence_terms.get(label)
        if not terms:
            return ()
        spans = [Span(start, end) for word, start, end in words if word in terms]
        return tuple(spans[:limit])

    def suggest(self, encounter: Encounter, *, top_k: int, min_confidence: float) -> list[CodeSuggestion]:
        """Ranked suggestions with probability >= ``min_confidence`` (at most ``top_k``)."""
        probabilities = self.predict_proba([encounter.text])[0]
        order = [i for i in np.argsort(-probabilities, kind="stable")[:top_k] if probabilities[i] >= min_confidence]
        words = self._words(encounter.text) if order else []
        return [
            CodeSuggestion(
                system=self.system,
                code=self.labels[i],
                confidence=float(probabilities[i]),
                evidence=self._evidence(words, self.labels[i]),
            )
            for i in order
        ]


def read_manifest(folder: Path) -> dict[str, Any]:
    """The bundle's manifest; the error names the folder searched."""
    path = folder / "manifest.json"
    if not path.is_file():
        raise BundleLoadError(
            f"BND-S01 No manifest.json in {folder.resolve()}; MEDCODE_ICD_BUNDLE must name a model bundle folder."
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict):
        raise BundleLoadError(f"BND-S01 {path} is not a JSON object; re-export the bundle.")
    return manifest
