"""The audit output: one :class:`AuditFlag` per problem, CDI queries, and one :class:`EncounterAudit` per encounter.

A flag carries the DESIGN.md key fields of its type, a severity (what kind of exposure it is), a confidence, evidence
(spans of the note, claim lines, history entries), a plain-language explanation a coder can act on, a dollar
estimate from the national fee schedule (before geographic adjustment) and the ``rule_id`` of the rule that fired.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from datasets.schema import FLAG_FIRST_KEY, FlagKeyFields, FlagType, flag_match_key

# What kind of exposure a flag is; each value with a one-line example.
Severity = Literal["compliance", "revenue", "denial"]
SEVERITY_EXAMPLES: dict[str, str] = {
    "compliance": "99215 billed where the note supports 99213: an overpayment the practice may have to refund.",
    "revenue": "a knee injection documented but not billed: money the practice earned and did not claim.",
    "denial": "an add-on code billed without its primary code: the payer rejects the line.",
}
# Default severity of each flag type (overcoding and unsupported codes expose the practice; undercoding and missed
# services leak revenue; pure claim edits are denials waiting to happen, unless they would have been paid wrongly).
FLAG_SEVERITY: dict[str, Severity] = {
    "em_overcoded": "compliance",
    "em_undercoded": "revenue",
    "missed_service": "revenue",
    "unsupported_diagnosis": "compliance",
    "hcc_gap": "revenue",
    "missing_modifier_25": "denial",
    "unspecified_code": "denial",
    "ncci_ptp_conflict": "compliance",
    "mue_exceeded": "compliance",
    "addon_without_primary": "denial",
    "global_period_conflict": "compliance",
}
# Flag types outside the DESIGN.md vocabulary that payer rules may raise; evaluation ignores them (no gold exists).
PayerFlagType = Literal["payer_rule"]
AnyFlagType = FlagType | PayerFlagType

EvidenceSource = Literal["note", "claim", "history", "table"]
Direction = Literal["overpayment", "underpayment", "denial"]
GEOGRAPHIC_NOTE = "national amount before geographic adjustment (no GPCI)"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvidenceSpan(_Frozen):
    """Why a flag fired: a span of the note (``start``/``end`` offsets, ``text == note[start:end]``), a claim line,
    a history entry or a table row (``source`` says which; offsets only for the note)."""

    source: EvidenceSource
    text: str
    start: int | None = None
    end: int | None = None
    line: int | None = Field(default=None, description="0-based claim line index, or history entry index")


class DollarImpact(_Frozen):
    """A dollar estimate: RVU difference x conversion factor of the fee schedule in force on the date of service.

    ``amount`` is positive; ``direction`` says whether it is an overpayment the practice is exposed to, revenue it
    left out (underpayment), or a line the payer will deny. ``None`` amounts mean the fee schedule has no price.
    """

    amount: float | None
    direction: Direction
    rvu: float | None
    conversion_factor: float | None
    fee_schedule: str | None = Field(description="fee schedule version used, e.g. 'PFS 2024-07'")
    facility: bool
    basis: str
    note: str = GEOGRAPHIC_NOTE


class AuditFlag(FlagKeyFields, _Frozen):
    """One audit finding on one encounter."""

    type: AnyFlagType
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[EvidenceSpan] = Field(default_factory=list)
    explanation: str
    action: str = Field(description="what the coder should do next, in one sentence")
    dollar_impact: DollarImpact | None = None
    rule_id: str = Field(description="the rule that fired, e.g. 'ncci.ptp.v1' or 'payer.medicare.g0439_12m'")
    details: dict[str, Any] = Field(default_factory=dict)

    def match_key(self) -> tuple[str, str | None]:
        """Type plus first key field (E/M types by type alone), as evaluation matches flags."""
        if self.type not in FLAG_FIRST_KEY:
            return (self.type, self.code)
        return flag_match_key(self.type, self.model_dump())


class QueryOption(_Frozen):
    """One multiple-choice answer of a provider query."""

    label: str
    code: str | None = None


class CdiQuery(_Frozen):
    """A compliant, non-leading provider query (AHIMA/ACDIS "Guidelines for Achieving a Compliant Query Practice").

    It quotes the clinical indicators from the note, asks an open question, and offers clinically reasonable options
    that always include "Other (please specify)" and "Unable to determine"; it never mentions payment or risk scores.
    """

    query_id: str
    topic: str
    template_id: str
    clinical_indicators: list[EvidenceSpan]
    question: str
    options: list[QueryOption]
    related_flag: int | None = Field(default=None, description="index into the encounter's flags")
    related_codes: list[str] = Field(default_factory=list)


class EncounterAudit(_Frozen):
    """The audit of one encounter: the output row of ``medcode audit`` and of the batch runner."""

    encounter_id: str
    provider_id: str | None = None
    payer: str | None = None
    date_of_service: dt.date | None = None
    billed_em: str | None = None
    supported_em: str | None = None
    flags: list[AuditFlag] = Field(default_factory=list)
    queries: list[CdiQuery] = Field(default_factory=list)
    risk_score: float = Field(ge=0.0, le=1.0)
    dollars_at_risk: float = Field(description="overpayment exposure plus expected denials, dollars")
    dollars_opportunity: float = Field(description="revenue left out (undercoding, missed services), dollars")
    tables: dict[str, str] = Field(default_factory=dict, description="table -> version used on the date of service")
    checks_run: list[str] = Field(default_factory=list)
    checks_skipped: dict[str, str] = Field(default_factory=dict, description="check -> why it could not run")

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
