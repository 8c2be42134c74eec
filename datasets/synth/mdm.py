"""MDM element levels (problems, data, risk) from what a note documents; the 2-of-3 rule itself is em.py's.

AMA CPT E/M guidelines for office and other outpatient services (2021, table "Levels of Medical Decision Making").
The generator documents each element in the note and records its level in ``gold.mdm``; ``em.mdm_level`` combines
them and ``em.em_code_for`` picks the code, so the generator and the E/M leveler share one rule for the final step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from datasets.codesets.em import ElementLevel
from datasets.synth.knowledge import ProblemStatus, RiskCategory

_LEVELS: tuple[ElementLevel, ...] = ("minimal", "low", "moderate", "high")

# Risk of patient management, each category with one example (AMA table, "Risk of Complications and/or Morbidity or
# Mortality of Patient Management").
RISK_LEVEL: dict[RiskCategory, ElementLevel] = {
    "minimal": "minimal",  # rest, gargles, elastic bandages, superficial dressings
    "otc": "low",  # over-the-counter drugs
    "pt": "low",  # physical or occupational therapy
    "rx": "moderate",  # prescription drug management
    "sdoh": "moderate",  # diagnosis or treatment significantly limited by social determinants of health
    "minor_surgery_risk": "moderate",  # decision regarding minor surgery with identified risk factors
    "elective_major": "moderate",  # decision regarding elective major surgery without identified risk factors
    "intensive_monitoring": "high",  # drug therapy requiring intensive monitoring for toxicity (warfarin INR)
    "hospitalization": "high",  # decision regarding hospitalization or escalation of hospital-level care
}


def problems_level(statuses: Iterable[ProblemStatus]) -> ElementLevel:
    """Number and complexity of problems addressed at the encounter.

    Minimal: one self-limited or minor problem. Low: two or more self-limited problems, one stable chronic illness, or
    one acute uncomplicated illness or injury. Moderate: one or more chronic illnesses with exacerbation, progression
    or treatment side effects; two or more stable chronic illnesses; one undiagnosed new problem with uncertain
    prognosis; one acute illness with systemic symptoms; or one acute complicated injury. High: one or more chronic
    illnesses with severe exacerbation, or one acute or chronic illness or injury that poses a threat to life or
    bodily function. Example: hypertension stable + hyperlipidemia stable -> moderate.
    """
    counts = Counter(statuses)
    if counts["chronic_severe"] or counts["threat"]:
        return "high"
    if counts["chronic_progression"] or counts["undiagnosed_uncertain"] or counts["acute_systemic"]:
        return "moderate"
    if counts["stable_chronic"] >= 2:
        return "moderate"
    if counts["stable_chronic"] or counts["acute_uncomplicated"] or counts["self_limited"] >= 2:
        return "low"
    return "minimal"


@dataclass(frozen=True)
class DataReviewed:
    """Amount and complexity of data reviewed and analysed, as documented.

    Category 1 items each count once per unique test or source: ``tests_ordered`` (ordering includes reviewing the
    result later), ``results_reviewed`` (results of tests not ordered at this encounter), ``external_notes`` (each
    unique external source), and ``historian`` (assessment requiring an independent historian). Category 2:
    ``interpretation`` of a test reported by another physician. Category 3: ``discussion`` of management with an
    external physician or qualified health professional.
    """

    tests_ordered: tuple[str, ...] = ()
    results_reviewed: tuple[str, ...] = ()
    external_notes: tuple[str, ...] = ()
    historian: bool = False
    interpretation: bool = False
    discussion: bool = False

    def level(self) -> ElementLevel:
        """Limited (low): two Category 1 tests/documents, or an independent historian. Moderate: one of three
        categories (three Category 1 items counting the historian; independent interpretation; discussion). Extensive
        (high): two of the three categories."""
        documents = len(set(self.tests_ordered)) + len(set(self.results_reviewed)) + len(set(self.external_notes))
        category1 = documents + int(self.historian) >= 3
        categories = int(category1) + int(self.interpretation) + int(self.discussion)
        if categories >= 2:
            return "high"
        if categories == 1:
            return "moderate"
        if documents >= 2 or self.historian:
            return "low"
        return "minimal"


def risk_level(categories: Iterable[RiskCategory]) -> ElementLevel:
    """The highest risk among the documented management options (minimal when there is none)."""
    ranks = [_LEVELS.index(RISK_LEVEL[c]) for c in categories]
    return _LEVELS[max(ranks, default=0)]
