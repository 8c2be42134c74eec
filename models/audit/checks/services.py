"""Missed services: a performed, separately billable service (procedure, injection, drug, test) not on the claim.

The service detector says what the note documents as performed, with units and a calibrated probability. A
detected service is *not* missed when its code is billed, when it is a problem-oriented E/M visit (the E/M checks
judge those; a performed but unbilled preventive visit is a missed service), or when NCCI bundles it into a billed
code on the date of service (a PTP edit with the detected code as column 2, or with indicator 0 either way): then it
is not separately payable and adding it would create an unbundling error.
"""

from __future__ import annotations

from models.audit.codes import POSTOP_VISIT, is_problem_visit
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag
from models.audit.inputs import ServiceFinding
from models.audit.registry import register


def bundled_into_claim(ctx: AuditContext, code: str) -> str | None:
    """The billed code that NCCI bundles ``code`` into on the date of service, if any."""
    cms = ctx.cms
    if cms is None:
        return None
    for edit in cms.ptp_edits([*ctx.billed_codes, code], ctx.date_of_service):
        if edit.modifier_indicator == 9:
            continue
        if edit.column2 == code and edit.column1 in ctx.billed_codes:
            return edit.column1
        if edit.column1 == code and edit.modifier_indicator == 0 and edit.column2 in ctx.billed_codes:
            return edit.column2
    return None


@register("audit.missed_service.v1")
class MissedServiceCheck:
    """Raise ``missed_service`` for each confidently detected, separately billable service missing from the claim."""

    name = "audit.missed_service.v1"
    needs = frozenset({"services"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        services = ctx.outputs.services or ()
        billed = set(ctx.billed_codes)
        flags: list[AuditFlag] = []
        seen: set[str] = set()
        for service in sorted(services, key=lambda s: -s.confidence):
            code = service.code
            if code in billed or code in seen or code == POSTOP_VISIT or is_problem_visit(code):
                continue
            if service.confidence < ctx.config.thresholds.missed_service:
                continue
            if bundled_into_claim(ctx, code) is not None:
                continue
            seen.add(code)
            flags.append(self._flag(ctx, service))
        return flags

    def _flag(self, ctx: AuditContext, service: ServiceFinding) -> AuditFlag:
        mods = f" with modifier(s) {', '.join(service.modifiers)}" if service.modifiers else ""
        return AuditFlag(
            type="missed_service",
            code=service.code,
            severity="revenue",
            confidence=round(service.confidence, 4),
            evidence=ctx.note_evidence(service.evidence),
            explanation=(
                f"The note documents {ctx.describe(service.code)} as performed ({service.units} unit(s)), but the "
                "claim does not bill it."
            ),
            action=(
                f"If the documentation is complete, add {service.code} x{service.units}{mods} to the claim and point "
                "it to the diagnosis that justified it."
            ),
            dollar_impact=ctx.dollars.for_codes(
                [(service.code, service.units)],
                "underpayment",
                f"Payment for {service.units} unit(s) of {service.code}.",
            ),
            rule_id=self.name,
            details={"units": service.units, "modifiers": list(service.modifiers)},
        )
