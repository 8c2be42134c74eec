"""Level boundaries end to end on handwritten notes: 2 of 3, time thresholds (whichever is higher), visit types."""

from __future__ import annotations

import datetime as dt

import pytest

from datasets.schema import Encounter
from models.em.leveler import EmLeveler, global_period_modifier

MODERATE_PROBLEMS_RX = (
    "ASSESSMENT AND PLAN:\n1. Type 2 diabetes - worsening, not at goal. Increase metformin to 1000 mg twice daily.\n"
)
MODERATE_PROBLEMS_OTC = "ASSESSMENT AND PLAN:\n1. Migraine - worsening, not at goal. Ibuprofen OTC as needed.\n"
LOW_ONLY = "ASSESSMENT AND PLAN:\n1. Ankle sprain, acute uncomplicated. Ice, elevation, ibuprofen OTC.\n"


def _level(text: str, **context: object) -> object:
    return EmLeveler().level(text, {"setting": "office", "patient_status": "established", **context})


def test_leveler_two_of_three_moderate_problems_and_rx_give_99214() -> None:
    result = _level(MODERATE_PROBLEMS_RX)
    assert result.mdm == "moderate"  # type: ignore[attr-defined]
    assert result.em_code == "99214"  # type: ignore[attr-defined]


def test_leveler_two_of_three_needs_a_second_element() -> None:
    result = _level(MODERATE_PROBLEMS_OTC)
    assert (result.elements["problems"].level, result.elements["risk"].level) == ("moderate", "low")  # type: ignore[attr-defined]
    assert result.em_code == "99213"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("minutes", "status", "expected"),
    [
        (19, "established", "99212"),
        (20, "established", "99213"),
        (29, "established", "99213"),
        (30, "established", "99214"),
        (39, "established", "99214"),
        (40, "established", "99215"),
        (29, "new", "99202"),
        (30, "new", "99203"),
        (45, "new", "99204"),
        (60, "new", "99205"),
    ],
)
def test_leveler_time_thresholds_2024(minutes: int, status: str, expected: str) -> None:
    text = (
        LOW_ONLY.replace("ASSESSMENT", "Ankle sprain visit.\nASSESSMENT")
        + f"Total time on the date: {minutes} minutes.\n"
    )
    mdm_code = _level(LOW_ONLY, patient_status=status).em_code  # type: ignore[attr-defined]
    result = _level(text, patient_status=status)
    assert result.em_code == max(expected, mdm_code)  # type: ignore[attr-defined]


def test_leveler_uses_mdm_when_higher_than_time() -> None:
    result = _level(MODERATE_PROBLEMS_RX + "Total time spent today: 12 minutes.\n")
    assert (result.em_code, result.basis) == ("99214", "mdm")  # type: ignore[attr-defined]


def test_leveler_structured_time_field_wins() -> None:
    result = _level(LOW_ONLY, time_minutes=41)
    assert (result.em_code, result.basis) == ("99215", "time")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("minutes", "payer", "expected"),
    [(54, "Aetna", []), (55, "Aetna", [("99417", 1)]), (70, "Aetna", [("99417", 2)]), (68, "Medicare", []),
     (69, "Medicare", [("G2212", 1)])],
)  # fmt: skip
def test_leveler_prolonged_time_add_on(minutes: int, payer: str, expected: list[tuple[str, int]]) -> None:
    result = _level(LOW_ONLY, time_minutes=minutes, payer=payer)
    assert result.em_code == "99215"  # type: ignore[attr-defined]
    assert [a for a in result.addons if a[0] in ("99417", "G2212")] == expected  # type: ignore[attr-defined]


def test_leveler_telehealth_gets_modifier_95() -> None:
    result = EmLeveler().level(LOW_ONLY, {"setting": "telehealth", "patient_status": "established"})
    assert "95" in result.modifiers


def test_leveler_preventive_visit_code_by_age() -> None:
    note = "Annual preventive examination.\nPREVENTIVE CARE:\nAge-appropriate screening reviewed.\n"
    assert _level(note, age=45).em_code == "99396"  # type: ignore[attr-defined]
    assert _level(note, age=45, patient_status="new").em_code == "99386"  # type: ignore[attr-defined]


def test_leveler_wellness_visit_with_separate_problem_gets_25() -> None:
    note = (
        "Subsequent Medicare annual wellness visit.\nASSESSMENT AND PLAN:\nHealth risk assessment reviewed.\n"
        "Separately from the preventive service:\n1. Hypertension - worsening, not at goal. Increase lisinopril to "
        "20 mg.\n"
    )
    result = _level(note, age=72, payer="Medicare")
    assert result.em_code == "99214"  # type: ignore[attr-defined]
    assert "25" in result.modifiers  # type: ignore[attr-defined]
    assert ("G0439", 1) in result.addons  # type: ignore[attr-defined]


def test_leveler_procedure_only_visit_has_no_em() -> None:
    note = "Here for a scheduled wart destruction; no other concerns today.\nPROCEDURE:\nLiquid nitrogen to 3 warts.\n"
    assert _level(note).em_code is None  # type: ignore[attr-defined]


def test_leveler_same_day_injection_adds_modifier_25() -> None:
    note = MODERATE_PROBLEMS_RX + "Ketorolac 60 mg IM given in the left deltoid.\n"
    result = _level(note)
    assert "25" in result.modifiers  # type: ignore[attr-defined]


def test_leveler_g2211_when_longitudinal_care_is_documented() -> None:
    note = MODERATE_PROBLEMS_RX + "I am the continuing focal point for all of this patient's care.\n"
    assert ("G2211", 1) in _level(note).addons  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("setting", "text", "expected"),
    [
        ("inpatient", "Hospital day 3 progress note.\n" + MODERATE_PROBLEMS_RX, "99232"),
        ("inpatient", "Admission history and physical.\n" + MODERATE_PROBLEMS_RX, "99222"),
        ("emergency", MODERATE_PROBLEMS_RX, "99284"),
        ("inpatient", "Discharge day management. Total time 35 minutes.\n", "99239"),
        ("inpatient", "Discharge day management. Total time 25 minutes.\n", "99238"),
    ],
)
def test_leveler_hospital_and_emergency_families(setting: str, text: str, expected: str) -> None:
    assert EmLeveler().level(text, {"setting": setting}).em_code == expected


def test_leveler_reasoning_and_missing_are_filled() -> None:
    result = _level(LOW_ONLY)
    assert any("2 of 3" in line for line in result.reasoning)  # type: ignore[attr-defined]
    assert any(line.startswith("time:") for line in result.missing)  # type: ignore[attr-defined]


def test_global_period_modifier_24_from_history() -> None:
    history = [{"date_of_service": "2024-08-01", "claim": {"lines": [{"code": "17000"}]}}]
    encounter = Encounter(encounter_id="e", text="x", date_of_service="2024-08-06", history=history)
    got = global_period_modifier(encounter.date_of_service, list(encounter.history), {"17000": 10})
    assert got == ("24", "17000")
    assert global_period_modifier(dt.date(2024, 8, 20), list(encounter.history), {"17000": 10}) is None
