"""Each MDM element extractor on small handwritten notes: what counts, with evidence, and what does not."""

from __future__ import annotations

from models.clinical.document import ClinicalDocument
from models.em.pipeline import REGISTRY, run_pipeline


def _labels(text: str, kind: str, context: dict[str, object] | None = None) -> list[str]:
    return [m.label for m in run_pipeline(text, context).of(kind)]


def test_problems_status_from_assessment_items() -> None:
    note = (
        "ASSESSMENT AND PLAN:\n"
        "1. Hypertension - stable on lisinopril. Continue lisinopril 20 mg.\n"
        "2. Type 2 diabetes - worsening, A1c 9.1. Increase metformin.\n"
        "3. New breast lump, diagnosis uncertain. Mammogram ordered.\n"
        "4. Pyelonephritis with fever and systemic symptoms.\n"
        "5. Chest pain concerning for acute coronary syndrome.\n"
        "6. Common cold, self-limited.\n"
    )
    assert _labels(note, "problem") == [
        "chronic_stable",
        "chronic_progression",
        "undiagnosed_uncertain",
        "acute_systemic",
        "threat_to_life",
        "self_limited",
    ]


def test_problems_ignore_problem_list_and_rule_out_lines() -> None:
    note = (
        "PAST MEDICAL HISTORY:\nHeart failure\nCOPD\n"
        "ASSESSMENT AND PLAN:\n1. Ankle sprain, acute uncomplicated. Ice and elevation.\nRule out fracture.\n"
    )
    assert _labels(note, "problem") == ["acute_uncomplicated"]


def test_problems_without_status_words_use_chronicity_and_plan_change() -> None:
    note = "ASSESSMENT AND PLAN:\n1. Hyperlipidemia. Increase atorvastatin to 40 mg.\n2. GERD. Continue omeprazole.\n"
    assert _labels(note, "problem") == ["chronic_progression", "chronic_stable"]


def test_problem_mention_has_evidence_span_inside_the_note() -> None:
    note = "A/P:\n1. Asthma - stable.\n"
    doc = run_pipeline(note)
    (problem,) = doc.of("problem")
    assert note[problem.evidence.start : problem.evidence.end] == problem.evidence.text
    assert "Asthma" in problem.evidence.text


def test_data_counts_each_unique_test_ordered_once() -> None:
    note = (
        "ASSESSMENT AND PLAN:\n1. Fatigue, new, uncertain.\nOrdered: CBC, TSH and basic metabolic panel.\n"
        "BMP ordered.\n"
    )
    assert _labels(note, "data") == ["test_ordered", "test_ordered", "test_ordered"]


def test_data_results_reviewed_and_external_notes() -> None:
    note = (
        "DATA REVIEWED:\nReviewed lipid panel from the outside lab: LDL 130.\n"
        "Reviewed external records from the urgent care clinic.\n"
    )
    assert sorted(_labels(note, "data")) == ["external_note", "test_result"]


def test_data_historian_interpretation_and_discussion() -> None:
    note = (
        "HPI: History obtained from the daughter because the patient has dementia.\n"
        "DATA REVIEWED:\nI independently reviewed the chest x-ray images: no infiltrate.\n"
        "ASSESSMENT AND PLAN:\n1. Cough, acute uncomplicated.\nDiscussed management with the patient's cardiologist.\n"
    )
    assert sorted(_labels(note, "data")) == [
        "external_discussion",
        "independent_historian",
        "independent_interpretation",
    ]


def test_data_ecg_we_bill_is_not_counted_again() -> None:
    note = "PROCEDURE:\n12-lead ECG obtained in clinic and interpreted by me: sinus rhythm.\n"
    assert "independent_interpretation" not in _labels(note, "data")
    assert [m.attrs["code"] for m in run_pipeline(note).of("service")] == ["93000"]


def test_risk_prescription_management_only_from_the_plan() -> None:
    note = "MEDICATIONS:\nlisinopril 20 mg daily\nASSESSMENT AND PLAN:\n1. Back strain, acute. Ibuprofen OTC.\n"
    assert _labels(note, "risk") == ["otc_drug"]
    note2 = "ASSESSMENT AND PLAN:\n1. Hypertension, stable. Continue lisinopril 20 mg daily, refills sent.\n"
    assert _labels(note2, "risk") == ["rx_drug"]


def test_risk_hypothetical_admission_is_not_a_decision() -> None:
    note = "ASSESSMENT AND PLAN:\n1. Viral syndrome. Fluids and rest. Go to the ED if you cannot keep fluids down.\n"
    assert "hospitalization" not in _labels(note, "risk")
    note2 = "ASSESSMENT AND PLAN:\n1. Pneumonia with hypoxia. Direct admission to the hospital arranged.\n"
    assert "hospitalization" in _labels(note2, "risk")


def test_risk_social_determinants_limiting_care() -> None:
    note = "ASSESSMENT AND PLAN:\n1. Diabetes, stable.\nNo reliable transportation to lab draws limits the plan.\n"
    assert "sdoh" in _labels(note, "risk")


def test_time_total_minutes_and_exclusions() -> None:
    doc = run_pipeline("Total time spent on the date of the encounter: 42 minutes.\n")
    assert [m.attrs["minutes"] for m in doc.of("time")] == [42]
    assert run_pipeline("Advance care planning discussed for 20 minutes.\n").of("time") == []


def test_visit_cues_for_wellness_and_telehealth() -> None:
    labels = _labels("Subsequent Medicare annual wellness visit. Video visit with the patient at home.\n", "visit")
    assert "awv_subsequent" in labels
    assert "telehealth_video" in labels


def test_pipeline_registry_names_are_versioned() -> None:
    assert all(name.endswith(".v1") for name in REGISTRY)
    assert isinstance(run_pipeline("x"), ClinicalDocument)
