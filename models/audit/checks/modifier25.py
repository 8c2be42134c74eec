"""Modifier 25: a problem-oriented E/M billed the same day as a procedure or a preventive visit needs modifier 25.

CMS Medicare Claims Processing Manual, Chapter 12, sections 30.6.6 and 40.2, and NCCI Policy Manual Chapter XI:
the same-day E/M is included in a minor procedure (global 000/010) unless it is significant and separately
identifiable and carries modifier 25; the decision for a major procedure (global 090) takes modifier 57; an NCCI PTP
edit with the E/M as column 2 and modifier indicator 1 (injections, nebulizers, spirometry) is bypassed by 25 on the
E/M; a problem visit beside a preventive visit is reported with 25 on the problem visit.
"""

from __future__ import annotations

from datasets.schema import ClaimLine
from models.audit.checks.ncci import is_em_modifier25_edit
from models.audit.codes import is_preventive, is_problem_visit
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, EvidenceSpan
from models.audit.registry import register


def triggers(ctx: AuditContext, visit: str) -> list[tuple[str, str, str]]:
    """Why a problem visit needs a modifier: ``(other code, reason, modifier that fixes it)`` per trigger."""
    found: list[tuple[str, str, str]] = []
    for line in ctx.lines:
        if line.code == visit or line.units <= 0:
            continue
        if is_preventive(line.code):
            found.append((line.code, "a preventive visit is billed the same day", "25"))
            continue
        fee = ctx.dollars.record(line.code)
        if fee is not None and fee.global_days in ("000", "010"):
            found.append((line.code, f"a minor procedure with a {fee.global_days}-day global period is billed", "25"))
        elif fee is not None and fee.global_days == "090":
            found.append((line.code, "a major procedure with a 90-day global period is billed", "57"))
    reasons = {code for code, _, _ in found}
    for edit in ctx.ptp_edits:
        if not is_em_modifier25_edit(edit) or edit.column2 != visit:
            continue
        other = edit.column1
        if other not in reasons:
            found.append(
                (other, f"NCCI bundles the visit with it (PTP edit {edit.version}, modifier indicator 1)", "25")
            )
            reasons.add(other)
    return found


@register("audit.modifier25.v1")
class Modifier25Check:
    """Raise ``missing_modifier_25`` on a problem E/M line that a same-day procedure or preventive visit requires."""

    name = "audit.modifier25.v1"
    needs = frozenset({"cms"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        flags: list[AuditFlag] = []
        for index, line in enumerate(ctx.lines):
            if line.units <= 0 or not is_problem_visit(line.code) or "25" in line.modifiers:
                continue
            needed = [t for t in triggers(ctx, line.code) if t[2] not in line.modifiers]
            if not needed:
                continue
            # 57 on the visit answers a 090 procedure only; anything else still needs 25.
            if all(t[2] == "57" for t in needed) and "57" in line.modifiers:
                continue
            flags.append(self._flag(ctx, index, line, needed))
        return flags

    def _flag(self, ctx: AuditContext, index: int, line: ClaimLine, needed: list[tuple[str, str, str]]) -> AuditFlag:
        others = [code for code, _, _ in needed]
        evidence = [ctx.claim_evidence(index)]
        evidence += [ctx.claim_evidence(i) for code in others for i, _ in ctx.lines_of(code)]
        evidence.append(EvidenceSpan(source="table", text="; ".join(f"{c}: {why}" for c, why, _ in needed)))
        only_57 = all(m == "57" for _, _, m in needed)
        modifier = "57" if only_57 else "25"
        preventive = any(is_preventive(c) for c in others)
        if only_57:
            action = (
                f"If this visit is where the decision for surgery was made, append 57 to {line.code}; otherwise the "
                "visit is part of the surgical package and should not be billed."
            )
        else:
            action = (
                f"If the note documents a significant, separately identifiable problem evaluation beyond the "
                f"{'preventive visit' if preventive else 'procedure and its usual pre- and post-service work'}, "
                f"append 25 to {line.code}; otherwise remove the E/M line."
            )
        return AuditFlag(
            type="missing_modifier_25",
            code=line.code,
            severity="denial",
            confidence=1.0,
            evidence=evidence,
            explanation=(
                f"The problem-oriented visit {line.code} is billed without modifier {modifier} while "
                + "; ".join(f"{why} ({code})" for code, why, _ in needed)
                + ". Without the modifier the payer bundles the visit into the other service and denies it."
            ),
            action=action,
            dollar_impact=ctx.dollars.for_codes(
                [(line.code, line.units)], "denial", f"Payment for the visit {line.code}, denied without the modifier."
            ),
            rule_id=self.name,
            details={"with": others, "modifier_needed": modifier},
        )
