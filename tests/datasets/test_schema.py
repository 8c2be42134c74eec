from __future__ import annotations

import pytest
from pydantic import ValidationError

from datasets.schema import FLAG_TYPES, Encounter, ExpectedFlag, normalize_icd10cm

FULL_RECORD = {
    "encounter_id": "enc-1",
    "text": "CC: f/u DM2. A/P: type 2 diabetes, A1c 7.9, increase metformin.",
    "patient_id": "p-9",
    "date_of_service": "2024-08-01",
    "setting": "office",
    "patient_status": "established",
    "age": 67,
    "sex": "F",
    "specialty": "family medicine",
    "provider_id": "prov-1",
    "payer": "Medicare",
    "time_minutes": 32,
    "claim": {"lines": [{"code": "99214", "modifiers": ["25"], "units": 1, "dx": ["e119", "I10"]}]},
    "history": [{"date_of_service": "2023-05-02", "claim": {"lines": [{"code": "99213", "dx": ["E11.9"]}]}}],
    "gold": {
        "icd10cm": ["E11.65"],
        "em_code": "99214",
        "em_modifier25": False,
        "services": [{"code": "93000", "system": "CPT", "units": 1}],
        "hcc_v28": ["HCC37"],
        "mdm": {"problems": "moderate", "data": "low", "risk": "moderate", "level": "moderate"},
    },
    "expected_flags": [{"type": "em_overcoded", "billed": "99215", "supported": "99214"}],
    "site_specific": {"room": 4},
}


@pytest.mark.parametrize("raw", ["e119", "E11.9 ", "e11.9", " E119"])
def test_normalize_icd10cm_accepts_user_spellings(raw: str) -> None:
    assert normalize_icd10cm(raw) == "E11.9"


def test_normalize_icd10cm_keeps_three_character_categories_without_dot() -> None:
    assert normalize_icd10cm("i10") == "I10"
    assert normalize_icd10cm("s72001a") == "S72.001A"


def test_normalize_icd10cm_accepts_fy2026_letter_letter_digit_categories() -> None:
    # QA0 (FY2026) is the first category whose second character is a letter; the suggester can rank its codes.
    assert normalize_icd10cm("qa00131") == "QA0.0131"
    assert normalize_icd10cm("QA0.8") == "QA0.8"


@pytest.mark.parametrize("raw", ["99214", "AND", "CO", "E1"])
def test_normalize_icd10cm_rejects_non_codes(raw: str) -> None:
    with pytest.raises(ValueError, match="not shaped like an ICD-10-CM code"):
        normalize_icd10cm(raw)


def test_encounter_round_trip_keeps_every_field_and_unknown_keys() -> None:
    encounter = Encounter.model_validate(FULL_RECORD)
    again = Encounter.model_validate(encounter.to_json_dict())
    assert again == encounter
    assert again.to_json_dict()["site_specific"] == {"room": 4}
    assert encounter.claim is not None and encounter.claim.lines[0].dx == ["E11.9", "I10"]


def test_encounter_requires_id_and_text() -> None:
    with pytest.raises(ValidationError):
        Encounter.model_validate({"text": "note"})
    with pytest.raises(ValidationError):
        Encounter.model_validate({"encounter_id": "x"})


def test_encounter_rejects_values_outside_the_contract() -> None:
    for bad in ({"setting": "clinic"}, {"sex": "X"}, {"patient_status": "returning"}, {"age": -1}):
        with pytest.raises(ValidationError):
            Encounter.model_validate({"encounter_id": "x", "text": "t", **bad})


def test_without_labels_drops_gold_and_expected_flags() -> None:
    bare = Encounter.model_validate(FULL_RECORD).without_labels()
    assert bare.gold is None and bare.expected_flags == []
    assert bare.claim is not None


def test_expected_flag_match_key_uses_first_key_field() -> None:
    assert ExpectedFlag(type="em_overcoded", billed="99215", supported="99214").match_key() == ("em_overcoded", None)
    assert ExpectedFlag(type="ncci_ptp_conflict", column1="20610", column2="96372").match_key() == (
        "ncci_ptp_conflict",
        "20610",
    )
    assert len(FLAG_TYPES) == 11


def test_claim_diagnoses_are_distinct_in_pointer_order() -> None:
    encounter = Encounter.model_validate(
        {
            "encounter_id": "x",
            "text": "t",
            "claim": {"lines": [{"code": "99213", "dx": ["I10", "E11.9"]}, {"code": "93000", "dx": ["I10", "R07.9"]}]},
        }
    )
    assert encounter.claim is not None
    assert encounter.claim.diagnoses() == ["I10", "E11.9", "R07.9"]
