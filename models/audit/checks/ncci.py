"""NCCI procedure-to-procedure (PTP) edits: code pairs that NCCI bundles, billed without an allowed modifier.

CMS NCCI Policy Manual, Chapter I, section E and the PTP edit files (practitioner), in force on the date of service:
modifier indicator 0 means the pair is never paid together, whatever the modifiers; 1 means a modifier that shows a
distinct service (59, XE/XS/XP/XU, an anatomic modifier, 25/57/24/79/91 where they apply) may bypass the edit when
the documentation supports it; 9 means the edit does not apply. Anatomic modifiers bypass only when the two lines
carry different ones (a right and a left knee), never the same one on both lines.

Edits with indicator 1 whose column 2 is a problem-oriented E/M visit (beside a procedure, injection or preventive
visit) are the modifier 25 problem and are reported once, by ``audit.modifier25.v1`` (the fix is 25 on the visit).
"""

from __future__ import annotations

from configs.payer_rules import ModifierNotAccepted
from datasets.codesets.cms import PTP_BYPASS_MODIFIERS, PtpEdit
from models.audit.codes import is_problem_visit
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, EvidenceSpan
from models.audit.registry import register

# Anatomic modifiers (NCCI Policy Manual Ch. I, E.1): they show different sites only when the two lines differ.
ANATOMIC_MODIFIERS = frozenset(
    {"E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "LT", "RT", "LC", "LD", "LM",
     "RC", "RI", "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"}
)  # fmt: skip


def is_em_modifier25_edit(edit: PtpEdit) -> bool:
    """An indicator-1 edit with a problem E/M visit as column 2 and a non-visit or preventive code as column 1: the
    bypass is modifier 25 on the visit, so the modifier 25 check reports it."""
    return edit.modifier_indicator == 1 and is_problem_visit(edit.column2) and not is_problem_visit(edit.column1)


def bypass_decision(
    mods1: set[str], mods2: set[str], refused: dict[str, ModifierNotAccepted]
) -> tuple[bool, str | None]:
    """Whether the modifiers bypass an indicator-1 edit, and the payer rule that refused one, if any.

    NCCI Policy Manual, Chapter I, E: the modifier goes on the column 2 code; anatomic modifiers show different sites
    only when both lines carry them and they differ (a right and a left knee).

    Args:
        mods1: modifiers on the column 1 code's lines.
        mods2: modifiers on the column 2 code's lines.
        refused: modifier -> the payer rule that does not accept it for this payer.
    """
    anatomic1, anatomic2 = mods1 & ANATOMIC_MODIFIERS, mods2 & ANATOMIC_MODIFIERS
    if anatomic1 and anatomic2 and anatomic1 != anatomic2:
        return True, None
    refused_by: str | None = None
    for modifier in sorted(mods2 & (PTP_BYPASS_MODIFIERS - ANATOMIC_MODIFIERS)):
        if modifier in refused:
            refused_by = refused[modifier].id
            continue
        return True, None
    return False, refused_by


@register("audit.ncci_ptp.v1")
class NcciPtpCheck:
    """Raise ``ncci_ptp_conflict`` for each active PTP edit the claim does not bypass."""

    name = "audit.ncci_ptp.v1"
    needs = frozenset({"cms"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        refused = {
            m: rule for rule in ctx.payer if isinstance(rule, ModifierNotAccepted) for m in rule.modifiers
        }  # fmt: skip
        flags: list[AuditFlag] = []
        for edit in sorted(ctx.ptp_edits, key=lambda e: (e.column1, e.column2)):
            if is_em_modifier25_edit(edit):
                continue
            mods1, mods2 = ctx.modifiers_of(edit.column1), ctx.modifiers_of(edit.column2)
            rule_id = f"{self.name}/indicator{edit.modifier_indicator}"
            if edit.modifier_indicator == 1:
                bypassed, refused_by = bypass_decision(mods1, mods2, refused)
                if bypassed:
                    continue
                if refused_by is not None:
                    rule_id = refused_by
            flags.append(self._flag(ctx, edit, mods2, rule_id))
        return flags

    def _flag(self, ctx: AuditContext, edit: PtpEdit, mods2: set[str], rule_id: str) -> AuditFlag:
        c1, c2 = edit.column1, edit.column2
        date = ctx.date_of_service.isoformat()
        lines = [i for code in (c1, c2) for i, _ in ctx.lines_of(code)]
        evidence = [ctx.claim_evidence(i) for i in lines]
        evidence.append(
            EvidenceSpan(
                source="table",
                text=f"NCCI PTP practitioner {edit.version}: column 1 {c1}, column 2 {c2}, modifier indicator "
                f"{edit.modifier_indicator}, rationale '{edit.rationale}'",
            )
        )
        if edit.modifier_indicator == 0:
            why = "NCCI never pays these two codes together on the same day, whatever modifier is added"
            action = f"Remove {c2} from the claim (it is included in {c1}); a modifier cannot fix this pair."
        elif rule_id.startswith("payer."):
            why = (
                f"the payer does not accept the modifier on this claim ({', '.join(sorted(mods2)) or 'none'}) to "
                "show a distinct service (payer rule " + rule_id + ")"
            )
            action = (
                f"If the note documents a separate site, session or encounter for {c2}, use the modifier this payer "
                f"accepts; otherwise remove {c2}."
            )
        else:
            why = (
                "no modifier on the claim shows that the second service was distinct (another site, session or lesion)"
            )
            action = (
                f"Remove {c2}, or, only if the note documents a separate site, session or encounter, append 59 or "
                f"the more specific XE/XS/XP/XU to {c2}."
            )
        return AuditFlag(
            type="ncci_ptp_conflict",
            column1=c1,
            column2=c2,
            code=c2,
            severity="compliance",
            confidence=1.0,
            evidence=evidence,
            explanation=(
                f"On {date} NCCI bundles {ctx.describe(c2)} into {ctx.describe(c1)} "
                f"(modifier indicator {edit.modifier_indicator}), and {why}. Billing both unbundles the pair."
            ),
            action=action,
            dollar_impact=ctx.dollars.for_codes(
                [(c2, sum(line.units for _, line in ctx.lines_of(c2)))],
                "overpayment",
                f"Payment for the bundled column 2 code {c2}, which NCCI includes in {c1}.",
            ),
            rule_id=rule_id,
            details={"ptp_version": edit.version, "modifier_indicator": edit.modifier_indicator,
                     "rationale": edit.rationale},
        )  # fmt: skip
