"""Adapter for the ICD-10-CM suggester of ``models/icd10`` (bundle format ``medcode.icd10_suggester.v1``).

``models.icd10.suggester.Icd10Suggester.load`` checks the bundle (files, checksums, task, format, code-set
versions) and opens its ONNX sessions; this adapter only maps its suggestions onto the engine's records. Imported
lazily, when a manifest names this format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets.schema import Encounter
from serving.engine.base import BundleLoadError, CodeSuggestion, Span

FORMAT = "medcode.icd10_suggester.v1"


@dataclass
class Icd10BundleSuggester:
    """The loaded ``Icd10Suggester`` behind the engine's component interface."""

    suggester: Any
    system: str = "ICD10CM"

    @property
    def bundle_id(self) -> str:
        """The bundle's id from its manifest."""
        return str(self.suggester.bundle_id)

    @property
    def thresholds(self) -> dict[str, float]:
        """The tuned thresholds of the bundle (``auto``, ``decision``)."""
        return dict(self.suggester.thresholds)

    def suggest(self, encounter: Encounter, *, top_k: int, min_confidence: float) -> list[CodeSuggestion]:
        """The suggester's ranked list, cut to ``top_k`` and ``min_confidence``."""
        found = []
        for s in self.suggester.suggest(encounter)[:top_k]:
            if s.probability < min_confidence:
                continue
            spans = (Span(s.evidence.start, s.evidence.end),) if s.evidence.end > s.evidence.start else ()
            found.append(CodeSuggestion(system="ICD10CM", code=s.code, confidence=float(s.probability), evidence=spans))
        return found


def load(folder: Path, manifest: dict[str, Any]) -> Icd10BundleSuggester:
    """Open the bundle through ``models.icd10``; its checks raise before anything is served."""
    try:
        from models.icd10.suggester import Icd10Suggester
    except ImportError as error:
        raise BundleLoadError(
            f"BND-S09 {folder} is a {FORMAT} bundle but models.icd10 cannot be imported ({error}); reinstall medcode."
        ) from error
    try:
        return Icd10BundleSuggester(Icd10Suggester.load(folder))
    except Exception as error:  # models.errors.BundleError and friends: stop the start-up with their message
        raise BundleLoadError(f"BND-S10 {error}") from error
