"""Visit component (``medcode.em.visit.v1``): visit-type cues — new/established, telehealth, preventive, Medicare
wellness, hospital initial/subsequent/discharge, emergency, procedure-only, global-period and longitudinal-care.

Example: "Subsequent Medicare annual wellness visit." adds ``visit/awv_subsequent`` with that span as evidence.

A procedure-only visit is also read from what the visit is for: when every stated reason (the chief complaint, "seen
for ...", "presents for ...") names a procedure ("tendon sheath injection", "cryotherapy of actinic keratoses") and
the note performs a procedure, the patient came for the procedure, whatever words the note uses to say "only".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from models.clinical.assertion import assert_span
from models.clinical.document import ClinicalDocument
from models.em.cues import EmCues, default_cues

_SKIP_SECTIONS = frozenset({"pmh", "psh", "family", "social", "medications", "allergies", "ros"})
# where a note says why the patient came: the chief complaint, the history's opening, the visit line above the headers
_REASON_SECTIONS = frozenset({"chief_complaint", "hpi", "other"})
# services a visit can be booked for; a test or a screening instrument is done during a visit, not the visit's reason
_BOOKABLE_KINDS = frozenset({"procedure", "injection"})
# a reason ends at the clause's end or where the sentence turns to the schedule ("... injection as scheduled")
_REASON_END = re.compile(r"[.;:\n]|,? (?:as (?:scheduled|planned|arranged)|today|this (?:morning|afternoon))\b")
# parts of a reason naming several things: "knee pain and injection" (but "incision and drainage" is one procedure)
_REASON_PARTS = re.compile(r",|\band\b(?! drainage)|&(?! ?d\b)|\bplus\b|\bwith\b(?! instruments)")
# a procedure in the past or as the subject of the visit ("follow-up of the biopsy", "rash after the injection") is a
# problem visit's reason, not a procedure booked today
_NOT_TODAYS = re.compile(r"\b(?:follow|f/u|s/p|status post|post|after|since|check|results?|reaction|complications?)\b")
_LEADING_WORDS = re.compile(r"^(?:(?:a|an|the|his|her|their|scheduled|planned|repeat|another|to have|to get)\s+)+")
_BARE_REASON_WORDS = 8
_BARE_REASON = re.compile(r"[a-z][\w'/&,()+ -]*(?<![.:!?\s])")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_DONE = re.compile(r"\s+(?:done|performed|carried out)$")


def annotate_visit(doc: ClinicalDocument, cues: EmCues | None = None) -> ClinicalDocument:
    """Add one ``visit`` mention per visit-type label found (first occurrence is the evidence)."""
    cues = cues or default_cues()
    lowered = doc.norm
    for label in cues.visit:
        for match in label.pattern.finditer(lowered):
            sentence = doc.sentence_at(match.start())
            if sentence is not None and sentence.section in _SKIP_SECTIONS:
                continue
            assertion = assert_span(doc, match.start(), match.end(), use_section=False)
            if assertion.has("negated") or assertion.has("hypothetical"):
                continue
            doc.add("visit", label.label, match.start(), match.end())
            break
    if not any(m.label == "procedure_only" for m in doc.of("visit")):
        reason = _procedure_reason(doc, cues)
        if reason is not None:
            doc.add("visit", "procedure_only", *reason, read_from="reason_for_visit")
    return doc


def _stated_reasons(doc: ClinicalDocument, cues: EmCues) -> Iterator[tuple[int, int]]:
    """Spans of the visit's stated reasons: the chief complaint's lines and what an opening "seen for ..." names."""
    for section in doc.sections:
        if section.kind == "chief_complaint":
            # the complaint is the paragraph under its header: an unrecognised header below it must not extend it
            blank = _BLANK_LINE.search(doc.norm, section.body_start, section.end)
            stop = blank.start() if blank else section.end
            for sentence in doc.sentences:
                if section.body_start <= sentence.start < stop:
                    yield _reason_span(doc.norm, sentence.start, sentence.end)
    opening = True  # the note's top, before its first section of findings, lists or assessment
    for sentence in doc.sentences:
        if sentence.section not in _REASON_SECTIONS:
            opening = False
            continue
        words = doc.past_header(sentence.start)  # the line's own words, after a header run in before them
        phrase = doc.norm[words : sentence.end]
        bare = (
            _line_edge(doc.text[: sentence.start][::-1])
            and _line_edge(doc.text[sentence.end :])
            and _BARE_REASON.fullmatch(phrase)
            and len(phrase.split()) <= _BARE_REASON_WORDS
        )
        if opening and sentence.section != "hpi" and bare:
            # a bare phrase on its own line at the top is the chief complaint under a header we cannot name
            # ("Why seen:" / "right knee injection"); a sentence or a header ends in a mark
            yield words, sentence.end
        for match in cues.visit_reason.finditer(sentence.norm):
            yield _reason_span(doc.norm, sentence.start + match.end(), sentence.end)


def _line_edge(side: str) -> bool:
    """``side`` (text after a span, or before it reversed) reaches a line break or the note's edge over blanks."""
    return side.lstrip(" \t")[:1] in ("", "\n")


def _reason_span(lowered: str, start: int, stop: int) -> tuple[int, int]:
    cut = _REASON_END.search(lowered, start, stop)
    return start, cut.start() if cut else stop


def _names_procedure(reason: str, cues: EmCues) -> bool:
    """Every part of ``reason`` (lower case) is a noun phrase headed by a procedure: "wart destruction",
    "cryotherapy of actinic keratoses", "simple laceration repair up to 2.5 cm", "a tendon sheath injection done"."""
    parts = [p.strip() for p in _REASON_PARTS.split(reason)]
    if not reason.strip() or not all(parts):
        return False
    for part in parts:
        phrase = _DONE.sub("", _LEADING_WORDS.sub("", part))
        if _NOT_TODAYS.search(phrase):
            return False
        head = next(
            (m for m in cues.procedure_name.finditer(phrase) if m.end() == len(phrase) or phrase[m.end()] == " "), None
        )
        # the head noun ends the phrase ("knee injection") or a complement follows it ("removal of skin tags")
        if head is None or not (
            head.end() == len(phrase) or re.match(r" (?:of|to|on|at|in|under|up to|with|for)\b", phrase[head.end() :])
        ):
            return False
    return True


def _procedure_reason(doc: ClinicalDocument, cues: EmCues) -> tuple[int, int] | None:
    """The first stated reason when every stated reason names a procedure and the note performs one; else None."""
    if not any(m.attrs.get("service_kind") in _BOOKABLE_KINDS for m in doc.of("service")):
        return None
    reasons = [(start, end) for start, end in _stated_reasons(doc, cues) if end > start]
    if reasons and all(_names_procedure(doc.norm[start:end], cues) for start, end in reasons):
        return reasons[0]
    return None
