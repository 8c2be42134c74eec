"""MEAT evidence for one condition: where the note Monitors, Evaluates, Assesses or Treats it.

CMS-HCC risk adjustment accepts a diagnosis from a face-to-face encounter only when the note shows the condition
was addressed; documentation audits look for MEAT. Rules here:

- a *mention* is a match of the condition's terms (``data/condition_terms_v1.csv``, longest ICD-10-CM prefix, else
  the code's title words) that is affirmed, current and about the patient (not negated, family, hypothetical or
  uncertain: "rule out CHF" is no mention);
- the condition must be mentioned in the assessment/plan, and that item (or an HPI/exam sentence that mentions it)
  must show at least one of monitor / evaluate / treat; "assess" is credited when the assessment item carries a
  status or assessment word. A condition only listed (problem list, past history) has no MEAT and is never
  suggested.

Example: "2. T2DM with polyneuropathy, stable; monofilament decreased; continue gabapentin." -> M (stable),
E (monofilament), A (stable), T (continue gabapentin).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from models.clinical.assertion import assert_span
from models.clinical.document import ClinicalDocument, Evidence
from models.clinical.zones import acts
from models.em.components._lines import PLAN_SECTIONS, Line, item_body, item_marker, lines
from models.em.cues import default_cues

MEAT_ELEMENTS: tuple[str, ...] = ("monitor", "evaluate", "assess", "treat")
_SUPPORT_SECTIONS = frozenset({"hpi", "exam", "data", "chief_complaint", "other"})
_STOP = frozenset(
    {"a", "an", "the", "of", "and", "or", "in", "on", "with", "without", "due", "to", "other", "unspecified",
     "specified", "type", "by", "as", "for", "not", "elsewhere", "classified", "disease", "disorder", "diseases",
     "disorders", "chronic", "acute"}
)  # fmt: skip


@lru_cache(maxsize=1)
def condition_terms() -> dict[str, re.Pattern[str]]:
    """ICD-10-CM prefix -> compiled term pattern (``data/condition_terms_v1.csv``)."""
    text = (resources.files("models.hcc") / "data" / "condition_terms_v1.csv").read_text(encoding="utf-8")
    out: dict[str, re.Pattern[str]] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if set(row) != {"icd10cm_prefix", "pattern", "example"} or not row["icd10cm_prefix"] or not row["pattern"]:
            raise ValueError(f"models/hcc/data/condition_terms_v1.csv:{line}: need icd10cm_prefix, pattern, example.")
        out[row["icd10cm_prefix"].upper()] = re.compile(row["pattern"])
    return out


@lru_cache(maxsize=1)
def meat_cues() -> dict[str, re.Pattern[str]]:
    payload: dict[str, Any] = json.loads(
        (resources.files("models.hcc") / "data" / "meat_cues_v1.json").read_text(encoding="utf-8")
    )
    return {name: re.compile(payload[name]["pattern"]) for name in MEAT_ELEMENTS}


def terms_for(code: str, title: str | None = None) -> re.Pattern[str] | None:
    """The mention pattern of a code: the longest matching prefix in the table, else its title's content words."""
    compact = code.upper().replace(".", "")
    table = condition_terms()
    for length in range(len(compact), 0, -1):
        if compact[:length] in table:
            return table[compact[:length]]
    if title:
        words = [w for w in re.findall(r"[a-z]{4,}", title.lower()) if w not in _STOP]
        if words:
            return re.compile("|".join(rf"\b{re.escape(w[:6])}" for w in words[:3]))
    return None


@dataclass
class ConditionSupport:
    """Where one diagnosis is mentioned and which MEAT elements the note shows for it."""

    icd10cm: str
    mentions: list[Evidence] = field(default_factory=list)
    meat: dict[str, list[Evidence]] = field(default_factory=dict)
    in_assessment: bool = False

    @property
    def elements(self) -> tuple[str, ...]:
        return tuple(e for e in MEAT_ELEMENTS if self.meat.get(e))

    @property
    def supported(self) -> bool:
        """Mentioned in the assessment/plan with at least one of monitor, evaluate or treat."""
        return self.in_assessment and any(self.meat.get(e) for e in ("monitor", "evaluate", "treat"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "icd10cm": self.icd10cm,
            "supported": self.supported,
            "meat": {k: [e.to_dict() for e in v] for k, v in self.meat.items() if v},
            "mentions": [e.to_dict() for e in self.mentions],
        }


def _present(doc: ClinicalDocument, start: int, end: int) -> bool:
    return assert_span(doc, start, end, use_section=False).present


def find_support(
    doc: ClinicalDocument, code: str, title: str | None = None, named: Sequence[Evidence] = ()
) -> ConditionSupport:
    """MEAT support of ``code`` in ``doc`` (see module docstring).

    ``named``: spans where a condition reader found the code's condition by its classification name (the HCC
    condition finder reads "regional enteritis" as K50.90 through the code's inclusion terms): an assessment line
    holding one mentions the condition even where the term table has no word for that name.
    """
    support = ConditionSupport(code)
    pattern = terms_for(code, title)
    if pattern is None and not named:
        return support
    cues = meat_cues()
    plan_lines = lines(doc, PLAN_SECTIONS)
    spacing = _line_spacing(doc, plan_lines)
    for index, line in enumerate(plan_lines):
        lowered = line.norm
        mention = _mention(line, pattern, named)
        if mention is None or not _present(doc, line.start + mention[0], line.start + mention[1]):
            continue
        if re.match(r"^\W*(?:r/o|rule[- ]?out|differential|\?)", lowered):
            continue
        start, end = mention
        block = [line, *_under(doc, plan_lines, index, spacing)]
        if _list_entry(block):
            continue
        support.in_assessment = True
        support.mentions.append(Evidence(line.start + start, line.start + end, lowered[start:end]))
        named_to = line.start + _standing_treatment_end(lowered, end)
        for element in MEAT_ELEMENTS:
            cue = next(
                (c for c in _cues(element, block) if not (c[0] < named_to and c[1] > line.start + start)),
                None,
            )
            if cue is not None:
                support.meat.setdefault(element, []).append(Evidence(cue[0], cue[1], doc.text[cue[0] : cue[1]]))
    if support.in_assessment:
        for sentence in doc.sentences:
            if sentence.section not in _SUPPORT_SECTIONS:
                continue
            lowered = sentence.norm
            found = pattern.search(lowered) if pattern is not None else None
            if found is None or not _present(doc, sentence.start + found.start(), sentence.start + found.end()):
                continue
            for element in ("monitor", "evaluate"):
                hit = cues[element].search(lowered)
                if hit is not None:
                    s, e = sentence.start + hit.start(), sentence.start + hit.end()
                    support.meat.setdefault(element, []).append(Evidence(s, e, doc.text[s:e]))
    return support


# The treatment a condition is named with ("schizophrenia on clozapine", "opioid use disorder, severe, on
# buprenorphine", "opioid dependence on maintenance therapy") says what the patient takes, as a problem list
# does; it is no evidence that this visit treated the condition. A status judged between the name and "on" ("well
# controlled on lisinopril") is the visit's own judgement: then the words stay evidence.
_STANDING_TREATMENT = re.compile(r"\w*(?:[\s,-]+[a-z]+){0,4}?,?\s+on\s+[^.;:,()]*")


def _standing_treatment_end(lowered: str, end: int) -> int:
    """Where the condition's name ends in ``lowered`` (the mention, often a word stem, ends at ``end``), with the
    treatment it is named with ("... on clozapine") counted as part of the name."""
    found = _STANDING_TREATMENT.match(lowered, end)
    if found is None:
        return end
    between = lowered[end : found.end()]
    if any(pattern.search(between) for pattern in _cue_patterns("monitor")):
        return end
    return found.end()


# A line that only names a condition with the words it is carried with ("PAF, anticoagulated", "Crohn's ileitis,
# quiescent", "schizophrenia, stable on clozapine") or a drug with its dose ("buprenorphine 8 mg with naloxone 2 mg
# film twice daily") is an entry of a list kept on the chart, problem list or drug list, wherever the note lets it
# stand (under a label the section reader does not know, run on below the assessment): it says what the patient has or
# takes, not what this visit did. An assessment item states its course, findings or plan in a sentence of its own,
# in lines written under it, or with an action on the patient's management ("HLD - continue atorvastatin"); a label
# ("Problem: T2DM, uncontrolled", "PAF: stable") marks an item of the assessment. The list's next lines that the
# item reader puts under an entry ("Past pneumonia, resolved.") are entries too.
_ENTRY_MAX_WORDS = 12
_SENTENCE_BREAK = re.compile(r"[.;!?](?=\s+\S)|:")


def _list_entry(block: Sequence[Line]) -> bool:
    """Whether an assessment line holding a condition's mention, with the lines under it, is a carried list's entry
    (see above)."""
    return all(_entry_words(item_body(line.norm).strip()) for line in block)


def _entry_words(body: str) -> bool:
    return len(body.split()) <= _ENTRY_MAX_WORDS and not _SENTENCE_BREAK.search(body) and not acts(body)


def _mention(line: Line, pattern: re.Pattern[str] | None, named: Sequence[Evidence]) -> tuple[int, int] | None:
    """Span (within the line) of the condition's mention: the term pattern's match, else a named span inside it."""
    match = pattern.search(line.norm) if pattern is not None else None
    if match is not None:
        return match.start(), match.end()
    span = next((e for e in named if line.start <= e.start and e.end <= line.end), None)
    return None if span is None else (span.start - line.start, span.end - line.start)


# The E/M reader's words for the same evidence: a chronic problem's status judged today ("in remission", "holding
# steady", "drifting above target") monitors it, a prescription drug named in its plan ("persist with adalimumab")
# treats it.
_EM_MONITOR = frozenset({"chronic_stable", "chronic_progression", "chronic_severe"})


@lru_cache(maxsize=1)
def _em_cues() -> dict[str, tuple[Any, ...]]:
    cues = default_cues()
    return {
        "monitor": tuple(label.pattern for label in cues.problem_status if label.label in _EM_MONITOR),
        "treat": (cues.rx,),
    }


def _cue_patterns(element: str) -> tuple[Any, ...]:
    """The MEAT table's cue of ``element`` and the E/M reader's words for it."""
    return (meat_cues()[element], *_em_cues().get(element, ()))


def _cues(element: str, block: Sequence[Line]) -> Iterator[tuple[int, int]]:
    """Note offsets of the element's cues in the lines of an item, line by line."""
    patterns = _cue_patterns(element)
    for part in block:
        for pattern in patterns:
            for found in pattern.finditer(part.norm):
                yield part.start + found.start(), part.start + found.end()


def _under(doc: ClinicalDocument, plan_lines: Sequence[Line], index: int, spacing: int) -> list[Line]:
    """The lines written under an item head: "# T2DM with polyneuropathy" (or "Dx 2) ...") followed by "- stable,
    at goal" and "- continue gabapentin", or by unmarked lines, up to the next line marked as the head is or
    numbered. The status, findings and plan those lines state are the item's. A line without a marker heads
    nothing (prose paragraphs and run-on items carry their own words). ``spacing``: :func:`_line_spacing` of
    ``plan_lines``, read once per note."""
    head = _marker_kind(item_marker(plan_lines[index].text))
    if not head:
        return []
    out: list[Line] = []
    previous = plan_lines[index]
    for line in plan_lines[index + 1 :]:
        kind = _marker_kind(item_marker(line.text))
        # a blank line (or a section of another kind between) ends the item; in a note that leaves a blank line
        # after every line, two do
        if kind in (head, "number") or doc.text.count("\n", previous.end, line.start) > spacing:
            break
        out.append(line)
        previous = line
    return out


def _line_spacing(doc: ClinicalDocument, plan_lines: Sequence[Line]) -> int:
    """The line breaks between two lines of one paragraph of the assessment: 1, or 2 in a note written with a blank
    line after every line (no two of its lines follow each other directly)."""
    breaks = [n for a, b in itertools.pairwise(plan_lines) if (n := doc.text.count("\n", a.end, b.start))]
    return min(breaks) if len(breaks) > 1 else 1


def _marker_kind(marker: str) -> str:
    """ "number" for a numbered marker ("2.", "Dx 3)", "#1"), else the marker's first character ("" for none)."""
    return "number" if any(ch.isdigit() for ch in marker) else marker[:1]
