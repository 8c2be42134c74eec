"""Confidence features that say how well a note's layout was read (signals of unfamiliar phrasing)."""

from __future__ import annotations

from models.em.features import FEATURE_NAMES, em_features
from models.em.leveler import EmLeveler


def _features(note: str) -> dict[str, float]:
    return em_features(EmLeveler().level(note, {"setting": "office", "patient_status": "established"}))


def test_reading_quality_of_a_familiar_note() -> None:
    features = _features(
        "ASSESSMENT AND PLAN:\n1. Hypertension - stable. Continue lisinopril 20 mg daily.\n"
        "2. Cough, acute uncomplicated. Chest x-ray ordered.\n"
    )
    assert set(features) == set(FEATURE_NAMES)
    assert features["has_assessment"] == 1.0
    assert features["n_plan_lines"] == 2.0 and features["plan_lines_unread"] == 0.0
    assert features["share_inferred_problems"] == 0.0


def test_reading_quality_of_a_note_we_cannot_follow() -> None:
    features = _features(
        "Opinion and plan -- Hypertension, satisfactorily managed.\nSOMETHING ELSE:\nThe weather was discussed.\n"
        "Impression:\nHypertension.\nWe talked at length about his garden.\n"
    )
    assert features["n_unnamed_sections"] >= 1.0
    assert features["plan_lines_unread"] >= 1.0
    assert features["share_inferred_problems"] == 1.0
    none = _features("Seen today. Doing fine.\n")
    assert none["has_assessment"] == 0.0 and none["n_plan_lines"] == 0.0
