"""Time component (``medcode.em.time.v1``): total practitioner time on the date of the encounter.

AMA CPT 2021+ (office) and 2023+ (hospital): total time includes face-to-face and non-face-to-face work by the
practitioner on the date of the encounter, but not time spent on separately reported services. Only sentences that
state a total ("Total time spent on the date of the encounter: 42 minutes") count; advance care planning or tobacco
counseling minutes are separately billed and excluded. The structured ``time_minutes`` field, when given, wins.
"""

from __future__ import annotations

from models.clinical.document import ClinicalDocument
from models.em.cues import EmCues, default_cues


def annotate_time(doc: ClinicalDocument, cues: EmCues | None = None) -> ClinicalDocument:
    """Add a ``time/total`` mention (``attrs.minutes``) for the largest documented total time."""
    cues = cues or default_cues()
    best: tuple[int, int, int] | None = None
    for sentence in doc.sentences:
        lowered = sentence.norm
        in_time_section = sentence.section == "time"
        if not (in_time_section or cues.time_context.search(lowered)) or cues.time_exclude.search(lowered):
            continue
        for match in cues.time.finditer(lowered):
            minutes = int(match.group("minutes"))
            if best is None or minutes > best[0]:
                best = (minutes, sentence.start + match.start(), sentence.start + match.end())
    if best is not None:
        doc.add("time", "total", best[1], best[2], minutes=best[0], source="note")
    return doc
