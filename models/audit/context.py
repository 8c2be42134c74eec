"""The shared input of every audit check: the encounter (labels removed), the tables and the model outputs.

An :class:`AuditContext` is built once per encounter by the engine; lookups that several checks need (the NCCI PTP
edits among the claim's codes, the fee schedule) are computed once here and cached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from configs.audit import AuditConfig
from configs.payer_rules import PayerRule, PayerRules
from datasets.codesets import CodeSets
from datasets.codesets.cms import CmsTables, PtpEdit
from datasets.codesets.errors import CodeSetUnavailableError
from datasets.schema import ClaimLine, Encounter
from models.audit.dollars import DollarEstimator, is_facility
from models.audit.flags import EvidenceSpan
from models.audit.inputs import ModelOutputs, Span


@dataclass
class AuditContext:
    """Everything a check may read about one encounter.

    Attributes:
        encounter: the encounter without ``gold`` and ``expected_flags``.
        codesets: ICD-10-CM, HCC and (when installed) CMS tables.
        cms: the CMS tables, or None when they are not installed (CMS-based checks are then skipped).
        config: the audit configuration.
        payer_rules: the payer rules file.
        outputs: the models' outputs for this encounter.
        date_of_service: the encounter's date, or today when it has none (``date_assumed`` is then True).
    """

    encounter: Encounter
    codesets: CodeSets
    cms: CmsTables | None
    config: AuditConfig
    payer_rules: PayerRules
    outputs: ModelOutputs = field(default_factory=ModelOutputs)
    date_of_service: dt.date = field(init=False)
    date_assumed: bool = field(init=False)

    def __post_init__(self) -> None:
        self.date_assumed = self.encounter.date_of_service is None
        self.date_of_service = self.encounter.date_of_service or dt.date.today()

    # --- the claim ------------------------------------------------------------------------------------------------
    @property
    def lines(self) -> list[ClaimLine]:
        return [] if self.encounter.claim is None else list(self.encounter.claim.lines)

    @property
    def billed_codes(self) -> list[str]:
        return [line.code for line in self.lines if line.units > 0]

    @property
    def billed_dx(self) -> list[str]:
        return [] if self.encounter.claim is None else self.encounter.claim.diagnoses()

    def lines_of(self, code: str) -> list[tuple[int, ClaimLine]]:
        return [(i, line) for i, line in enumerate(self.lines) if line.code == code]

    def modifiers_of(self, code: str) -> set[str]:
        return {m for _, line in self.lines_of(code) for m in line.modifiers}

    def claim_evidence(self, index: int) -> EvidenceSpan:
        line = self.lines[index]
        mods = f"-{'-'.join(line.modifiers)}" if line.modifiers else ""
        dx = f" dx {', '.join(line.dx)}" if line.dx else ""
        return EvidenceSpan(source="claim", text=f"{line.code}{mods} x{line.units}{dx}", line=index)

    # --- tables ---------------------------------------------------------------------------------------------------
    @cached_property
    def facility(self) -> bool:
        return is_facility(self.encounter.setting)

    @cached_property
    def dollars(self) -> DollarEstimator:
        return DollarEstimator(self.cms, self.date_of_service, self.facility)

    @cached_property
    def ptp_edits(self) -> list[PtpEdit]:
        """Active NCCI PTP edits among the claim's codes on the date of service (indicator 9 excluded)."""
        if self.cms is None:
            return []
        return [e for e in self.cms.ptp_edits(self.billed_codes, self.date_of_service) if e.modifier_indicator != 9]

    @cached_property
    def payer(self) -> list[PayerRule]:
        """Payer rules in force for this encounter's payer on the date of service."""
        return self.payer_rules.rules_for(self.encounter.payer, self.date_of_service)

    def table_version(self, table: str) -> str | None:
        if self.cms is None or not self.cms.has(table):
            return None
        return self.cms.version_on(table, self.date_of_service)

    # --- the note -------------------------------------------------------------------------------------------------
    def note_evidence(self, spans: tuple[Span, ...] | list[Span], limit: int = 3) -> list[EvidenceSpan]:
        """Model evidence spans as flag evidence (only spans that really lie inside the note)."""
        text = self.encounter.text
        out: list[EvidenceSpan] = []
        for span in spans:
            if 0 <= span.start < span.end <= len(text):
                out.append(
                    EvidenceSpan(source="note", text=text[span.start : span.end], start=span.start, end=span.end)
                )
            if len(out) >= limit:
                break
        return out

    def describe(self, code: str) -> str:
        """A public-domain name for a CPT/HCPCS code: its RBCS family (CMS) or HCPCS Level II short wording."""
        if self.cms is None:
            return code
        try:
            rbcs = self.cms.rbcs(code)
        except CodeSetUnavailableError:  # RBCS table not installed: the code number alone still reads
            rbcs = None
        if rbcs is not None:
            name = rbcs.family if rbcs.family and rbcs.family != "No RBCS Family" else rbcs.subcategory
            return f"{code} ({name})"
        return code
