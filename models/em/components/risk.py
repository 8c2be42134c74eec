"""Risk component (``medcode.em.risk.v1``): risk of complications of patient management decided at this visit.

AMA CPT E/M guidelines (2021/2023), "Risk of Complications and/or Morbidity or Mortality of Patient Management".
Only management options in the assessment and plan count (the medication list is history, not a decision).
Prescription drug management is a decision to start, continue, change or stop a prescription drug; an
over-the-counter drug alone is low risk. Decisions about hospitalization count even when the patient declines,
but "go to the ED if symptoms worsen" (a hypothetical) does not. Example: "continue lisinopril 20 mg daily,
refills sent" -> ``risk/rx_drug``.
"""

from __future__ import annotations

import re

from models.clinical.assertion import assert_span
from models.clinical.document import ClinicalDocument
from models.em.components._lines import PLAN_SECTIONS
from models.em.cues import EmCues, default_cues

_DOSE = re.compile(r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|units?|g|ml|%)\b")
_OTC_NEAR = re.compile(r"over[- ]the[- ]counter|\botc\b")
# "Rx" joined to another field name by a slash ("Rx/plan: wound care") labels the plan field, it decides no drug
_RX_CONTEXT = re.compile(
    r"\b(?:refills?|prescri\w*|rx\b(?!/\w)|e-?prescribed|sent to (?:the )?pharmacy|\d+-day supply)"
)


def annotate_risk(doc: ClinicalDocument, cues: EmCues | None = None) -> ClinicalDocument:
    """Add ``risk`` mentions, one per risk label found in plan sentences (first evidence kept)."""
    cues = cues or default_cues()
    seen: set[str] = set()
    for sentence in doc.sentences:
        if sentence.section not in PLAN_SECTIONS:
            continue
        lowered = sentence.norm
        for label in cues.risk:
            if label.label in seen:
                continue
            match = label.pattern.search(lowered)
            if match is None:
                continue
            start, end = sentence.start + match.start(), sentence.start + match.end()
            assertion = assert_span(doc, start, end, use_section=False)
            # SDOH is documented as an absence ("no reliable transportation"); a declined admission still counts.
            exempt = label.label in ("hospitalization", "sdoh")
            if (assertion.has("hypothetical") and label.label != "sdoh") or (assertion.has("negated") and not exempt):
                continue
            seen.add(label.label)
            doc.add("risk", label.label, start, end)
        rx = cues.rx.search(lowered)
        otc = cues.otc.search(lowered)
        if rx is not None and re.match(r"\s+(?:levels?|trough)\b", lowered[rx.end() :]):
            rx = None  # "lithium level", "testosterone level": a test, not a drug decision
        if rx is not None and _OTC_NEAR.search(lowered[max(0, rx.start() - 40) : rx.end() + 40]):
            rx = None  # "topical diclofenac over the counter"
        if rx is not None and "rx_drug" not in seen:
            start, end = sentence.start + rx.start(), sentence.start + rx.end()
            if not assert_span(doc, start, end, use_section=False).has("hypothetical"):
                seen.add("rx_drug")
                doc.add("risk", "rx_drug", start, end)
        elif rx is None and "rx_drug" not in seen and _RX_CONTEXT.search(lowered) and otc is None:
            m = _RX_CONTEXT.search(lowered)
            assert m is not None
            seen.add("rx_drug")
            doc.add("risk", "rx_drug", sentence.start + m.start(), sentence.start + m.end())
        if otc is not None and "otc_drug" not in seen:
            seen.add("otc_drug")
            doc.add("risk", "otc_drug", sentence.start + otc.start(), sentence.start + otc.end())
    return doc
