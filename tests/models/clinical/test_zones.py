"""Assessment zones of notes without an assessment header: a paragraph that judges a problem and decides."""

from __future__ import annotations

from models.clinical.document import ClinicalDocument, find_sections
from models.clinical.zones import paragraphs, reads_as_assessment
from models.em.components._lines import PLAN_SECTIONS, lines


def test_a_judgement_followed_by_a_decision_reads_as_an_assessment() -> None:
    assert reads_as_assessment("the heart failure is quiet and controlled; ef 35 percent. so, increase carvedilol.")
    # the decision may come two sentences after the judgement, past the findings
    assert reads_as_assessment("i would call this a simple problem. tm bulging. we agreed to amoxicillin for 10 days.")


def test_history_findings_and_lists_do_not_read_as_assessments() -> None:
    assert not reads_as_assessment("weights stable at home. no orthopnea.")  # judges, decides nothing
    assert not reads_as_assessment("losartan 50 mg daily\nmetformin 500 mg twice daily")  # a list, judges nothing
    assert not reads_as_assessment("today i set up an echocardiogram.")  # decides, judges nothing


def test_paragraphs_are_the_spans_between_blank_lines() -> None:
    text = "one.\n\n\n  two\nthree  \n\nfour"
    assert [text[a:b] for a, b in paragraphs(text)] == ["one.", "two\nthree", "four"]


def test_a_note_without_an_assessment_header_takes_its_assessment_from_the_paragraph_that_judges_and_decides() -> None:
    note = (
        "Saw my patient back today.\n\nVitals: BP 150/90. Lungs clear.\n\n"
        "The hypertension is above goal and creeping up. My plan is to increase lisinopril to 20 mg.\n\n"
        "lisinopril 10 mg daily\n"
    )
    doc = ClinicalDocument(note)
    assert [line.text for line in lines(doc, PLAN_SECTIONS)] == [
        "The hypertension is above goal and creeping up. My plan is to increase lisinopril to 20 mg."
    ]
    # the paragraph after it keeps the section it stood in
    assert doc.sentences[-1].section == "exam"


def test_a_note_with_an_assessment_header_is_not_zoned_by_content() -> None:
    note = "HPI: cough.\n\nThe asthma is stable. Continue albuterol.\n\nA/P:\n1. cough - new.\n"
    assert [s.kind for s in find_sections(note)] == ["hpi", "assessment"]


def test_a_list_said_to_be_kept_on_the_chart_is_a_problem_list_whatever_it_is_called() -> None:
    note = "Plan: rest.\n\nLongstanding diagnoses on file:\nasthma\nGERD\n\nsigned\n"
    assert [s.kind for s in find_sections(note)] == ["plan", "pmh", "plan"]


def test_a_note_in_one_block_is_not_zoned_by_content() -> None:
    # a transcription flattened to one block: no unit smaller than the note could be its assessment
    note = "The patient denies chest pain. The asthma is stable, continue albuterol. Lisinopril 10 mg daily."
    assert [s.kind for s in find_sections(note)] == ["other"]


def test_a_plan_header_over_no_assessment_does_not_stop_zoning() -> None:
    note = (
        "Seen today.\n\nThe asthma is worse despite treatment. We will start budesonide.\n\nPlan: return in 2 weeks.\n"
    )
    doc = ClinicalDocument(note)
    assert [s.section for s in doc.sentences] == ["other", "assessment", "assessment", "plan"]


def test_a_problem_graded_by_a_copula_and_a_renewed_drug_read_as_an_assessment() -> None:
    assert reads_as_assessment("the crohn's ileitis is where we want it; calprotectin normal. so, adalimumab renewed.")
    # a therapy under way in the history, or advice already followed, decides nothing
    assert not reads_as_assessment("about the psoriasis, controlled, plaques clear with the topical.")
    assert not reads_as_assessment("the kidney disease story: avoiding nsaids as advised.")


def test_a_plan_without_a_verb_of_treatment_still_decides() -> None:
    assert reads_as_assessment("as for the af, it is where we want it. so, surveillance echo lined up.")
    assert reads_as_assessment("the trigger finger is new. so, night splinting discussed.")


def test_a_dose_kept_or_changed_and_a_test_requested_decide() -> None:
    assert reads_as_assessment("essential hypertension. good control. maintain on losartan 50 mg daily; bmp requested.")
    assert reads_as_assessment("diabetic polyneuropathy - settled; raise the dose of gabapentin to 300 mg twice daily.")
    assert reads_as_assessment("t2dm: stable on home regimen. cont metformin.")
    assert reads_as_assessment("vaginal yeast infection -- uncomplicated. fluconazole 150 mg by mouth once.")
    # near misses: the same words told as history, without a judgement or without a decision
    assert not reads_as_assessment("bp readings at home 130s. maintains a low-salt diet.")
    assert not reads_as_assessment("good control of her sugars at home per log.")


def test_a_judgement_after_the_decision_reads_as_an_assessment() -> None:
    # an item that names the problem, decides, and grades it last
    assert reads_as_assessment("1. pink eye: drops four times daily for 7 days. cornea clear; a simple new problem.")
    assert reads_as_assessment("crohn's ileitis. calprotectin normal. carry on with adalimumab. overall settled.")
    assert reads_as_assessment("#pcos, where we want it, nothing to change >> stick with metformin")
    # a history that grades a problem without a decision around it stays history
    assert not reads_as_assessment("sugars stable. no lows. taking metformin with meals.")
