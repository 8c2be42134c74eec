"""Service detection: performed (not ordered) services, J-code units from doses, vaccines, modifiers, catalogue."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from models.clinical.document import ClinicalDocument
from models.services.catalogue import (
    CatalogueError,
    DrugRule,
    catalogue_from_dict,
    default_catalogue,
    parse_hcpcs_dose_unit,
)
from models.services.detector import ServiceDetector


def _lines(text: str, **context: object) -> list[tuple[str, int, list[str]]]:
    return sorted((s.code, s.units, s.modifiers) for s in ServiceDetector().detect(ClinicalDocument(text, context)))


@pytest.mark.parametrize(
    ("sentence", "code", "units"),
    [
        ("Triamcinolone acetonide 80 mg injected into the right knee joint after consent.", "J3301", 8),
        ("Ketorolac 60 mg IM given in the left deltoid.", "J1885", 4),
        ("Ceftriaxone 1 g IM given in the right gluteus.", "J0696", 4),
        ("Dexamethasone 10 mg IM administered.", "J1100", 10),
        ("Promethazine 25 mg IM given.", "J2550", 1),
        ("Bicillin L-A 2,400,000 units deep IM x1 given.", "J0561", 24),
        ("Cyanocobalamin 1000 mcg IM administered today.", "J3420", 1),
    ],
)
def test_detector_units_from_documented_dose(sentence: str, code: str, units: int) -> None:
    found = {c: u for c, u, _ in _lines(sentence)}
    assert found[code] == units


def test_detector_units_rule_rounds_up_to_whole_units() -> None:
    drug = DrugRule("J3301", ("triamcinolone",), 10, "mg", "10 mg")
    assert [drug.units_for(d) for d in (5, 10, 40, 80, 85)] == [1, 1, 4, 8, 9]


def test_detector_im_injection_bills_administration_and_drug() -> None:
    assert _lines("Ketorolac 60 mg IM given in the left deltoid.") == [("96372", 1, []), ("J1885", 4, [])]


def test_detector_joint_injection_bills_no_separate_96372() -> None:
    codes = [c for c, _, _ in _lines("PROCEDURE:\nLeft knee injection with triamcinolone 40 mg performed.\n")]
    assert codes == ["20610", "J3301"]


@pytest.mark.parametrize(
    "sentence",
    [
        "ECG ordered.",
        "Will obtain spirometry at the next visit.",
        "Refer to dermatology for a shave biopsy.",
        "Patient declined the influenza vaccine today.",
        "Consider a steroid injection of the knee if no better.",
        "History of knee injection last year.",
        # a procedure dated in the past, an order list, and "given" as a preposition
        "Had incision and drainage of a right axillary abscess with us 8 days ago; unrelated problem today.",
        "Orders entered today: echocardiogram, ambulatory ECG monitor.",
        "Ordered today: Holter, ambulatory ECG monitor and a TSH.",
        "Ordered this visit \u2192 echocardiogram, 30-day ECG event monitor.",
        "Impression 1: chest pain (uncertain course) given ECG without ischemic changes.",
        # an ambulatory monitor is another service, sent out, whatever the sentence's cue of today
        "I have requested echocardiogram, ambulatory ECG monitor, prothrombin time with INR today.",
        "Labs/imaging: echocardiogram, ambulatory ECG monitor to be drawn or scheduled today.",
        "ECG patch placed today for 14 days of monitoring.",
    ],
)
def test_detector_no_service_from_ordered_planned_or_declined(sentence: str) -> None:
    assert _lines("ASSESSMENT AND PLAN:\n" + sentence + "\n") == []


def test_detector_a_test_done_beside_an_order_is_still_performed() -> None:
    assert _lines("ASSESSMENT AND PLAN:\nLabs ordered; ECG in clinic today: sinus rhythm, my read.\n") != []


@pytest.mark.parametrize(
    "sentence",
    [
        # a procedure stated as needed, required or due names no procedure done
        "Ear wax impaction, bilateral, requiring removal at an ENT visit.",
        "Left ear cerumen impaction; needs removal after a week of softening drops.",
        "Ingrown nail of the right great toe, due for removal.",
    ],
)
def test_detector_no_service_from_a_needed_procedure(sentence: str) -> None:
    assert _lines("ASSESSMENT AND PLAN:\n" + sentence + "\n") == []


def test_detector_a_needed_procedure_done_later_in_the_sentence_counts() -> None:
    found = _lines("PROCEDURE:\nCerumen impaction requiring removal, removed with a curette, canal clear.\n")
    assert [c for c, _, _ in found] == ["69210"]


def test_detector_in_office_test_needs_a_performed_cue() -> None:
    assert _lines("Rapid strep antigen done in clinic: positive.") == [("87880", 1, ["QW"])]
    assert _lines("A/P:\nStrep throat likely.\n") == []
    assert _lines("A/P:\nRapid strep antigen test given in clinic: positive.\n") == [("87880", 1, ["QW"])]
    # "point-of-care" says where the test was done (here), as the module says; a value alone does not
    assert _lines("RESULTS:\nPoint-of-care urine pregnancy test negative.\n") == [("81025", 1, [])]
    assert _lines("RESULTS:\nUrine pregnancy test negative.\n") == []


def test_detector_vaccine_product_and_administration() -> None:
    text = "Influenza vaccine administered IM in the left deltoid.\nTdap vaccine given IM in the right deltoid.\n"
    assert _lines(text) == [("90471", 1, []), ("90472", 1, []), ("90656", 1, []), ("90715", 1, [])]
    medicare = _lines("High-dose influenza vaccine administered IM.", payer="Medicare")
    assert medicare == [("90662", 1, []), ("G0008", 1, [])]


def test_detector_influenza_the_illness_is_no_vaccine() -> None:
    # "given" as a preposition beside the disease name: nothing administered
    assert _lines("A/P:\n1. influenza (febrile, unwell) given temp 102.1; oseltamivir for 5 days.\n") == []
    assert _lines("A/P:\n1. influenza prevention: flu vaccine given today.\n") == [("90471", 1, []), ("90656", 1, [])]


@pytest.mark.parametrize(
    ("text", "modifier"),
    [
        ("PROCEDURE:\nRight knee injection with triamcinolone 40 mg performed.\n", "RT"),
        ("PROCEDURE:\nLeft shoulder subacromial injection performed.\n", "LT"),
        ("PROCEDURE:\nBilateral knee injections performed.\n", "50"),
        ("PROCEDURE:\nLeft middle finger tendon sheath injection performed.\n", "F2"),
    ],
)
def test_detector_laterality_modifiers(text: str, modifier: str) -> None:
    assert any(modifier in mods for _, _, mods in _lines(text))


def test_detector_lesion_counts_use_the_add_on_code() -> None:
    assert _lines("PROCEDURE:\nCryotherapy of 4 actinic keratoses with liquid nitrogen.\n") == [
        ("17000", 1, []),
        ("17003", 3, []),
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Simple repair of a 2 cm laceration of the forearm performed.", "12001"),
        ("Simple repair of a 3.5 cm laceration of the leg performed.", "12002"),
        ("Laceration of the forehead 2 cm repaired with sutures.", "12011"),
    ],
)
def test_detector_laceration_code_follows_length_and_site(text: str, code: str) -> None:
    assert [c for c, _, _ in _lines("PROCEDURE:\n" + text + "\n")] == [code]


def test_detector_psychotherapy_by_minutes_and_add_on_with_em() -> None:
    assert _lines("PROCEDURE:\nIndividual psychotherapy, 45 minutes.\n") == [("90834", 1, [])]
    assert _lines("PROCEDURE:\nAdd-on psychotherapy 35 min with medication management.\n") == [("90833", 1, [])]


def test_detector_evidence_spans_are_inside_the_note() -> None:
    text = "Ketorolac 60 mg IM given in the left deltoid."
    for service in ServiceDetector().detect(ClinicalDocument(text)):
        for ev in service.evidence:
            assert text[ev.start : ev.end] == ev.text


def test_catalogue_rejects_unknown_keys() -> None:
    payload = json.loads(
        (resources.files("models.services") / "data" / "service_catalogue_v1.json").read_text(encoding="utf-8")
    )
    payload["services"][0]["price"] = 1
    with pytest.raises(CatalogueError, match=r"SVC101 services\[0\].*unknown \['price'\]"):
        catalogue_from_dict(payload)


def test_catalogue_has_unique_keys() -> None:
    keys = [s.key for s in default_catalogue().services]
    assert len(keys) == len(set(keys))


def test_parse_hcpcs_dose_unit_reads_cms_descriptions() -> None:
    assert parse_hcpcs_dose_unit("Injection, ceftriaxone sodium, per 250 mg") == (250.0, "mg")
    assert parse_hcpcs_dose_unit("Injection, penicillin g benzathine, 100,000 units") == (100000.0, "units")
    assert parse_hcpcs_dose_unit("Injection, promethazine hcl, up to 50 mg") == (50.0, "mg")
    assert parse_hcpcs_dose_unit("Administration of influenza virus vaccine") is None


@pytest.mark.shared_data
@pytest.mark.parametrize("drug", default_catalogue().drugs, ids=lambda d: d.code)
def test_catalogue_drug_units_match_the_hcpcs_description(drug: DrugRule, cms) -> None:  # type: ignore[no-untyped-def]
    record = cms.hcpcs(drug.code)
    assert record is not None, f"{drug.code} is not in the HCPCS table"
    assert drug.hcpcs_unit.lower() in record.description.lower()
    parsed = parse_hcpcs_dose_unit(record.description)
    if drug.unit != "dose" and drug.code != "J0702":  # J0702: two 3 mg components per unit
        assert parsed == (drug.per_unit, drug.unit)


@pytest.mark.shared_data
def test_catalogue_em_needs_25_matches_global_days(cms) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    for rule in default_catalogue().services:
        if rule.kind == "procedure" and not rule.code.startswith("@"):
            fee = cms.fee(rule.code, dt.date(2024, 8, 1))
            assert fee is not None and fee.global_days in ("000", "010"), rule.code
            assert rule.em_needs_25
