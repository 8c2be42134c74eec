"""The note-text second opinion on MDM: features, the 2-of-3 combination with the rule reading, the shipped model on
notes written here (no phrasing family's wording), and the em_overcoded gate it drives."""

from __future__ import annotations

import numpy as np
import pytest

from configs.audit import load_audit_config
from models.audit import AuditEngine
from models.audit.inputs import EmFinding
from models.em.second_opinion import ELEMENT_ORDER, ELEMENTS, MdmSecondOpinion, default_second_opinion, note_features
from tests.models.audit.conftest import FixedEm, make_encounter

# two chronic illnesses, one worse, labs reviewed and ordered, a prescription changed: moderate on all three elements
MODERATE_NOTE = (
    "Follow-up visit. Type 2 diabetes: A1c 8.9 today, up from 7.6, sugars running high. Essential hypertension: "
    "BP 152/94 at home and here, above goal.\n"
    "Results reviewed: A1c 8.9, basic metabolic panel with creatinine 1.1 and potassium 4.4, lipid panel LDL 131.\n"
    "Assessment and plan:\n"
    "1. Type 2 diabetes mellitus with hyperglycemia, worsening: increase metformin to 1000 mg twice daily, start "
    "empagliflozin 10 mg daily. Repeat A1c in 3 months.\n"
    "2. Essential hypertension, not at goal: increase lisinopril to 20 mg daily, BMP in 2 weeks.\n"
    "3. Hyperlipidemia: start atorvastatin 40 mg daily, lipid panel and hepatic function panel ordered."
)
# one acute uncomplicated illness, nothing reviewed or ordered, over-the-counter care: straightforward
LOW_NOTE = (
    "Chief complaint: sore throat.\n"
    "History: 34-year-old woman with two days of sore throat and runny nose. No fever, no cough, eating and drinking "
    "well.\nMedications: none. Allergies: no known drug allergies.\n"
    "Exam: Vitals: T 98.4, HR 72, BP 118/76. General: alert, no acute distress. Throat mildly red, no exudate. "
    "Lungs clear.\nAssessment and plan:\n"
    "1. Viral upper respiratory infection, acute and uncomplicated: supportive care with rest, fluids, saline spray "
    "and acetaminophen as needed. Return if fever or not better in a week."
)


def test_features_share_pieces_across_word_forms() -> None:
    shared = note_features("worsening dyspnea") & note_features("worsened dyspnoea")
    assert "c:<wors" in shared and "w:worsening" not in shared
    assert "b:worsening_dyspnea" in note_features("Worsening dyspnea.")


def _toy(risk_moderate: float) -> MdmSecondOpinion:
    """One feature, ``w:insulin``, that moves only the risk element towards moderate."""
    width = len(ELEMENT_ORDER)
    weights = np.zeros((1, width * len(ELEMENTS)))
    weights[0, ELEMENTS.index("risk") * width + ELEMENT_ORDER.index("moderate")] = risk_moderate
    bias = np.tile([0.0, 3.0, 0.0, -3.0], len(ELEMENTS))  # on its own: every element reads low
    return MdmSecondOpinion("toy", {"w:insulin": 0}, weights, bias)


def test_shipped_model_reads_exactly_the_features_it_was_fitted_on() -> None:
    model = default_second_opinion()
    expected = sorted(model.vocabulary[f] for f in note_features(MODERATE_NOTE) if f in model.vocabulary)
    assert sorted(model._rows(MODERATE_NOTE)) == expected
    assert sorted(model._rows(MODERATE_NOTE)) == expected  # and again from its word cache


def test_an_element_the_rules_read_counts_as_met_and_the_text_decides_the_rest() -> None:
    model = _toy(10.0)
    read = {"problems": "moderate", "data": "low", "risk": "low"}
    # the rules found moderate problems; the text adds moderate risk (insulin): two of three, moderate MDM
    assert model.probability_below("start insulin glargine", "moderate", read) < 0.01
    # without the risk feature only one element reaches moderate
    assert model.probability_below("start a walking program", "moderate", read) > 0.9
    # without the rule's problems reading, risk alone is one element: still below moderate
    assert model.probability_below("start insulin glargine", "moderate", {}) > 0.5


def test_unknown_level_is_refused_with_the_levels_to_use() -> None:
    with pytest.raises(ValueError, match="EM131"):
        _toy(1.0).probability_below("x", "very high")


def test_shipped_model_separates_a_moderate_from_a_low_note() -> None:
    model = default_second_opinion()
    rule_missed_problems = {"problems": "low", "data": "moderate", "risk": "low"}
    assert model.probability_below(MODERATE_NOTE, "moderate", rule_missed_problems) < 0.05
    assert (
        model.probability_below(LOW_NOTE, "moderate", {"problems": "minimal", "data": "minimal", "risk": "low"}) > 0.5
    )


def _audit(text: str, mdm: dict[str, str], *, gate: bool, codesets: object) -> list[str]:
    config = load_audit_config().model_copy(update={"em_second_opinion": gate})
    finding = EmFinding("99213", 0.9, {"99213": 0.9, "99214": 0.1}, mdm=mdm)
    engine = AuditEngine(codesets=codesets, config=config, em=FixedEm(finding))  # type: ignore[arg-type]
    return [f.type for f in engine.audit(make_encounter([{"code": "99214"}], text=text)).flags]


def test_rule_reading_low_on_a_clearly_moderate_note_is_not_flagged(cms: object, codesets: object) -> None:
    missed = {"level": "low", "problems": "low", "data": "moderate", "risk": "low"}
    assert _audit(MODERATE_NOTE, missed, gate=False, codesets=codesets) == ["em_overcoded"]
    assert _audit(MODERATE_NOTE, missed, gate=True, codesets=codesets) == []


def test_overcoded_low_note_is_still_flagged_and_says_the_second_opinion_agrees(cms: object, codesets: object) -> None:
    mdm = {"level": "straightforward", "problems": "minimal", "data": "minimal", "risk": "low"}
    config = load_audit_config().model_copy(update={"em_second_opinion": True})
    finding = EmFinding("99212", 0.9, {"99212": 0.9, "99213": 0.1}, mdm=mdm)
    engine = AuditEngine(codesets=codesets, config=config, em=FixedEm(finding))  # type: ignore[arg-type]
    [flag] = engine.audit(make_encounter([{"code": "99214"}], text=LOW_NOTE)).flags
    assert flag.type == "em_overcoded"
    assert "does not depend on cue wording agrees" in flag.explanation
    assert flag.details["second_opinion_below"] > 0.5
