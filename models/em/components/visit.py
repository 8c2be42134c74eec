"""Visit component (``medcode.em.visit.v1``): visit-type cues — new/established, telehealth, preventive, Medicare
wellness, hospital initial/subsequent/discharge, emergency, procedure-only, global-period and longitudinal-care.

Example: "Subsequent Medicare annual wellness visit." adds ``visit/awv_subsequent`` with that span as evidence.
"""

from __future__ import annotations

from models.clinical.assertion import assert_span
from models.clinical.document import ClinicalDocument
from models.em.cues import EmCues, default_cues

_SKIP_SECTIONS = frozenset({"pmh", "psh", "family", "social", "medications", "allergies", "ros"})


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
    return doc
