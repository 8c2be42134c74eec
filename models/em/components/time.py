"""Time component (``medcode.em.time.v1``): total practitioner time on the date of the encounter.

AMA CPT 2021+ (office) and 2023+ (hospital): total time includes face-to-face and non-face-to-face work by the
practitioner on the date of the encounter, but not time spent on separately reported services. Only sentences that
state a total ("Total time spent on the date of the encounter: 42 minutes", or minutes said of this visit outside the
history: "32 minutes went on this encounter today") count; advance care planning or tobacco counseling minutes are
separately billed and excluded. The structured ``time_minutes`` field, when given, wins.
"""

from __future__ import annotations

import re

from models.clinical.document import ClinicalDocument
from models.em.cues import EmCues, default_cues

_THIS_VISIT = re.compile(r"\b(?:this|today'?s) (?:visit|encounter|appointment)\b")
_DURATION = re.compile(r"\b(?:for|lasting|lasted|after|within|every|over|about|ago)\s+(?:about |approximately |~)?\d")
_HISTORY_SECTIONS = frozenset(
    {"hpi", "chief_complaint", "ros", "pmh", "psh", "family", "social", "medications", "exam"}
)


def annotate_time(doc: ClinicalDocument, cues: EmCues | None = None) -> ClinicalDocument:
    """Add a ``time/total`` mention (``attrs.minutes``) for the largest documented total time."""
    cues = cues or default_cues()
    best: tuple[int, int, int] | None = None
    for sentence in doc.sentences:
        lowered = sentence.norm
        in_time_section = sentence.section == "time"
        # minutes said of this visit outside the history ("32 minutes went on this encounter today") are its time;
        # minutes a symptom lasted are not ("pain for 20 minutes before this visit")
        of_this_visit = (
            sentence.section not in _HISTORY_SECTIONS
            and _THIS_VISIT.search(lowered) is not None
            and _DURATION.search(lowered) is None
        )
        if not (in_time_section or of_this_visit or cues.time_context.search(lowered)) or cues.time_exclude.search(
            lowered
        ):
            continue
        for match in cues.time.finditer(lowered):
            minutes = int(match.group("minutes"))
            if best is None or minutes > best[0]:
                best = (minutes, sentence.start + match.start(), sentence.start + match.end())
    if best is not None:
        doc.add("time", "total", best[1], best[2], minutes=best[0], source="note")
    return doc
