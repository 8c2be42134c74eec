"""Payer rules from ``configs/payer_rules.yaml``: frequency limits and codes a payer does not accept.

These flags have the extension type ``payer_rule`` (outside the DESIGN.md vocabulary, so evaluation ignores them)
and name the rule that fired in ``rule_id``. Modifier preferences are applied inside the NCCI check instead, where a
refused modifier fails to bypass an edit and the ``ncci_ptp_conflict`` flag names the payer rule.
"""

from __future__ import annotations

import datetime as dt

from configs.payer_rules import CodeNotAccepted, FrequencyLimit
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, EvidenceSpan
from models.audit.registry import register


@register("audit.payer_rules.v1")
class PayerRulesCheck:
    """Apply the encounter payer's frequency limits and non-accepted codes."""

    name = "audit.payer_rules.v1"
    needs: frozenset[str] = frozenset()

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        flags: list[AuditFlag] = []
        for rule in ctx.payer:
            if isinstance(rule, FrequencyLimit):
                flags += self._frequency(ctx, rule)
            elif isinstance(rule, CodeNotAccepted):
                flags += self._not_accepted(ctx, rule)
        return flags

    def _frequency(self, ctx: AuditContext, rule: FrequencyLimit) -> list[AuditFlag]:
        codes = set(rule.codes)
        billed = [(i, line) for i, line in enumerate(ctx.lines) if line.code in codes and line.units > 0]
        if not billed:
            return []
        window_start = ctx.date_of_service - dt.timedelta(days=rule.period_days)
        earlier = [
            (h, entry.date_of_service, line.code, line.units)
            for h, entry in enumerate(ctx.encounter.history)
            if window_start < entry.date_of_service <= ctx.date_of_service
            for line in entry.claim.lines
            if line.code in codes
        ]
        total = sum(line.units for _, line in billed) + sum(units for *_, units in earlier)
        if total <= rule.max_units:
            return []
        line = billed[0][1]
        evidence = [ctx.claim_evidence(i) for i, _ in billed]
        evidence += [
            EvidenceSpan(source="history", text=f"{code} x{units} on {day.isoformat()}", line=h)
            for h, day, code, units in earlier
        ]
        last = max((day for _, day, _, _ in earlier), default=None)
        since = f" (last on {last.isoformat()})" if last else ""
        return [
            AuditFlag(
                type="payer_rule",
                code=line.code,
                severity="denial",
                confidence=1.0,
                evidence=evidence,
                explanation=(
                    f"{ctx.encounter.payer} pays at most {rule.max_units} of {', '.join(rule.codes)} per "
                    f"{rule.period_days} days, and this claim makes {total} in that window{since}. {rule.note}"
                ).strip(),
                action=(
                    f"Confirm the dates of earlier {', '.join(rule.codes)} services; if the limit is reached, bill the "
                    "visit the payer covers instead or obtain the patient's advance notice of non-coverage."
                ),
                dollar_impact=ctx.dollars.for_codes(
                    [(line.code, line.units)], "denial", f"Payment for {line.code}, denied over the frequency limit."
                ),
                rule_id=rule.id,
                details={"source": rule.source, "period_days": rule.period_days, "max_units": rule.max_units},
            )
        ]

    def _not_accepted(self, ctx: AuditContext, rule: CodeNotAccepted) -> list[AuditFlag]:
        flags: list[AuditFlag] = []
        for code in rule.codes:
            lines = ctx.lines_of(code)
            if not lines:
                continue
            flags.append(
                AuditFlag(
                    type="payer_rule",
                    code=code,
                    severity="denial",
                    confidence=1.0,
                    evidence=[ctx.claim_evidence(i) for i, _ in lines],
                    explanation=f"{ctx.encounter.payer} does not accept {ctx.describe(code)}. {rule.note}".strip(),
                    action=f"Remove {code} for this payer (or bill the payer's equivalent if its contract has one).",
                    dollar_impact=ctx.dollars.for_codes(
                        [(code, sum(line.units for _, line in lines))], "denial", f"Payment for {code}, not accepted."
                    ),
                    rule_id=rule.id,
                    details={"source": rule.source},
                )
            )
        return flags
