"""What every prediction component hands the engine: code suggestions with confidence and evidence offsets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from datasets.schema import Encounter


class BundleLoadError(RuntimeError):
    """A model bundle could not be loaded; the service refuses to start rather than serve wrong codes."""


@dataclass(frozen=True)
class Span:
    """Character offsets into the note."""

    start: int
    end: int


@dataclass(frozen=True)
class CodeSuggestion:
    """One ranked code from a component (before routing)."""

    system: str
    code: str
    confidence: float
    evidence: tuple[Span, ...] = field(default_factory=tuple)


class CodeSuggester(Protocol):
    """A loaded model component that ranks codes of one system for a note."""

    @property
    def bundle_id(self) -> str:
        """The loaded bundle's id."""
        ...

    @property
    def system(self) -> str:
        """The code system of its labels (``ICD10CM``, ``CPT``, ``HCPCS``, ``EM``)."""
        ...

    @property
    def thresholds(self) -> dict[str, float]:
        """Tuned thresholds of the bundle (``auto``, ``decision``), possibly empty."""
        ...

    def suggest(self, encounter: Encounter, *, top_k: int, min_confidence: float) -> list[CodeSuggestion]:
        """Ranked suggestions for one encounter (labels removed by the caller)."""
        ...
