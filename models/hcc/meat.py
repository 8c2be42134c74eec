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
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from models.clinical.assertion import assert_span
from models.clinical.document import ClinicalDocument, Evidence
from models.em.components._lines import PLAN_SECTIONS, lines

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


def find_support(doc: ClinicalDocument, code: str, title: str | None = None) -> ConditionSupport:
    """MEAT support of ``code`` in ``doc`` (see module docstring)."""
    support = ConditionSupport(code)
    pattern = terms_for(code, title)
    if pattern is None:
        return support
    cues = meat_cues()
    for line in lines(doc, PLAN_SECTIONS):
        lowered = line.norm
        match = pattern.search(lowered)
        if match is None or not _present(doc, line.start + match.start(), line.start + match.end()):
            continue
        if re.match(r"^\W*(?:r/o|rule[- ]?out|differential|\?)", lowered):
            continue
        support.in_assessment = True
        support.mentions.append(Evidence(line.start + match.start(), line.start + match.end(), match.group(0)))
        for element in MEAT_ELEMENTS:
            for cue in cues[element].finditer(lowered):
                if cue.start() < match.end() and cue.end() > match.start():
                    continue
                s, e = line.start + cue.start(), line.start + cue.end()
                support.meat.setdefault(element, []).append(Evidence(s, e, doc.text[s:e]))
                break
    if support.in_assessment:
        for sentence in doc.sentences:
            if sentence.section not in _SUPPORT_SECTIONS:
                continue
            lowered = sentence.norm
            found = pattern.search(lowered)
            if found is None or not _present(doc, sentence.start + found.start(), sentence.start + found.end()):
                continue
            for element in ("monitor", "evaluate"):
                hit = cues[element].search(lowered)
                if hit is not None:
                    s, e = sentence.start + hit.start(), sentence.start + hit.end()
                    support.meat.setdefault(element, []).append(Evidence(s, e, doc.text[s:e]))
    return support
