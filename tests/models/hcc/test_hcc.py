"""HCC capture: MEAT evidence required, V28/V24 mapping and hierarchies via the code-set layer, RAF delta, and RAF
equality with hccinfhir's own processing of its sample records."""

from __future__ import annotations

import pytest

from datasets.codesets.hcc import HccModel
from datasets.schema import Encounter
from models.clinical.document import ClinicalDocument
from models.hcc.mapper import HccMapper
from models.hcc.meat import find_support

NOTE = (
    "HPI: Home sugars in the 180s.\n"
    "PAST MEDICAL HISTORY:\nHeart failure\nCOPD\n"
    "ASSESSMENT AND PLAN:\n"
    "1. Type 2 diabetes with diabetic polyneuropathy - stable. Monofilament decreased. Continue gabapentin 300 mg.\n"
    "2. CKD stage 3a, eGFR 52, stable. Avoid NSAIDs, recheck BMP in 3 months.\n"
    "3. Rule out pneumonia.\n"
)


def _encounter(dx: list[str], text: str = NOTE) -> Encounter:
    return Encounter(encounter_id="hcc-1", text=text, age=72, sex="F", claim={"lines": [{"code": "99214", "dx": dx}]})


def test_meat_finds_all_four_elements_with_evidence() -> None:
    doc = ClinicalDocument(NOTE)
    support = find_support(doc, "E11.42")
    assert support.supported
    assert support.elements == ("monitor", "evaluate", "assess", "treat")
    for spans in support.meat.values():
        for ev in spans:
            assert NOTE[ev.start : ev.end] == ev.text


def test_meat_problem_list_only_is_not_supported() -> None:
    assert not find_support(ClinicalDocument(NOTE), "I50.9").supported
    assert not find_support(ClinicalDocument(NOTE), "J44.9").supported


def test_meat_rule_out_is_not_supported() -> None:
    assert not find_support(ClinicalDocument(NOTE), "J18.9").supported


def test_mapper_refuses_hccs_without_meat_and_reports_them_unsupported() -> None:
    analysis = HccMapper().analyse(_encounter(["E11.42", "I50.9"]))
    assert analysis.hccs("V28") == ["HCC37"]
    statuses = {(r.hcc, r.status) for r in analysis.records["V28"]}
    assert ("HCC226", "unsupported") in statuses
    assert all(r.meat_elements for r in analysis.records["V28"] if r.status in ("captured", "gap"))


def test_mapper_gap_and_raf_delta_equal_hccinfhir_difference() -> None:
    analysis = HccMapper().analyse(_encounter(["E11.42"]), suggested=[("N18.31", 0.9)])
    gap = [r for r in analysis.records["V28"] if r.status == "gap"]
    assert [r.hcc for r in gap] == ["HCC329"]
    model = HccModel("V28", 2026)
    before = model.raf(["E11.42"], age=72, sex="F").risk_score
    after = model.raf(["E11.42", "N18.31"], age=72, sex="F").risk_score
    assert analysis.raf_delta("V28") == pytest.approx(after - before, abs=1e-4)
    assert analysis.raf_delta("V24") is not None


def test_mapper_takes_suggested_codes_of_fy2026_letter_letter_categories() -> None:
    # The suggester ranks every titled code, QA0.- included; the mapper used to reject their shape and crash the audit.
    analysis = HccMapper().analyse(_encounter(["E11.42"]), suggested=[("QA0.0131", 0.01), ("N18.31", 0.9)])
    assert [r.hcc for r in analysis.records["V28"] if r.status == "gap"] == ["HCC329"]


def test_mapper_applies_hierarchies_through_the_code_set_layer() -> None:
    text = NOTE + "4. Type 2 diabetes with hyperglycemia, A1c 8.2, worsening. Increase metformin.\n"
    analysis = HccMapper().analyse(_encounter(["E11.42", "E11.65"], text))
    statuses = {r.hcc: r.status for r in analysis.records["V28"]}
    assert statuses["HCC37"] == "captured"
    assert statuses["HCC38"] == "trumped"


def test_mapper_without_age_and_sex_skips_raf_and_says_so() -> None:
    encounter = Encounter(encounter_id="x", text=NOTE, claim={"lines": [{"code": "99214", "dx": ["E11.42"]}]})
    analysis = HccMapper().analyse(encounter)
    assert analysis.raf_delta("V28") is None
    assert any("age and sex" in note for note in analysis.notes)


def _hccinfhir_cases() -> list[tuple[str, int]]:
    return [("837", i) for i in range(13)] + [("eob", i) for i in (1, 2, 3)]


@pytest.mark.parametrize(("kind", "case"), _hccinfhir_cases(), ids=lambda v: str(v))
def test_raf_equals_hccinfhir_on_its_sample_records(kind: str, case: int) -> None:
    """hccinfhir's own pipeline (sample 837 claims / FHIR EOBs -> service data -> RAF) and our code-set layer give
    the same RAF for the diagnoses hccinfhir kept."""
    from hccinfhir import Demographics, HCCInFHIR, extract_sld, get_837_sample, get_eob_sample

    if kind == "837":
        sld = extract_sld(get_837_sample(case), format="837")
    else:
        sld = extract_sld(get_eob_sample(case), format="fhir")
    demographics = Demographics(age=72, sex="F", dual_elgbl_cd="NA", orec="0")
    theirs = HCCInFHIR(model_name="CMS-HCC Model V28").run_from_service_data(sld, demographics)
    ours = HccModel("V28", 2026).raf(sorted(theirs.diagnosis_codes), age=72, sex="F")
    assert ours.risk_score == pytest.approx(theirs.risk_score, abs=1e-3)
    assert sorted(h.removeprefix("HCC") for h in ours.hccs) == sorted(str(h) for h in theirs.hcc_list)


@pytest.mark.parametrize("age_sex", [(72, "F"), (68, "M")], ids=lambda v: f"{v[0]}{v[1]}")
def test_raf_equals_hccinfhir_on_its_200_eob_sample_list(age_sex: tuple[int, str]) -> None:
    """hccinfhir's ``run`` over its 200 sample EOBs (one patient) and our layer on the diagnoses it kept."""
    from hccinfhir import Demographics, HCCInFHIR, get_eob_sample_list

    age, sex = age_sex
    demographics = Demographics(age=age, sex=sex, dual_elgbl_cd="NA", orec="0")  # type: ignore[arg-type]
    theirs = HCCInFHIR(model_name="CMS-HCC Model V28").run(get_eob_sample_list(limit=200), demographics)
    ours = HccModel("V28", 2026).raf(sorted(theirs.diagnosis_codes), age=age, sex=sex)  # type: ignore[arg-type]
    assert theirs.hcc_list, "the sample list should carry at least one payment HCC"
    assert ours.risk_score == pytest.approx(theirs.risk_score, abs=1e-3)
