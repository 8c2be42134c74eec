"""E/M level: the billed problem-oriented visit above or below the level the documentation supports.

The supported level comes from the E/M leveler (MDM 2-of-3 or total time, AMA CPT 2021 office / 2023 other
settings, see :func:`datasets.codesets.em.em_code_for`) with its calibrated probabilities. The flag's confidence is
the leveler's probability that the true level lies on the flagged side of the billed code (the sum over those
levels when the leveler gives a distribution, else its probability of the supported level).

With ``em_second_opinion`` on, an overcoding flag also needs the note-text second opinion
(:mod:`models.em.second_opinion`) to find the MDM below the billed level: the rule readers can miss an element worded
in a way they have not met, and the leveler's confidence cannot see that. The second opinion reads only the note's
words, so it is only asked when the rule reading would flag (its cost falls on flagged notes only).
"""

from __future__ import annotations

from datasets.codesets.em import em_level_rules, em_rank
from models.audit.codes import is_problem_visit
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, EvidenceSpan
from models.audit.inputs import EmFinding
from models.audit.registry import register
from models.em.second_opinion import MDM_ORDER, default_second_opinion


def compare(billed: str, supported: str) -> int | None:
    """Sign of billed minus supported level (1 overcoded, -1 undercoded, 0 same), None when not comparable.

    Only codes of one family (category and patient status) compare: a new-patient code billed for an established
    patient is a different error, not a level error.
    """
    b, s = em_rank(billed), em_rank(supported)
    if b is None or s is None or b[:2] != s[:2]:
        return None
    return (b[2] > s[2]) - (b[2] < s[2])


def side_probability(finding: EmFinding, billed: str, direction: int) -> float:
    """Probability that the true level is below (direction 1) or above (direction -1) the billed code."""
    if not finding.probabilities:
        return finding.confidence
    total = 0.0
    for code, probability in finding.probabilities.items():
        if compare(billed, code) == direction:
            total += probability
    return min(1.0, total)


@register("audit.em_level.v1")
class EmLevelCheck:
    """Raise ``em_overcoded`` / ``em_undercoded`` from the E/M leveler's supported level."""

    name = "audit.em_level.v1"
    needs = frozenset({"em"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        finding = ctx.outputs.em
        if finding is None:
            return []
        billed = [(i, line) for i, line in enumerate(ctx.lines) if is_problem_visit(line.code) and line.units > 0]
        if not billed:
            return []
        index, line = billed[0]
        direction = compare(line.code, finding.supported_code)
        if not direction:
            return []
        confidence = side_probability(finding, line.code, direction)
        if confidence < ctx.config.thresholds.em_level:
            return []
        below = None
        if direction > 0 and ctx.config.em_second_opinion:
            below = second_opinion_below(ctx.encounter.text, line.code, finding)
            if below is not None and below < ctx.config.thresholds.em_second_opinion:
                return []
        return [self._flag(ctx, index, line.code, finding, direction, confidence, below)]

    def _flag(
        self,
        ctx: AuditContext,
        index: int,
        billed: str,
        finding: EmFinding,
        direction: int,
        confidence: float,
        below: float | None = None,
    ) -> AuditFlag:
        supported = finding.supported_code
        mdm = finding.mdm
        mdm_text = (
            f"medical decision making scores {mdm.get('level', '?')} (problems {mdm.get('problems', '?')}, data "
            f"{mdm.get('data', '?')}, risk {mdm.get('risk', '?')}; two of three elements decide)"
            if mdm
            else "the documented medical decision making"
        )
        time_text = (
            f"documented total time is {finding.time_minutes} minutes"
            if finding.time_minutes is not None
            else "no total time is documented"
        )
        evidence = [ctx.claim_evidence(index), *ctx.note_evidence(finding.evidence, limit=4)]
        if finding.missing:
            evidence.append(
                EvidenceSpan(source="table", text="Missing for the billed level: " + "; ".join(finding.missing))
            )
        if direction > 0:
            opinion = (
                f" A reading of the note's text that does not depend on cue wording agrees (probability "
                f"{below:.2f} that its medical decision making falls below what {billed} needs)."
                if below is not None
                else ""
            )
            details: dict[str, object] = {"mdm": dict(mdm), "time_minutes": finding.time_minutes}
            if below is not None:
                details["second_opinion_below"] = round(below, 4)
            return AuditFlag(
                type="em_overcoded",
                billed=billed,
                supported=supported,
                code=billed,
                severity="compliance",
                confidence=round(confidence, 4),
                evidence=evidence,
                explanation=(
                    f"{billed} is billed, but the note supports {supported}: {mdm_text}, and {time_text}. The billed "
                    f"level needs more than the note shows"
                    + (f" ({'; '.join(finding.missing)})." if finding.missing else ".")
                    + opinion
                ),
                action=(
                    f"Review the note; if nothing else supports {billed}, correct the claim to {supported}. Do not add "
                    "documentation after the fact except as a dated, compliant addendum."
                ),
                dollar_impact=ctx.dollars.difference(
                    billed,
                    supported,
                    "overpayment",
                    f"RVU difference between billed {billed} and supported {supported}.",
                ),
                rule_id=self.name,
                details=details,
            )
        return AuditFlag(
            type="em_undercoded",
            billed=billed,
            supported=supported,
            code=billed,
            severity="revenue",
            confidence=round(confidence, 4),
            evidence=evidence,
            explanation=(
                f"{billed} is billed, but the note supports {supported}: {mdm_text}, and {time_text}. The visit was "
                "coded below what was documented."
            ),
            action=f"Review the note and, if you agree, correct the claim to {supported} before submission.",
            dollar_impact=ctx.dollars.difference(
                supported, billed, "underpayment", f"RVU difference between supported {supported} and billed {billed}."
            ),
            rule_id=self.name,
            details={"mdm": dict(mdm), "time_minutes": finding.time_minutes},
        )


def second_opinion_below(text: str, billed: str, finding: EmFinding) -> float | None:
    """The second opinion's probability that the note's MDM is below the level ``billed`` needs, weighing only the
    elements the rule readers found below it; None when the billed code has no MDM level (time-only codes)."""
    needed = next((rule.mdm_level for rule in em_level_rules() if rule.code == billed), None)
    if needed is None or needed not in MDM_ORDER:
        return None
    return default_second_opinion().probability_below(text, needed, dict(finding.mdm))
