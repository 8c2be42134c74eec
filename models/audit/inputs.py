"""What the audit engine needs from the models, as small frozen records and one provider protocol per model.

The E/M leveler, the service detector, the ICD-10-CM suggester and the HCC/MEAT module each have their own output
types; :mod:`models.audit.adapters` turns those into the records here, so the checks depend on this narrow contract
and not on any model's internals. Every record carries the model's calibrated probability as ``confidence`` and its
evidence as character spans of the note. Providers see the encounter without its labels (``gold``,
``expected_flags``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from datasets.schema import Encounter

DxStatus = Literal["supported", "negated", "ruled_out", "history_only", "not_addressed", "absent"]
DX_STATUS_EXAMPLES: dict[str, str] = {
    "supported": "'Type 2 diabetes, A1c 8.9, increase metformin' supports E11.65.",
    "negated": "'denies chest pain' does not support R07.9.",
    "ruled_out": "'rule out pneumonia, chest x-ray ordered' does not support J18.9 in the office.",
    "history_only": "'history of breast cancer, completed treatment 2015' does not support C50.919.",
    "not_addressed": "'problem list: gout' with no assessment or plan does not support M10.9 today.",
    "absent": "the billed code's condition appears nowhere in the note.",
}


@dataclass(frozen=True)
class Span:
    """A span of the note: ``text == note[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class EmFinding:
    """The E/M leveler's answer: the level the documentation supports.

    Attributes:
        supported_code: the E/M code the note supports (problem-oriented visit), e.g. ``"99213"``.
        confidence: calibrated probability that ``supported_code`` is the right level.
        probabilities: calibrated probability of each candidate level of the family (may be empty).
        mdm: element -> level (``problems``, ``data``, ``risk``, ``level``), when MDM was scored.
        time_minutes: total practitioner time found in the note, if any.
        evidence: spans supporting the MDM elements and time.
        missing: documentation elements a higher level would need, in the leveler's words
            (e.g. ``"data: no test ordered or reviewed"``, ``"time: total time not documented"``).
    """

    supported_code: str
    confidence: float
    probabilities: dict[str, float] = field(default_factory=dict)
    mdm: dict[str, str] = field(default_factory=dict)
    time_minutes: int | None = None
    evidence: tuple[Span, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceFinding:
    """A separately billable service the note documents as performed (procedure, injection, drug, test)."""

    code: str
    units: int
    confidence: float
    modifiers: tuple[str, ...] = ()
    evidence: tuple[Span, ...] = ()
    source: str = "detector"  # or "leveler": add-on and companion codes the E/M leveler derives (99417, G2211)


@dataclass(frozen=True)
class DiagnosisFinding:
    """How the note supports one ICD-10-CM code (billed or documented).

    Attributes:
        code: ICD-10-CM code, dotted upper case.
        status: one of :data:`DxStatus`.
        confidence: calibrated probability that the status is right.
        evidence: where the condition is mentioned (empty for ``absent``).
        probability: the ICD-10-CM suggester's calibrated probability that the note documents this code (None
            without a suggester).
        problems_coded: for an ``absent`` code, whether every problem the visit addresses is already named by
            another billed code (then nothing in the note is left for this code to name: it is likely unsupported;
            otherwise it may name an unexplained problem in words the matcher does not know). None for other
            statuses.
    """

    code: str
    status: DxStatus
    confidence: float
    evidence: tuple[Span, ...] = ()
    probability: float | None = None
    problems_coded: bool | None = None


@dataclass(frozen=True)
class DocumentedCode:
    """An ICD-10-CM code the note documents (a suggestion above its decision threshold), with probability."""

    code: str
    confidence: float
    evidence: tuple[Span, ...] = ()
    source: str = "suggester"  # or "title_match" (assessment item), "specificity" (category words of a billed code)
    # the billed code the specificity finder read it as the more specific form of: a claim billing two codes of one
    # category (M75.40 impingement, M75.100 cuff tear) has it for that one only
    billed: str | None = None


@dataclass(frozen=True)
class HccFinding:
    """A documented condition that maps to a payment HCC, with its MEAT evidence and RAF effect."""

    hcc: str
    icd10cm: str
    confidence: float
    meat: tuple[str, ...] = ()  # which of monitor / evaluate / assess / treat the note shows
    evidence: tuple[Span, ...] = ()
    raf_delta: float | None = None
    model: str = "V28"


@dataclass(frozen=True)
class ModelOutputs:
    """Everything the models say about one encounter, computed once and shared by every check.

    A field is ``None`` when its model is not loaded (the checks that need it are then skipped and say so).
    """

    em: EmFinding | None = None
    services: tuple[ServiceFinding, ...] | None = None
    diagnoses: tuple[DiagnosisFinding, ...] | None = None
    documented: tuple[DocumentedCode, ...] | None = None
    hccs: tuple[HccFinding, ...] | None = None
    versions: dict[str, str] = field(default_factory=dict)


class EmProvider(Protocol):
    """Anything that levels an encounter's E/M (the E/M leveler behind an adapter)."""

    version: str

    def assess_em(self, encounter: Encounter) -> EmFinding | None:
        """The supported level, or None when the note is not an E/M visit."""
        ...


class ServiceProvider(Protocol):
    version: str

    def detect_services(self, encounter: Encounter) -> tuple[ServiceFinding, ...]:
        """Services the note documents as performed."""
        ...


class DiagnosisProvider(Protocol):
    version: str

    def assess_diagnoses(
        self, encounter: Encounter, billed: list[str]
    ) -> tuple[tuple[DiagnosisFinding, ...], tuple[DocumentedCode, ...]]:
        """Support status of each billed code, and the codes the note documents."""
        ...


class HccProvider(Protocol):
    version: str

    def find_hccs(self, encounter: Encounter) -> tuple[HccFinding, ...]:
        """Documented, MEAT-supported conditions that map to payment HCCs."""
        ...


class ModelSuite(Protocol):
    """All the models at once: one call per encounter returns every output (so models can share work, such as one
    parsed document for the E/M leveler, the service detector and the HCC MEAT finder)."""

    @property
    def versions(self) -> dict[str, str]:
        """Model name -> version (``"not loaded"`` for a missing model)."""
        ...

    def outputs(self, encounter: Encounter) -> ModelOutputs:
        """The outputs of every loaded model for one encounter (labels already removed)."""
        ...


@dataclass
class ComposedModels:
    """A :class:`ModelSuite` made of independent providers (any of them None when not installed)."""

    em: EmProvider | None = None
    services: ServiceProvider | None = None
    diagnoses: DiagnosisProvider | None = None
    hccs: HccProvider | None = None

    @property
    def versions(self) -> dict[str, str]:
        return {
            name: "not loaded" if provider is None else str(provider.version)
            for name, provider in (("em", self.em), ("services", self.services), ("diagnoses", self.diagnoses),
                                   ("hccs", self.hccs))
        }  # fmt: skip

    def outputs(self, encounter: Encounter) -> ModelOutputs:
        em = self.em.assess_em(encounter) if self.em is not None else None
        services = self.services.detect_services(encounter) if self.services is not None else None
        diagnoses = documented = None
        if self.diagnoses is not None:
            billed = encounter.claim.diagnoses() if encounter.claim else []
            diagnoses, documented = self.diagnoses.assess_diagnoses(encounter, billed)
        hccs = self.hccs.find_hccs(encounter) if self.hccs is not None else None
        versions = {k: v for k, v in self.versions.items() if v != "not loaded"}
        return ModelOutputs(em, services, diagnoses, documented, hccs, versions)
