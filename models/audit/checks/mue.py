"""NCCI medically unlikely edits (MUE): units of a code above the most a practitioner reports for one patient a day.

CMS MUE practitioner table in force on the date of service, with its MUE adjudication indicator (MAI):
MAI 1 is a claim-line edit (each line on its own: a second line with 59 or an anatomic modifier is its own line);
MAI 2 (policy) and MAI 3 (clinical) are date-of-service edits: the units of every line of the code that day add up,
including same-day history claims of the same patient. MAI 2 limits are absolute (no appeal on medical necessity).
"""

from __future__ import annotations

from datasets.codesets.cms import MueEdit
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, EvidenceSpan
from models.audit.registry import register

MAI_MEANING = {
    1: "a claim-line edit (units on one line)",
    2: "a date-of-service edit set by policy (all lines that day; no appeal on medical necessity)",
    3: "a date-of-service edit set from clinical data (all lines that day)",
}


@register("audit.mue.v1")
class MueCheck:
    """Raise ``mue_exceeded`` when a code's units exceed its MUE on the date of service."""

    name = "audit.mue.v1"
    needs = frozenset({"cms"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        cms = ctx.cms
        if cms is None:
            return []
        flags: list[AuditFlag] = []
        for code in dict.fromkeys(ctx.billed_codes):
            edit = cms.mue(code, ctx.date_of_service)
            if edit is None or edit.max_units <= 0:
                continue  # an MUE of 0 marks a service Medicare does not cover, not a unit limit
            lines = ctx.lines_of(code)
            if edit.adjudication_indicator == 1:
                worst = max(lines, key=lambda item: item[1].units)
                units = worst[1].units
                line_ids = [worst[0]]
                same_day_history = 0
            else:
                same_day_history = sum(
                    line.units
                    for entry in ctx.encounter.history
                    if entry.date_of_service == ctx.date_of_service
                    for line in entry.claim.lines
                    if line.code == code
                )
                units = sum(line.units for _, line in lines) + same_day_history
                line_ids = [i for i, _ in lines]
            if units > edit.max_units:
                flags.append(self._flag(ctx, edit, units, line_ids, same_day_history))
        return flags

    def _flag(self, ctx: AuditContext, edit: MueEdit, units: int, line_ids: list[int], history: int) -> AuditFlag:
        excess = units - edit.max_units
        evidence = [ctx.claim_evidence(i) for i in line_ids]
        evidence.append(
            EvidenceSpan(
                source="table",
                text=f"NCCI MUE practitioner {edit.version}: {edit.code} at most {edit.max_units} unit(s), MAI "
                f"{edit.adjudication_indicator} ({edit.rationale})",
            )
        )
        scope = "on one claim line" if edit.adjudication_indicator == 1 else "on the date of service"
        extra = f" (including {history} unit(s) on another claim the same day)" if history else ""
        return AuditFlag(
            type="mue_exceeded",
            code=edit.code,
            severity="compliance",
            confidence=1.0,
            evidence=evidence,
            explanation=(
                f"{ctx.describe(edit.code)} is billed with {units} unit(s) {scope}{extra}; the medically unlikely "
                f"edit in force on {ctx.date_of_service.isoformat()} allows {edit.max_units}. Its MUE is "
                f"{MAI_MEANING.get(edit.adjudication_indicator, 'an MUE')}."
            ),
            action=(
                f"Check the units against the note (dose, lesions, sites or time) and bill at most {edit.max_units}; "
                + (
                    "units above this limit are not payable on appeal."
                    if edit.adjudication_indicator == 2
                    else "if more were truly given, keep the documentation for an appeal."
                )
            ),
            dollar_impact=ctx.dollars.for_codes(
                [(edit.code, excess)], "overpayment", f"Payment for the {excess} unit(s) above the MUE of {edit.code}."
            ),
            rule_id=f"{self.name}/mai{edit.adjudication_indicator}",
            details={"mue_version": edit.version, "max_units": edit.max_units, "billed_units": units,
                     "mai": edit.adjudication_indicator},
        )  # fmt: skip
