"""Billed diagnoses against the note: unsupported codes and codes less specific than the note documents.

``unsupported_diagnosis`` (ICD-10-CM Official Guidelines, Section IV, outpatient): code the conditions the visit
addresses; do not code "rule out", "probable" or "suspected" conditions, conditions denied, or history-only problems
that no longer exist and do not affect care. ``unspecified_code`` (Section I.B.18 and I.A.9): when the note documents
a more specific condition (type, acuity, laterality, stage, complication), the unspecified or less specific code is
wrong. A code that is merely less specific is reported once, as ``unspecified_code``, never also as unsupported.
"""

from __future__ import annotations

from datasets.codesets import Icd10cm
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, EvidenceSpan
from models.audit.icd_links import is_coded_elsewhere, unspecified_title, vague_title
from models.audit.inputs import DiagnosisFinding, DocumentedCode
from models.audit.registry import register
from models.audit.support import words_of
from models.icd10.knowledge import clean_title

STATUS_WORDS = {
    "supported": "although the condition is mentioned in the assessment, the note does not document it as this code",
    "negated": "the note says the condition is absent (negated)",
    "ruled_out": "the note mentions it only as a condition to rule out or as suspected",
    "history_only": "the note mentions it only as past history, not as a current problem",
    "not_addressed": "it appears on a problem list but the visit does not assess or manage it",
    "absent": "the note does not mention the condition",
}


def less_specific(icd: Icd10cm, billed: str, documented: str) -> bool:
    """Whether ``billed`` is a less specific code for the condition that ``documented`` codes more specifically.

    True when the billed code is an ancestor of the documented one; when both share a three-character category and
    the billed title leaves a detail open (unspecified, "without complications") while the documented one's is not
    (``E11.9`` vs ``E11.65``; ``M17.9`` vs ``M17.11``; ``I50.9`` vs ``I50.23``); or when an excludes note of the
    billed code sends the documented condition to its own category (``N39.0`` vs ``N30.00``; ``G47.00`` vs
    ``F51.01``).
    """
    if billed == documented or icd.find_code(documented) is None or icd.find_code(billed) is None:
        return False
    billed_title = icd.title(billed).lower()
    if billed[:3] != documented[:3]:
        return (
            unspecified_title(billed_title)
            and not unspecified_title(icd.title(documented))
            and is_coded_elsewhere(icd, billed, documented)
        )
    if billed in icd.ancestors(documented):
        return True
    if not vague_title(billed_title):
        return False
    documented_title = icd.title(documented).lower()
    # an unspecified title is still more specific when it names more ("Acute maxillary sinusitis, unspecified"
    # against "Acute sinusitis, unspecified")
    return not unspecified_title(documented_title) or set(words_of(clean_title(documented_title))) > set(
        words_of(clean_title(billed_title))
    )


def specific_alternatives(ctx: AuditContext) -> dict[str, DocumentedCode]:
    """Billed code -> the most probable documented, unbilled, more specific code above the threshold."""
    documented = ctx.outputs.documented or ()
    billed = ctx.billed_dx
    threshold = ctx.config.thresholds.unspecified_code
    icd = ctx.codesets.icd10cm
    best: dict[str, DocumentedCode] = {}
    for candidate in documented:
        if candidate.code in billed or candidate.confidence < threshold:
            continue
        for code in billed:
            if candidate.billed not in (None, code):
                continue
            if less_specific(icd, code, candidate.code) and (
                code not in best or candidate.confidence > best[code].confidence
            ):
                best[code] = candidate
    return best


@register("audit.unspecified_code.v1")
class UnspecifiedCodeCheck:
    """Raise ``unspecified_code`` when a billed code is less specific than one the note documents."""

    name = "audit.unspecified_code.v1"
    needs = frozenset({"documented"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        icd = ctx.codesets.icd10cm
        flags: list[AuditFlag] = []
        for billed, candidate in specific_alternatives(ctx).items():
            flags.append(
                AuditFlag(
                    type="unspecified_code",
                    billed=billed,
                    supported=candidate.code,
                    icd10cm=billed,
                    severity="denial",
                    confidence=round(candidate.confidence, 4),
                    evidence=ctx.note_evidence(candidate.evidence) + _dx_lines(ctx, billed),
                    explanation=(
                        f"{billed} ({icd.title(billed)}) is billed, but the note documents the more specific "
                        f"{candidate.code} ({icd.title(candidate.code)}). Code to the highest specificity documented."
                    ),
                    action=f"Replace {billed} with {candidate.code} on the claim after confirming the documentation.",
                    dollar_impact=ctx.dollars.for_codes(
                        [],
                        "denial",
                        "No fee-schedule change: specificity affects medical-necessity edits and risk "
                        "adjustment, not the professional fee.",
                    ),
                    rule_id=self.name,
                )
            )
        return flags


@register("audit.diagnosis_support.v1")
class DiagnosisSupportCheck:
    """Raise ``unsupported_diagnosis`` for a billed code the note does not support."""

    name = "audit.diagnosis_support.v1"
    needs = frozenset({"diagnoses"})

    def run(self, ctx: AuditContext) -> list[AuditFlag]:
        findings = {f.code: f for f in ctx.outputs.diagnoses or ()}
        less = specific_alternatives(ctx) if ctx.outputs.documented is not None else {}
        threshold = ctx.config.thresholds.unsupported_diagnosis
        flags: list[AuditFlag] = []
        for code in ctx.billed_dx:
            finding = findings.get(code)
            if finding is None or code in less:
                continue
            if unsupported_probability(finding) < threshold:
                continue
            flags.append(self._flag(ctx, finding))
        return flags

    def _flag(self, ctx: AuditContext, finding: DiagnosisFinding) -> AuditFlag:
        code = finding.code
        icd = ctx.codesets.icd10cm
        title = icd.title(code) if icd.find_code(code) else code
        only = [
            (line.code, line.units)
            for line in ctx.lines
            if line.dx and all(d == code or is_unsupported(ctx, d) for d in line.dx)
        ]
        basis = (
            f"Payment for the line(s) whose only diagnoses are unsupported ({', '.join(c for c, _ in only)})."
            if only
            else "Other billed diagnoses still support every line; the exposure is the record's accuracy (and any "
            "risk-adjustment value of the code), not the professional fee."
        )
        return AuditFlag(
            type="unsupported_diagnosis",
            icd10cm=code,
            code=code,
            severity="compliance",
            confidence=round(unsupported_probability(finding), 4),
            evidence=ctx.note_evidence(finding.evidence) + _dx_lines(ctx, code),
            explanation=f"{code} ({title}) is billed, but {STATUS_WORDS[finding.status]}."
            + (
                f" The ICD-10-CM suggester gives it a probability of {finding.probability:.2f} from this note."
                if finding.probability is not None
                else ""
            ),
            action=(
                f"Remove {code} from the claim unless the provider documents that the condition was present and "
                "addressed at this visit; code the confirmed signs or symptoms instead of an uncertain diagnosis."
            ),
            dollar_impact=ctx.dollars.for_codes(only, "overpayment", basis),
            rule_id=f"{self.name}/{finding.status}",
            details={"status": finding.status},
        )


def unsupported_probability(finding: DiagnosisFinding) -> float:
    """Probability that a billed code is unsupported: the finding's confidence in its status, turned around for
    ``supported``."""
    return 1.0 - finding.confidence if finding.status == "supported" else finding.confidence


def is_unsupported(ctx: AuditContext, code: str) -> bool:
    """Whether the diagnosis check flags the billed ``code`` as unsupported."""
    threshold = ctx.config.thresholds.unsupported_diagnosis
    return any(f.code == code and unsupported_probability(f) >= threshold for f in ctx.outputs.diagnoses or ())


def _dx_lines(ctx: AuditContext, code: str) -> list[EvidenceSpan]:
    return [ctx.claim_evidence(i) for i, line in enumerate(ctx.lines) if code in line.dx][:2]
