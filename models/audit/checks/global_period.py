"""Global surgical period: an E/M visit or another procedure inside an earlier procedure's 010/090-day global period.

CMS Medicare Claims Processing Manual, Chapter 12, section 40: a minor procedure (global 010) includes the visits of
the day and the 10 days after; a major procedure (global 090) includes the day before, the day of and the 90 days
after. Global days come from the fee schedule in force on the *history* procedure's date. Inside the period:
an unrelated E/M needs 24 (25 the same day as a minor procedure, 57 for the decision for surgery); another
procedure needs 58 (staged or related), 78 (return to the OR for a complication) or 79 (unrelated). Follow-up visits
are reported as 99024 and never flagged. Diagnostic tests and drugs are outside the package.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from datasets.schema import ClaimLine
from models.audit.codes import GLOBAL_MODIFIERS, POSTOP_VISIT, is_visit
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, EvidenceSpan
from models.audit.registry import register


@dataclass(frozen=True)
class GlobalWindow:
    """An earlier procedure whose global period covers the date of service."""

    code: str
    date: dt.date
    days: int
    history_index: int
    fee_version: str

    @property
    def ends(self) -> dt.date:
        return self.date + dt.timedelta(days=self.days)


def open_windows(ctx: AuditContext) -> list[GlobalWindow]:
    """Every history procedure with a 010/090 global period that covers the encounter's date of service."""
    cms = ctx.cms
    if cms is None:
        return []
    windows: list[GlobalWindow] = []
    for index, entry in enumerate(ctx.encounter.history):
        elapsed = (ctx.date_of_service - entry.date_of_service).days
        if elapsed < 0:
            continue
        for line in entry.claim.lines:
            fee = cms.fee(line.code, entry.date_of_service)
            if fee is None:
                continue
            days = fee.global_period_days
            if days is not None and days in (10, 90) and elapsed <= days:
                windows.append(GlobalWindow(line.code, entry.date_of_service, days, index, fee.version))
    return windows


def in_package(ctx: AuditContext, line: ClaimLine) -> bool:
    """Whether a billed line is the kind of service a global package includes (E/M visit or surgical procedure)."""
    if line.code == POSTOP_VISIT:
        return False
    if is_visit(line.code):
        return True
    fee = ctx.dollars.record(line.code)
    return fee is not None and fee.global_days in ("000", "010", "090")


@register("audit.global_period.v1")
class GlobalPeriodCheck:
    """Raise ``global_period_conflict`` for a visit or procedure in an open global period without 24/25/57/58/78/79."""

    name = "audit.global_period.v1"
    needs = frozenset({"cms"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        windows = open_windows(ctx)
        if not windows:
            return []
        window = max(windows, key=lambda w: (w.days, w.date))
        flags: list[AuditFlag] = []
        seen: set[str] = set()
        for index, line in enumerate(ctx.lines):
            if line.units <= 0 or line.code in seen or not in_package(ctx, line):
                continue
            if set(line.modifiers) & GLOBAL_MODIFIERS:
                continue
            seen.add(line.code)
            flags.append(self._flag(ctx, index, line, window))
        return flags

    def _flag(self, ctx: AuditContext, index: int, line: ClaimLine, window: GlobalWindow) -> AuditFlag:
        elapsed = (ctx.date_of_service - window.date).days
        visit = is_visit(line.code)
        if visit:
            fix = (
                "If the visit was for a problem unrelated to the surgery, append 24 and point it to the unrelated "
                "diagnosis; if it was routine follow-up, report 99024 instead."
            )
        else:
            fix = (
                "If the procedure was staged or planned, append 58; a return to the operating room for a "
                "complication, 78; an unrelated procedure, 79. Otherwise it is part of the global package."
            )
        return AuditFlag(
            type="global_period_conflict",
            code=line.code,
            severity="compliance",
            confidence=1.0,
            evidence=[
                ctx.claim_evidence(index),
                EvidenceSpan(
                    source="history",
                    text=f"{window.code} on {window.date.isoformat()}: {window.days}-day global period "
                    f"(fee schedule {window.fee_version}), through {window.ends.isoformat()}",
                    line=window.history_index,
                ),
            ],
            explanation=(
                f"{ctx.describe(line.code)} on {ctx.date_of_service.isoformat()} falls on day {elapsed} of the "
                f"{window.days}-day global period of {ctx.describe(window.code)} done on {window.date.isoformat()}. "
                "Services in that period are included in the surgical payment unless a modifier shows they are "
                "separate, and this line carries none of 24, 25, 57, 58, 78 or 79."
            ),
            action=fix,
            dollar_impact=ctx.dollars.for_codes(
                [(line.code, line.units)],
                "overpayment",
                f"Payment for {line.code}, included in the global surgical package of {window.code}.",
            ),
            rule_id=f"{self.name}/global{window.days:03d}",
            details={"procedure": window.code, "procedure_date": window.date.isoformat(), "day": elapsed},
        )
