"""Bridge to the audit engine and the E/M, services and HCC models of ``models/`` (imported lazily).

``build_audit_suite`` assembles ``models.audit.AuditEngine`` with ``DefaultModels`` (E/M leveler with its service
detector, the HCC mapper and the service's own ICD-10-CM component). Audits run the whole suite; ``suggest`` asks
the same models only for the E/M level and the CPT/HCPCS services (``DefaultModels.coding``) on the note it parsed
(the ICD suggestions are computed once by the engine itself). There is one audit implementation: ``models.audit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datasets.codesets import CodeSets
from datasets.schema import Encounter
from serving.engine.base import CodeSuggester
from serving.models import AuditFlagPublic, AuditResponse, EvidenceSpan


@dataclass(frozen=True)
class _Evidence:
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class _Suggestion:
    code: str
    probability: float
    evidence: _Evidence


class SuggesterShim:
    """Presents any ICD component with the ``Icd10Suggester`` surface the audit models read
    (``suggest(encounter)`` -> items with ``code``, ``probability``, ``evidence.start/end/quote``)."""

    def __init__(self, component: CodeSuggester, decision_threshold: float, top_k: int) -> None:
        self.component = component
        self.bundle_id = component.bundle_id
        self.decision_threshold = decision_threshold
        self.top_k = top_k

    def suggest(self, encounter: Encounter) -> list[_Suggestion]:
        """Ranked suggestions with one evidence span each."""
        found = []
        for s in self.component.suggest(encounter, top_k=self.top_k, min_confidence=0.0):
            span = s.evidence[0] if s.evidence else None
            evidence = (
                _Evidence(span.start, span.end, encounter.text[span.start : span.end]) if span else _Evidence(0, 0, "")
            )
            found.append(_Suggestion(s.code, s.confidence, evidence))
        return found


@dataclass
class AuditSuite:
    """The audit engine and its models (``models.audit.adapters.DefaultModels``)."""

    engine: Any
    models: Any


def build_audit_suite(codesets: CodeSets, icd: CodeSuggester | None, top_k: int) -> AuditSuite:
    """Assemble the audit engine through ``models.audit``'s own factory, with this service's ICD component.

    Any failure propagates, so a broken model stops the start-up (``MEDCODE_USE_AUDIT_ENGINE=false`` serves
    suggestions only; audits then answer 503).
    """
    from configs.audit import load_audit_config
    from models.audit import AuditEngine
    from models.audit.adapters import load_default_models

    config = load_audit_config()
    models = load_default_models(codesets, config)
    suggester: Any = None
    if icd is not None:
        inner = getattr(icd, "suggester", None)
        threshold = float(icd.thresholds.get("decision", 0.5))
        suggester = inner if inner is not None else SuggesterShim(icd, threshold, top_k)
    models.suggester = suggester  # the configured bundle, never whatever the artefacts folder holds
    return AuditSuite(AuditEngine(codesets=codesets, config=config, models=models), models)


def audit_response(audit: Any, bundle_ids: list[str]) -> AuditResponse:
    """Map ``models.audit.EncounterAudit`` to the API model (note evidence as offsets only)."""
    flags = []
    for flag in audit.flags:
        impact = flag.dollar_impact
        flags.append(
            AuditFlagPublic(
                type=flag.type,
                billed=flag.billed,
                supported=flag.supported,
                code=flag.code,
                icd10cm=flag.icd10cm,
                hcc=flag.hcc,
                column1=flag.column1,
                column2=flag.column2,
                severity=flag.severity,
                confidence=flag.confidence,
                impact_usd=impact.amount if impact is not None else None,
                impact_direction=impact.direction if impact is not None else None,
                evidence=[
                    EvidenceSpan(start=e.start, end=e.end)
                    for e in flag.evidence
                    if e.source == "note" and e.start is not None and e.end is not None
                ],
                explanation=flag.explanation,
                action=flag.action,
                rule_id=flag.rule_id,
            )
        )
    return AuditResponse(
        encounter_id=audit.encounter_id,
        bundle_ids=bundle_ids,
        flags=flags,
        risk_score=audit.risk_score,
        dollars_at_risk=audit.dollars_at_risk,
        dollars_opportunity=audit.dollars_opportunity,
        billed_em=audit.billed_em,
        supported_em=audit.supported_em,
        checks=list(audit.checks_run),
        skipped_checks=dict(audit.checks_skipped),
    )
