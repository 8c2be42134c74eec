"""HCC gaps: a documented, addressed (MEAT) condition that maps to a payment HCC, missing from the claim.

CMS-HCC (V28 by default) via the code sets: an HCC is a gap when the HCC module finds it with MEAT evidence
(monitored, evaluated, assessed or treated at this visit) and the claim does not pay it: no billed diagnosis maps to
it (after the hierarchy), and neither a billed diagnosis the note supports nor another documented condition
outranks it. A billed code the diagnosis check finds unsupported outranks nothing ("rule out cirrhosis" billed
beside documented chronic hepatitis C leaves the hepatitis C HCC unpaid: a gap). The dollar effect of an HCC is a
RAF change, not a fee-schedule amount, so the flag carries the RAF delta and no fee-schedule dollars.
"""

from __future__ import annotations

from models.audit.checks.diagnoses import is_unsupported
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, DollarImpact
from models.audit.inputs import HccFinding
from models.audit.registry import register


@register("audit.hcc_gap.v1")
class HccGapCheck:
    """Raise ``hcc_gap`` for each MEAT-supported HCC the billed diagnoses do not capture."""

    name = "audit.hcc_gap.v1"
    needs = frozenset({"hccs"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        findings = ctx.outputs.hccs or ()
        documented = [f.hcc for f in findings if f.confidence >= ctx.config.thresholds.hcc_gap]
        flags: list[AuditFlag] = []
        seen: set[str] = set()
        for finding in sorted(findings, key=lambda f: -f.confidence):
            if finding.hcc in seen or finding.confidence < ctx.config.thresholds.hcc_gap:
                continue
            model = ctx.codesets.hcc(finding.model, _payment_year(ctx))  # type: ignore[arg-type]
            # paid on the claim as billed (after the hierarchy): captured
            if finding.hcc in model.apply_hierarchies(list(model.map_diagnoses(ctx.billed_dx))):
                continue
            # outranked by a billed HCC the note supports, or by another documented one: captured by that one. A
            # billed code the diagnosis check finds unsupported outranks nothing: its HCC is the one to come off
            supported = set(model.map_diagnoses([c for c in ctx.billed_dx if not is_unsupported(ctx, c)]))
            if finding.hcc not in model.apply_hierarchies([*supported, *documented, finding.hcc]):
                continue
            seen.add(finding.hcc)
            flags.append(self._flag(ctx, finding, model.label(finding.hcc)))
        return flags

    def _flag(self, ctx: AuditContext, finding: HccFinding, label: str) -> AuditFlag:
        meat = ", ".join(finding.meat) or "addressed"
        raf = f" (RAF +{finding.raf_delta:.3f})" if finding.raf_delta is not None else ""
        return AuditFlag(
            type="hcc_gap",
            hcc=finding.hcc,
            icd10cm=finding.icd10cm,
            code=finding.icd10cm,
            severity="revenue",
            confidence=round(finding.confidence, 4),
            evidence=ctx.note_evidence(finding.evidence, limit=4),
            explanation=(
                f"The note documents and addresses a condition coded {finding.icd10cm} ({meat}), which maps to "
                f"{finding.hcc} ({label}, CMS-HCC {finding.model}){raf}, but no billed diagnosis captures it."
            ),
            action=(
                f"If the provider agrees the condition was addressed at this visit, add {finding.icd10cm} to the claim "
                "and point it to the visit line."
            ),
            dollar_impact=DollarImpact(
                amount=None,
                direction="underpayment",
                rvu=None,
                conversion_factor=None,
                fee_schedule=None,
                facility=ctx.facility,
                basis="Risk adjustment, not the fee schedule: the effect is the RAF delta"
                + (f" of {finding.raf_delta:.3f}" if finding.raf_delta is not None else "")
                + " times the plan's base rate.",
                note="risk-adjustment effect; no fee-schedule dollars",
            ),
            rule_id=self.name,
            details={"raf_delta": finding.raf_delta, "meat": list(finding.meat), "model": finding.model},
        )


def _payment_year(ctx: AuditContext) -> int:
    # CMS-HCC payment year = date-of-service year + 1, clamped to the years the code sets ship.
    return min(max(ctx.date_of_service.year + 1, 2025), 2027)
