"""Pydantic models of the HTTP API (requests and responses), one Base/Create/Update/Public family per resource.

The request body of suggest, audit and HCC gaps is the DESIGN.md encounter (:class:`datasets.schema.Encounter`);
FHIR routes take a FHIR R4 ``Bundle``. Responses carry ids, codes, confidences and character offsets, never
copied note text (the one exception is the review item a coder opens, whose purpose is to show the note).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from datasets.schema import FlagKeyFields
from serving.security import Role

CodeSystemName = Literal["ICD10CM", "CPT", "HCPCS", "EM", "HCC"]
Tier = Literal["auto", "review"]
ItemStatus = Literal["open", "claimed", "resolved", "superseded"]
SuggestionStatus = Literal["pending", "auto_accepted", "accepted", "rejected", "edited", "added"]
Action = Literal["accept", "reject", "edit", "add"]
# What kind of exposure a flag is (models/audit/flags.py): overpayment risk, revenue left out, or a denial.
Severity = Literal["compliance", "revenue", "denial"]


class ApiErrorBody(BaseModel):
    """Every error response: a human ``detail`` (what to do next) and a stable ``code`` (``API0xx``)."""

    detail: str
    code: str
    errors: list[dict[str, Any]] = Field(default_factory=list)


class EvidenceSpan(BaseModel):
    """Character offsets into the note (``text[start:end]``) that support a suggestion or flag."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class SuggestionPublic(BaseModel):
    """One suggested code with calibrated confidence, evidence and routing tier."""

    system: CodeSystemName
    code: str
    title: str = ""
    confidence: float = Field(ge=0.0, le=1.0)
    tier: Tier
    evidence: list[EvidenceSpan] = Field(default_factory=list)


class SuggestResponse(BaseModel):
    """Suggestions for one encounter and where they were routed."""

    encounter_id: str
    bundle_ids: list[str]
    suggestions: list[SuggestionPublic]
    review_item_id: int | None = None
    routing: Literal["auto", "review", "qa_sample"]


class AuditFlagPublic(FlagKeyFields):
    """An audit flag (DESIGN.md vocabulary, plus ``payer_rule``) with its key fields, evidence offsets, severity,
    confidence, $ impact, explanation and the next step for the coder."""

    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    impact_usd: float | None = None
    impact_direction: Literal["overpayment", "underpayment", "denial"] | None = None
    evidence: list[EvidenceSpan] = Field(default_factory=list)
    explanation: str
    action: str = ""
    rule_id: str = ""


class AuditResponse(BaseModel):
    """The flags raised by auditing a claim against its note, the risk summary, and which checks ran."""

    encounter_id: str
    bundle_ids: list[str]
    flags: list[AuditFlagPublic]
    risk_score: float | None = None
    dollars_at_risk: float | None = None
    dollars_opportunity: float | None = None
    billed_em: str | None = None
    supported_em: str | None = None
    checks: list[str]
    skipped_checks: dict[str, str] = Field(default_factory=dict)


class HccFinding(BaseModel):
    """A CMS-HCC (V28) condition: the diagnosis supporting it and where."""

    hcc: str
    label: str
    icd10cm: str
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[EvidenceSpan] = Field(default_factory=list)


class HccGap(HccFinding):
    """A gap: documented with MEAT but captured by no claim of this year (``documented_not_billed``), or coded in
    the year before and not yet recaptured this year (``recapture``, with the year it was last coded)."""

    kind: Literal["documented_not_billed", "recapture"]
    last_coded_year: int | None = None


class HccGapsResponse(BaseModel):
    """HCC gap scan of one patient's current note plus history."""

    encounter_id: str
    patient_id: str | None = None
    model: str
    documented: list[HccFinding]
    billed: list[str]
    gaps: list[HccGap]
    raf_current: float | None = Field(default=None, description="RAF of this year's billed diagnoses")
    raf_if_closed: float | None = Field(default=None, description="RAF if every gap were captured")
    raf_delta: float | None = Field(default=None, description="None without the patient's age and sex (F/M)")


class BatchRequest(BaseModel):
    """Up to ``MEDCODE_MAX_BATCH`` encounters (DESIGN.md JSON) to suggest codes for or to audit."""

    mode: Literal["suggest", "audit"] = "suggest"
    encounters: list[dict[str, Any]] = Field(min_length=1)


class BatchResult(BaseModel):
    """The outcome for one encounter of a batch: its result, or why it was refused (others still run)."""

    index: int
    encounter_id: str | None = None
    ok: bool
    error: ApiErrorBody | None = None
    suggest: SuggestResponse | None = None
    audit: AuditResponse | None = None


class BatchResponse(BaseModel):
    """Per-encounter results in input order."""

    mode: Literal["suggest", "audit"]
    count: int
    n_ok: int
    results: list[BatchResult]


# --- review queue (G11) -----------------------------------------------------------------------------------------
class QueueItemBase(BaseModel):
    """Fields every view of a review item shares."""

    encounter_id: str
    status: ItemStatus
    reason: Literal["review", "qa_sample"]


class QueueItemPublic(QueueItemBase):
    """A review item in the queue list (no note text)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    assignee: str | None = None
    n_suggestions: int
    n_pending: int
    created_at: dt.datetime
    updated_at: dt.datetime


class QueueItemsPublic(BaseModel):
    """A page of the queue."""

    data: list[QueueItemPublic]
    count: int


class QueueSuggestionPublic(SuggestionPublic):
    """A suggestion inside a review item with its review state."""

    id: int
    status: SuggestionStatus
    final_code: str | None = None


class DecisionPublic(BaseModel):
    """A stored decision: who decided what, when and why."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    suggestion_id: int
    user: str
    action: Action
    code: str
    edited_code: str | None = None
    reason: str
    created_at: dt.datetime


class QueueItemDetail(QueueItemPublic):
    """An opened review item: the note (the coder's working copy), its suggestions and decisions so far."""

    text: str
    bundle_ids: list[str]
    suggestions: list[QueueSuggestionPublic]
    decisions: list[DecisionPublic]


class DecisionCreate(BaseModel):
    """A coder's decision on one suggestion of an item."""

    model_config = ConfigDict(extra="forbid")

    suggestion_id: int | None = Field(default=None, description="The suggestion decided on (not for 'add').")
    action: Action
    code: str | None = Field(
        default=None, max_length=20, description="The corrected code ('edit') or a missed ICD-10-CM code ('add')."
    )
    reason: str = Field(default="", max_length=500)


class QueueItemUpdate(BaseModel):
    """Decisions to record on an item (one or many codes at once)."""

    model_config = ConfigDict(extra="forbid")

    decisions: list[DecisionCreate] = Field(min_length=1, max_length=200)


# --- keys and auth -------------------------------------------------------------------------------------------------
class ApiKeyBase(BaseModel):
    """An API key's owner name and role."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    role: Role


class ApiKeyCreate(ApiKeyBase):
    """Create a key (admin only)."""

    model_config = ConfigDict(extra="forbid")


class ApiKeyPublic(ApiKeyBase):
    """A key as listed: never its value."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class ApiKeyCreated(ApiKeyPublic):
    """A new key, with its value shown this once."""

    key: str


class ApiKeysPublic(BaseModel):
    """All keys."""

    data: list[ApiKeyPublic]
    count: int


class TokenRequest(BaseModel):
    """Exchange an API key for a short-lived bearer token."""

    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(min_length=1, max_length=200)


class TokenResponse(BaseModel):
    """An OAuth2-style bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: Role


class WhoAmI(BaseModel):
    """The caller as the service sees it."""

    name: str
    role: Role


class AccessLogPublic(BaseModel):
    """One access-log row."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    user: str
    role: str
    action: str
    encounter_id: str | None = None
    item_id: int | None = None


class AccessLogPage(BaseModel):
    """A page of the access log (newest first)."""

    data: list[AccessLogPublic]
    count: int


# --- health ----------------------------------------------------------------------------------------------------------
class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"] = "ok"
    version: str


class Readiness(BaseModel):
    """Readiness: true once the models are loaded and the database answers."""

    ready: bool
    bundles: dict[str, str]
    database: str
    reason: str | None = None
