"""HCC capture from how a condition is written and laid out: where its name ends (a qualifying parenthesis, "on"
a treatment, a bracketed remark, the verb of a sentence), a sentence leading into it, abbreviations and index
cross-references, and MEAT written under an item head or named by a drug or a status only."""

from __future__ import annotations

import pytest

from models.clinical.document import ClinicalDocument, Evidence
from models.hcc.conditions import HccConditionFinder, as_suggestions
from models.hcc.meat import find_support


def _codes(finder: HccConditionFinder, item: str) -> list[str]:
    return [m.icd10cm for m in finder.find(ClinicalDocument(f"ASSESSMENT AND PLAN:\n{item}\n"))]


@pytest.mark.parametrize(
    ("item", "code"),
    [
        # a parenthesis that qualifies the name is read with it; one that reports a finding is left out
        ("1. chronic kidney disease (stage 3a), stable. Continue losartan.", "N18.31"),
        ("2. HFrEF (EF 30%), chronic, compensated. Continue carvedilol.", "I50.22"),
        # KDIGO category, Roman numeral with its letter, "renal insufficiency" (ICD-10-CM index)
        ("1. CKD G3a, stable.", "N18.31"),
        ("1. CKD IIIa, stable.", "N18.31"),
        ("1. chronic renal insufficiency, stage 3a, stable.", "N18.31"),
        # an item number the bullet reader leaves ("1/") is no stage
        ("1/ CKD stage 3a: controlled, same regimen.", "N18.31"),
        ("1] type 2 diabetes w/ diabetic CKD stage 3a -- steady. Refill metformin.", "N18.31"),
        # a letter or roman numeral closed by a full stop, or a nested number, leads the item: it is not the name
        ("a. CKD stage 3a - stable. Continue losartan.", "N18.31"),
        ("I. paroxysmal AF, at goal. Continue apixaban.", "I48.0"),
        ("ii) paroxysmal AF - at goal; apixaban.", "I48.0"),
        ("2.1 CKD stage 3a: stable", "N18.31"),
        # acuity: "acute on chronic", and chronic failure decompensated or exacerbated
        ("1. acute on chronic systolic CHF, worse. Admit.", "I50.23"),
        ("1. decompensated HFrEF - chronic with a significant exacerbation.", "I50.23"),
        # "X on Y": Y is the treatment
        ("1. opioid dependence on maintenance therapy -- well controlled.", "F11.20"),
        # ICD-10-CM index cross-references and abbreviations
        ("1. alcoholism, worsening. Start naltrexone.", "F10.20"),
        ("1. EtOH dependence, worsening. Start naltrexone.", "F10.20"),
        ("1. opioid addiction, stable on buprenorphine.", "F11.20"),
        # a stage written against its abbreviation, "d/o" for disorder
        ("1. CKD3b, stable. Continue losartan.", "N18.32"),
        ("1. EtOH use d/o, moderate - counseled, start naltrexone.", "F10.20"),
        # "complicated by" links a manifestation as "with" does
        ("1/ DM type 2 complicated by chronic kidney disease, stage 3A -- well controlled.", "N18.31"),
        ("1/ DM type 2 complicated by chronic kidney disease, stage 3A -- well controlled.", "E11.22"),
        ("1. paroxysmal atrial fib, on warfarin -- steady.", "I48.0"),
        # a bracketed remark ends the name
        ("(2) AECOPD [not controlled, moving the wrong way] wheezes. Prednisone 40 mg daily.", "J44.1"),
        # a sentence leading into the name, and the verb after it
        ("As for the chronic HCV, it is slipping further from goal; start sofosbuvir-velpatasvir.", "B18.2"),
        ("The alcohol use disorder, moderate is slipping further from goal; start naltrexone.", "F10.20"),
        # a lead-in phrase without the article, though titles use its word ("Counseling regarding ...")
        ("Regarding schizophrenia, stable on clozapine: well controlled. Continue clozapine.", "F20.9"),
        ("Re: chronic HCV: slipping from goal. Start sofosbuvir-velpatasvir.", "B18.2"),
        # severity and course shorthand of a problem list
        ("1. MDD, recurrent, mod severity - add bupropion.", "F33.1"),
        ("1. COPD exac - prednisone burst.", "J44.1"),
        # an arrow ends the name as a dash does
        ("MDD, recurrent, moderate >> uncontrolled, trending the wrong way. Add bupropion.", "F33.1"),
        ("MDD, recurrent, moderate -> uncontrolled, trending the wrong way. Add bupropion.", "F33.1"),
    ],
)
def test_the_condition_is_read_however_its_name_is_written(finder: HccConditionFinder, item: str, code: str) -> None:
    assert code in _codes(finder, item)


def test_a_condition_named_as_a_differential_is_not_documented(finder: HccConditionFinder) -> None:
    item = "1. pulmonary nodule, RUL: repeat chest CT ordered; PET if growth   ddx: lung cancer"
    assert "C34.90" not in _codes(finder, item)
    assert "C34.90" in _codes(finder, "1. lung cancer: repeat chest CT ordered; PET if growth")


def test_a_lead_in_is_only_read_past_when_its_words_name_nothing(finder: HccConditionFinder) -> None:
    # "irritated skin tags of the neck" is not "neck" (as a neck fracture)
    assert _codes(finder, "Problem 2:  irritated skin tags of the neck, which is benign.  wound care.") == []


def test_a_reading_with_words_the_classification_does_not_know_names_no_mention(finder: HccConditionFinder) -> None:
    doc = ClinicalDocument(
        "ASSESSMENT AND PLAN:\nthyroid nodule: I would call this still unexplained, could go either way.\n"
    )
    _, named = as_suggestions(finder.find(doc))
    assert named == {}  # "still" alone reads as Still's disease: a suggestion at most, never a mention
    plain = ClinicalDocument("ASSESSMENT AND PLAN:\n1. DKD stage 3a, stable. Continue empagliflozin.\n")
    _, named = as_suggestions(finder.find(plain))
    assert "E11.22" in named


def test_meat_written_under_an_item_head_is_the_items() -> None:
    note = (
        "Assessment/Plan:\n"
        "# T2DM w/ peripheral polyneuropathy\n"
        "- stable, at goal; no foot ulcers\n"
        "- continue gabapentin 300 mg at bedtime; daily foot checks\n"
        "# COPD, on the problem list\n"
        "2/ HFrEF, chronic: weights reviewed.\n"
    )
    doc = ClinicalDocument(note)
    support = find_support(doc, "E11.42")
    assert support.supported
    assert any(note.index("continue") == e.start for e in support.meat["treat"])
    # the next head of the same kind ends the block, a number ends the next: COPD is only listed
    assert not find_support(doc, "J44.9").supported


def test_in_a_note_with_a_blank_line_after_every_line_the_lines_under_a_head_are_still_its() -> None:
    note = (
        "Assessment/Plan:\n\n"
        "# PAF, anticoagulated\n\n"
        "- controlled, same regimen; regular rhythm today\n\n"
        "- continue apixaban 5 mg twice daily\n\n"
        "# COPD\n\n\n\n"
        "- stable, continue tiotropium\n"
    )
    assert find_support(ClinicalDocument(note), "I48.0").supported
    # two blank lines still end the item
    assert not find_support(ClinicalDocument(note), "J44.9").supported


def test_unmarked_lines_under_a_numbered_head_belong_to_it_up_to_the_next_number() -> None:
    note = (
        "ASSESSMENT AND PLAN:\n"
        "Dx 1) paroxysmal atrial fibrillation on warfarin\n"
        "no change, at target. INR 2.4 today.\n"
        "warfarin dose kept; INR in 4 weeks.\n"
        "Dx 2) COPD\n"
    )
    doc = ClinicalDocument(note)
    assert find_support(doc, "I48.0").supported
    assert not find_support(doc, "J44.9").supported


def test_a_status_or_a_drug_alone_is_meat() -> None:
    note = (
        "ASSESSMENT AND PLAN:\n"
        "With regard to the ileal Crohn's, in remission: two formed stools a day; persist with adalimumab.\n"
    )
    support = find_support(ClinicalDocument(note), "K50.00")
    assert support.supported
    assert {"monitor", "treat"} <= set(support.elements)


def test_the_treatment_a_condition_is_named_with_is_not_meat() -> None:
    # "on clozapine" says what the patient takes, as a problem list would; nothing shows this visit treated it
    for item in ("schizophrenia on clozapine", "opioid use disorder, severe, on buprenorphine"):
        note = f"ASSESSMENT AND PLAN:\n1. acute otitis media, left: amoxicillin for 10 days.\n2. {item}\n"
        code = "F20.9" if "schizophrenia" in item else "F11.20"
        assert not find_support(ClinicalDocument(note), code).supported, item
    # near misses: a status between name and treatment is the visit's judgement; a drug in the item's plan treats it
    note = "ASSESSMENT AND PLAN:\n1. schizophrenia, stable on clozapine. No side effects reported.\n"
    assert "monitor" in find_support(ClinicalDocument(note), "F20.9").elements
    note = "ASSESSMENT AND PLAN:\n1. schizophrenia on clozapine; tolerating well, continue clozapine 300 mg nightly\n"
    assert "treat" in find_support(ClinicalDocument(note), "F20.9").elements


def test_a_name_the_term_table_lacks_is_a_mention_where_the_finder_read_it() -> None:
    note = "ASSESSMENT AND PLAN:\n1. regional enteritis, quiescent. Continue adalimumab.\n"
    doc = ClinicalDocument(note)
    assert not find_support(doc, "K50.90").supported  # the term table knows Crohn's by "crohn" only
    start = note.index("regional")
    named = [Evidence(start, start + len("regional enteritis"), "regional enteritis")]
    assert find_support(doc, "K50.90", named=named).supported


def test_a_stage_written_against_its_abbreviation_is_a_mention() -> None:
    note = "ASSESSMENT AND PLAN:\n1. CKD3b, stable. Continue losartan.\n"
    assert find_support(ClinicalDocument(note), "N18.32").supported


def test_a_carried_list_entry_in_the_assessment_is_no_meat() -> None:
    # a problem list and a drug list run on below the assessment under words the section reader does not know: each
    # entry names a condition with the words it is carried with, or a drug with its dose
    note = (
        "ASSESSMENT AND PLAN:\n"
        "1. acute otitis media, left: amoxicillin for 10 days.\n"
        "Longstanding, kept as they are:\n"
        "PAF, anticoagulated\n"
        "terminal ileal Crohn's, in remission\n"
        "schizophrenia, stable on clozapine\n"
        "Takes:\n"
        "buprenorphine 8 mg with naloxone 2 mg film twice daily\n"
    )
    doc = ClinicalDocument(note)
    for code in ("I48.0", "K50.00", "F20.9", "F11.20"):
        assert not find_support(doc, code).supported, code
    # near misses: an item with an action on it, a sentence of its own, or lines under its head is assessed
    for item in (
        "PAF, anticoagulated - continue apixaban",
        "terminal ileal Crohn's, in remission. Two formed stools a day.",
        "PAF, anticoagulated:\n- INR 2.4, at target",
        "PAF: anticoagulated",
    ):
        code = "K50.00" if "Crohn" in item else "I48.0"
        assert find_support(ClinicalDocument(f"ASSESSMENT AND PLAN:\n# {item}\n"), code).supported, item
    # an item labelled as a problem of the assessment, its status on the lines below
    note = "ASSESSMENT AND PLAN:\n> Problem: T2DM, uncontrolled with hyperglycemia\n  Status: worse since last visit\n"
    assert find_support(ClinicalDocument(note), "E11.65").supported
