"""NCCI add-on code edits: an add-on code is paid only with one of its primary codes on the same day.

CMS add-on code edit file in force on the date of service (rows applied by their own effective and deletion dates):
edit type 1 lists every acceptable primary; type 3 lists some and lets the contractor accept others; type 2 leaves
the primaries to the contractor (no list, so it cannot be checked here). A primary on another claim of the same
day (``history`` entry with the same date) counts.
"""

from __future__ import annotations

from datasets.codesets.cms import AddonEdit
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, EvidenceSpan
from models.audit.registry import register

# Confidence by edit type: type 1 lists every primary (certain); type 3 lets the contractor accept other primaries.
_CONFIDENCE = {1: 1.0, 3: 0.8}


@register("audit.addon.v1")
class AddonCheck:
    """Raise ``addon_without_primary`` for an add-on code billed without any of its listed primary codes."""

    name = "audit.addon.v1"
    needs = frozenset({"cms"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        cms = ctx.cms
        if cms is None:
            return []
        same_day = {
            line.code
            for entry in ctx.encounter.history
            if entry.date_of_service == ctx.date_of_service
            for line in entry.claim.lines
        }
        billed = set(ctx.billed_codes) | same_day
        flags: list[AuditFlag] = []
        for code in dict.fromkeys(ctx.billed_codes):
            edit = cms.addon_edit(code, ctx.date_of_service)
            if edit is None or edit.edit_type not in _CONFIDENCE or not edit.primary_codes:
                continue
            if edit.primary_codes & (billed - {code}):
                continue
            flags.append(self._flag(ctx, edit))
        return flags

    def _flag(self, ctx: AuditContext, edit: AddonEdit) -> AuditFlag:
        primaries = sorted(edit.primary_codes)
        shown = ", ".join(primaries[:8]) + (f" and {len(primaries) - 8} more" if len(primaries) > 8 else "")
        evidence = [ctx.claim_evidence(i) for i, _ in ctx.lines_of(edit.addon_code)]
        evidence.append(
            EvidenceSpan(
                source="table",
                text=f"NCCI add-on code edits {edit.version}: {edit.addon_code} edit type {edit.edit_type}, "
                f"primary codes {shown}",
            )
        )
        contractor = (
            " This edit type lets the contractor accept other primaries, so check the payer's list."
            if edit.edit_type == 3
            else ""
        )
        return AuditFlag(
            type="addon_without_primary",
            code=edit.addon_code,
            severity="denial",
            confidence=_CONFIDENCE[edit.edit_type],
            evidence=evidence,
            explanation=(
                f"{ctx.describe(edit.addon_code)} is an add-on code: it is paid only beside one of its primary codes "
                f"({shown}), and none of them is billed on {ctx.date_of_service.isoformat()}.{contractor}"
            ),
            action=(
                f"Add the primary service if the note documents it (one of {shown}); otherwise remove "
                f"{edit.addon_code}, which the payer will deny on its own."
            ),
            dollar_impact=ctx.dollars.for_codes(
                [(edit.addon_code, sum(line.units for _, line in ctx.lines_of(edit.addon_code)))],
                "denial",
                f"Payment for {edit.addon_code}, denied without a primary code.",
            ),
            rule_id=f"{self.name}/type{edit.edit_type}",
            details={"aoc_version": edit.version, "edit_type": edit.edit_type, "primary_codes": primaries},
        )
