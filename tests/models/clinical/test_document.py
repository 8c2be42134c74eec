"""Section headers in the styles real notes use: upper-case dictation headers with text on the same line, headers
alone on a line with any trailing mark, and mixed-case openings only when made of header words."""

from __future__ import annotations

import pytest

from models.clinical.document import ClinicalDocument, find_sections, section_kind, unify_line_breaks
from models.em.components._lines import PLAN_SECTIONS, lines


def _kinds(text: str) -> list[str]:
    return [s.kind for s in find_sections(text)]


def test_upper_case_header_with_text_on_the_same_line_opens_its_section() -> None:
    note = "Return visit.\nPRESENTING COMPLAINT:  cough\nIMPRESSION/PLAN:  1.  Cough, simple acute illness.\n"
    doc = ClinicalDocument(note)
    assert [s.kind for s in doc.sections] == ["other", "chief_complaint", "assessment"]
    assessment = doc.sections[-1]
    assert note[assessment.body_start :].startswith("1.  Cough")


@pytest.mark.parametrize(
    "line",
    ["IMPRESSION --", "Assessment -", "ASSESSMENT:", "== Assessment ==", "**Assessment**", "<Assessment>",
     "[Assessment]", "<A/P (by problem)>"],
)  # fmt: skip
def test_header_alone_on_a_line_with_any_trailing_mark(line: str) -> None:
    assert _kinds(f"Seen today.\n{line}\n1. Cough.\n") == ["other", "assessment"]


def test_mixed_case_opening_is_a_header_only_when_made_of_header_words() -> None:
    assert _kinds("Seen today.\nProblem-based A/P: 1. Cough.\n") == ["other", "assessment"]
    assert _kinds("Seen today.\nDiagnoses: cough\nOrders: chest x-ray\n") == ["other", "assessment", "plan"]
    # terse EHR headers: abbreviations, and a qualifier in brackets after the header words
    note = "reason: cough\npmhx: asthma\ncurrent rx: albuterol\nfam hx: none\nsoc hx: never smoker\nA/P (by pb): cough"
    assert _kinds(note) == ["chief_complaint", "pmh", "medications", "family", "social", "assessment"]
    # a sentence with a colon inside a plan is not a header
    assert _kinds("ASSESSMENT:\n1. Cough.\nResult reviewed: CBC normal.\n") == ["assessment"]
    # nor is a singular item label run in before the item's words; alone on its line it heads a list
    assert _kinds("ASSESSMENT:\nProblem: cough. Course: better.\nProblem: gout, stable.\n") == ["assessment"]
    assert _kinds("Seen today.\nProblem:\ngout\n") == ["other", "pmh"]


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("SYSTEMS REVIEW", "ros"),
        ("MEDICAL PROBLEMS", "pmh"),
        ("ALLERGIES/INTOLERANCES", "allergies"),
        ("Current Outpatient Prescriptions", "medications"),
        ("MEDICAL DECISION MAKING", "assessment"),
        ("SCREENING AND PREVENTION", "preventive"),
        ("HPI/INTERVAL HISTORY", "hpi"),
        ("pmhx", "pmh"),
        ("fam hx", "family"),
        ("soc hx", "social"),
        ("reason", "chief_complaint"),
        ("Problems addressed today", "assessment"),
        ("Acute/chronic problems also managed today", "assessment"),
        ("Problem list", "pmh"),
        ("Medical hx", "pmh"),
        ("Med rec", "medications"),
        # section words of physicians' own templates
        ("Summary and management", "assessment"),
        ("Discussion", "assessment"),
        ("Management", "plan"),
        ("Why seen", "chief_complaint"),
        ("Patient account", "hpi"),
        ("Interval hx", "hpi"),
        ("Comorbidities", "pmh"),
        ("Ongoing diagnoses", "pmh"),
        ("Other chronic dx", "pmh"),
        ("Chronic diagnoses managed today", "assessment"),
        ("Home medicines", "medications"),
        ("Current therapy", "medications"),
        ("Adverse reactions", "allergies"),
        ("Habits and home", "social"),
        ("Physical findings", "exam"),
        ("Investigations", "data"),
        ("Interventions this visit", "procedure"),
        # "issues" of this visit head the assessment; qualified as carried they are the problem list
        ("Today's issues", "assessment"),
        ("Active issues", "assessment"),
        ("Problems this visit", "assessment"),
        ("Chronic issues", "pmh"),
        ("Past issues", "pmh"),
        ("Social issues", "social"),
        # health (care) maintenance, however abbreviated, is the preventive part of the assessment
        ("HCM", "preventive"),
        ("HM", "preventive"),
        ("Health care maintenance", "preventive"),
        # ED and urgent-care "MDM", dictation "Imp" and a bare "Dx" head the assessment
        ("MDM", "assessment"),
        ("Medical decision making (MDM)", "assessment"),
        ("Imp", "assessment"),
        ("Dx", "assessment"),
        ("Other chronic dx", "pmh"),
    ],
)
def test_header_vocabulary_by_keyword(header: str, kind: str) -> None:
    assert section_kind(header) == kind


def test_lines_start_after_an_inline_header() -> None:
    doc = ClinicalDocument("IMPRESSION/PLAN:  1.  Asthma, well controlled.\n2.  Cough, new.\n")
    assert [line.text for line in lines(doc, PLAN_SECTIONS)] == ["1.  Asthma, well controlled.", "2.  Cough, new."]


def test_an_upper_case_header_we_cannot_name_still_ends_the_section_above() -> None:
    doc = ClinicalDocument("ASSESSMENT:\n1. Cough.\nHOME THINGS\nlisinopril 10 mg daily\n")
    assert [line.text for line in lines(doc, PLAN_SECTIONS)] == ["1. Cough."]


def test_a_bracketed_header_we_cannot_name_still_ends_the_section_above() -> None:
    doc = ClinicalDocument("<A/P>\n1. Cough.\n<Things at home>\nlisinopril 10 mg daily\n")
    assert [line.text for line in lines(doc, PLAN_SECTIONS)] == ["1. Cough."]
    # a numbered or hashed problem under the assessment is no header
    doc = ClinicalDocument("<A/P>\n# Cough\nnew, uncomplicated.\n")
    assert [line.text for line in lines(doc, PLAN_SECTIONS)] == ["# Cough", "new, uncomplicated."]


def test_problem_list_intro_opens_a_problem_list_up_to_the_next_blank_line() -> None:
    note = "A/P:\n1. cough - new.\n\nOther chronic issues on file:\nasthma\nGERD\n\nsigned\n"
    sections = find_sections(note)
    assert [s.kind for s in sections] == ["assessment", "pmh", "assessment"]
    assert note[sections[1].start : sections[1].end] == "Other chronic issues on file:\nasthma\nGERD"
    # an intro of problems handled at this visit, and an assessment header, are not problem lists
    assert _kinds("A/P:\n1. cough.\nAdditional issues addressed at this visit:\nasthma\n") == ["assessment"]
    assert _kinds("Seen today.\nDiagnoses:\ncough\n") == ["other", "assessment"]


def test_a_run_in_header_of_assessment_words_opens_the_assessment() -> None:
    assert _kinds("Exam: lungs clear.\n\nFormulation: asthma, well controlled; continue inhaler.\n") == [
        "exam",
        "assessment",
    ]
    assert _kinds("Exam: lungs clear.\nToday's issues: cough, new.\n") == ["exam", "assessment"]
    # near miss: a sentence that opens "Words:" in words no header uses stays in its section
    assert _kinds("Exam: lungs clear.\nFormulation changed: inhaler now a spacer.\n") == ["exam"]


def test_a_list_of_todays_issues_is_the_assessment_not_a_carried_list() -> None:
    note = "Results:\nCBC normal.\n\nToday's issues:\n1. Cough, new; chest x-ray ordered.\n\nsigned\n"
    assert [s.kind for s in find_sections(note)] == ["data", "assessment"]
    # near miss: the same list qualified as carried on the chart
    note = "Results:\nCBC normal.\n\nOther issues on file:\nasthma\n\nsigned\n"
    assert [s.kind for s in find_sections(note)][-2:] == ["pmh", "data"]


def test_an_intro_that_denies_the_list_todays_work_opens_a_problem_list_whatever_its_words() -> None:
    # the intro names work done elsewhere or not done today: its list is carried, even under an assessment header
    for intro in (
        "Long-term diagnoses managed elsewhere, no action this visit:",
        "Listed on the chart, not dealt with today:",
        "Also carries the following; none reassessed at this visit:",
        "Stable, followed by cardiology:",
    ):
        note = f"Diagnoses:\n\n{intro}\nasthma\nGERD\n\nsigned\n"
        sections = find_sections(note)
        assert [s.kind for s in sections][-2:] == ["pmh", "assessment"], intro
        assert note[sections[-2].start : sections[-2].end] == f"{intro}\nasthma\nGERD"
    # near misses: an intro of work done today, and a line under a drug list that introduces drugs
    assert set(_kinds("A/P:\n1. cough.\nProblems addressed and treated today:\nasthma\n")) == {"assessment"}
    assert _kinds("Medications:\nReviewed with the patient, no changes made:\nlisinopril\n") == ["medications"]


def test_an_intro_after_a_run_in_label_still_opens_a_problem_list() -> None:
    # the assessment written first, then a section whose label we do not know runs in before the list's intro
    note = (
        "A/P:\n1. cough - new.\n\nKnown conditions: Listed on the chart, not dealt with today:\nasthma\nGERD\n\n"
        "signed\n"
    )
    sections = find_sections(note)
    assert [s.kind for s in sections] == ["assessment", "pmh", "assessment"]
    assert note[sections[1].start : sections[1].end] == "Listed on the chart, not dealt with today:\nasthma\nGERD"
    note = "A/P:\n1. cough - new.\n\nOn file: Other chronic issues on file:\nasthma\n\nsigned\n"
    assert [s.kind for s in find_sections(note)] == ["assessment", "pmh", "assessment"]
    # near miss: a run-in label before an intro of problems handled today keeps them in the assessment
    assert _kinds("A/P:\n1. cough.\nAlso: Problems addressed and treated today:\nasthma\n") == ["assessment"]


def test_a_short_upper_case_word_alone_is_a_condition_not_a_header() -> None:
    assert _kinds("ASSESSMENT:\nCOPD\nHTN\n") == ["assessment"]
    assert _kinds("HPI:\ncough\nPLAN\nrest\n") == ["hpi", "plan"]
    # a problem-oriented note's problem marks: the items under them stay in the assessment
    assert _kinds("Assessment:\n1. OSA: stable.\n# GAD\n  - controlled\nGERD:\n  - continue PPI\n") == ["assessment"]
    # near misses: a header the keywords name still opens its section; a longer unknown upper-case header ends one
    assert _kinds("Assessment:\n# GAD\n# PLAN\nrest\n") == ["assessment", "plan"]
    assert _kinds("Assessment:\n# GERD\n  - stable\n# AECOPD\n  - prednisone\n") == ["assessment"]
    assert _kinds("Assessment:\n1. cough.\n# ATTESTATION\nseen with resident\n") == ["assessment", "other"]


def test_a_run_in_header_set_off_by_a_mark_other_than_a_colon_opens_its_section() -> None:
    assert _kinds("Reason -- cough\n\nOpinion and plan -- 1. cough, new. Rest.\n") == ["chief_complaint", "plan"]
    assert _kinds("Interval history >> cough for a week.\nThoughts and plan >> (1) cough, new.\n") == ["hpi", "plan"]
    # a problem's name before the mark names no section
    assert _kinds("A/P:\nChest pain -- likely musculoskeletal.\n") == ["assessment"]


def test_a_paragraph_run_in_with_the_template_mark_is_a_section_even_unnamed() -> None:
    note = "Reason for visit >> cough\n\nThoughts and plan >> (1) cough, new.\n\nHow it began >> cough for a week.\n"
    assert _kinds(note) == ["chief_complaint", "plan", "other"]
    # a problem line inside the assessment paragraph opens no section
    note = "Reason for visit >> cough\n\nThoughts and plan >> (1) cough, new.\nChest pain >> likely musculoskeletal.\n"
    assert _kinds(note) == ["chief_complaint", "plan"]
    # one run-in header is no template
    assert _kinds("Thoughts and plan >> (1) cough, new.\n\nHow it began >> cough for a week.\n") == ["plan"]


def test_parenthesised_numbers_mark_assessment_items() -> None:
    doc = ClinicalDocument("Plan >> (1) Cough - new, simple. Rest.\n(2) Asthma - stable. Continue albuterol.\n")
    assert [line.text for line in lines(doc, PLAN_SECTIONS)] == [
        "(1) Cough - new, simple. Rest.",
        "(2) Asthma - stable. Continue albuterol.",
    ]


def test_windows_line_breaks_are_read_as_line_feeds_at_the_same_offsets() -> None:
    note = "HPI: cough.\n\nAssessment:\n1. Acute bronchitis, new. Supportive care.\n"
    windows = note.replace("\n", "\r\n")
    assert unify_line_breaks(windows) == note.replace("\n", " \n")
    doc = ClinicalDocument(windows)
    assert [(s.kind, doc.text[s.body_start : s.end].strip()) for s in doc.sections if s.body_start > s.start] == [
        ("hpi", "cough."),
        ("assessment", "1. Acute bronchitis, new. Supportive care."),
    ]
    assert unify_line_breaks("a\rb") == "a\nb"


def test_a_findings_label_inside_the_assessment_does_not_end_it() -> None:
    note = (
        "Assessment and plan:\n- COPD: good control.\nExam/data: SpO2 94 percent. Recs: keep on tiotropium.\n"
        "Vitals: BP 124/84.\n- Hypertension: stable. Continue amlodipine.\n\nExam: clear lungs.\n"
    )
    kinds = [(s.kind, note[s.start : s.end].split("\n")[0]) for s in find_sections(note)]
    assert kinds == [("assessment", "Assessment and plan:"), ("exam", "Exam: clear lungs.")]
    # a findings label that opens a paragraph, or directly under the assessment header, still opens its section
    assert [s.kind for s in find_sections("Assessment:\nVitals: BP 120/80.\n- HTN: stable.\n")] == [
        "assessment",
        "exam",
    ]


def test_a_history_that_turns_to_judging_and_deciding_holds_the_assessment_from_there() -> None:
    note = (
        "Seen for follow-up.\n\nInterval events:\nWalking a block without getting winded. No orthopnea. "
        "chronic systolic CHF: at target, no changes needed. Continue carvedilol.\n\n"
        "Exam:\nNo JVD, lungs clear.\n\nMedications:\ncarvedilol 12.5 mg twice daily\n"
    )
    doc = ClinicalDocument(note)
    assessment = [note[s.start : s.end].strip() for s in doc.sections if s.kind == "assessment"]
    assert assessment == ["chronic systolic CHF: at target, no changes needed. Continue carvedilol."]
    # the turn begins a sentence of its own, in the assessment, though no capital marks it
    assert [s.section for s in doc.sentences if s.text.startswith("chronic systolic CHF")] == ["assessment"]
    # a note whose assessment is under its header keeps its history whole
    headed = note.replace("\n\nExam:", "\n\nAssessment:\nCHF, stable. Continue carvedilol.\n\nExam:")
    assert [s.kind for s in find_sections(headed) if s.kind == "assessment"] == ["assessment"]


def test_numbered_section_headers_open_their_sections_and_numbered_problems_do_not() -> None:
    note = (
        "1) HPI: cough.\n\n2) Physical findings:\nVitals: BP 120/80.\n\n3) Discussion and plan:\n"
        "1. Asthma: stable. Continue albuterol.\n2. Depression screening\n\nIV. Home medications:\n- albuterol\n"
    )
    kinds = [(s.kind, note[s.start : s.end].split("\n")[0]) for s in find_sections(note)]
    assert kinds == [
        ("hpi", "1) HPI: cough."),
        ("exam", "2) Physical findings:"),
        ("exam", "Vitals: BP 120/80."),
        ("assessment", "3) Discussion and plan:"),
        ("medications", "IV. Home medications:"),
    ]


def test_a_run_in_header_closed_by_a_full_stop_before_the_dash_opens_its_section() -> None:
    # the dictation and journal style: "History.\u2014 ...", "Impression. -- ..."
    note = "History.\u2014 cough for a week.\n\nImpression. -- 1) cough, new. Rest.\n"
    assert _kinds(note) == ["hpi", "assessment"]


def test_a_letter_without_headers_is_read_by_the_phrases_its_paragraphs_open_with() -> None:
    note = (
        "Dear Dr. Alvarez,\n\nMany thanks for sending this gentleman to the clinic.\n\n"
        "His story begins in March, when he noticed ankle swelling.\n\n"
        "By way of background, he had a myocardial infarction in 2019.\n\n"
        "On examination, the pulse was irregular and there was pitting oedema to the shins.\n\n"
        "His medications include furosemide 40 mg and apixaban 5 mg twice daily.\n\n"
        "In summary, his heart failure has worsened and I have increased the furosemide to 80 mg.\n"
    )
    assert _kinds(note) == ["other", "other", "hpi", "pmh", "exam", "medications", "assessment"]
    doc = ClinicalDocument(note)
    exam = next(s for s in doc.sections if s.kind == "exam")
    assert note[exam.body_start :].startswith("the pulse was irregular")


def test_opening_phrases_do_not_divide_a_note_that_has_headers() -> None:
    note = (
        "HPI: ankle swelling since March.\n\nLabs reviewed, creatinine 1.4.\n\n"
        "Assessment: heart failure, worse. Increase furosemide.\n"
    )
    assert _kinds(note) == ["hpi", "assessment"]
