"""The HCC condition finder on assessment items in other words: item markers, status words after a comma, a
manifestation after the status, and DSM-5 severity wording."""

from __future__ import annotations

from functools import lru_cache

import pytest

from models.clinical.document import ClinicalDocument
from models.em.components._lines import strip_bullet
from models.hcc.conditions import HccConditionFinder
from models.hcc.mapper import HccMapper
from models.hcc.meat import find_support

TITLES = [
    ("E11.65", "Type 2 diabetes mellitus with hyperglycemia"),
    ("E11.69", "Type 2 diabetes mellitus with other specified complication"),
    ("E11.8", "Type 2 diabetes mellitus with unspecified complications"),
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("E11.22", "Type 2 diabetes mellitus with diabetic chronic kidney disease"),
    ("N18.31", "Chronic kidney disease, stage 3a"),
    ("F33.1", "Major depressive disorder, recurrent, moderate"),
    ("J44.89", "Other specified chronic obstructive pulmonary disease"),
    ("J44.9", "Chronic obstructive pulmonary disease, unspecified"),
    ("F10.10", "Alcohol abuse, uncomplicated"),
    ("F10.20", "Alcohol dependence, uncomplicated"),
    ("B18.2", "Chronic viral hepatitis C"),
]


@lru_cache(maxsize=1)
def _finder() -> HccConditionFinder:
    return HccConditionFinder(TITLES, HccMapper().models.values())


def _codes(item: str) -> list[str]:
    return [m.icd10cm for m in _finder().find(ClinicalDocument(f"IMPRESSION/PLAN:  {item}\n"))]


@pytest.mark.parametrize(
    ("line", "body"),
    [
        ("#1 chronic hep C.", "chronic hep C."),
        ("Problem 2:  COPD, stable.", "COPD, stable."),
        ("Dx: COPD.", "COPD."),
        ("3) COPD", "COPD"),
        ("Problem list:", "Problem list:"),
        # a bullet before the item's number or label
        ("- 3. PAF on warfarin - chronic, stable.", "PAF on warfarin - chronic, stable."),
        ("* Problem 2 - bipolar 2 disorder. Status: controlled.", "bipolar 2 disorder. Status: controlled."),
        ("- 3 cm abscess", "3 cm abscess"),
    ],
)
def test_item_markers_are_stripped(line: str, body: str) -> None:
    assert strip_bullet(line) == body


def test_status_after_a_comma_or_in_a_relative_clause_is_not_part_of_the_name() -> None:
    assert _codes("1.  alcohol use disorder, moderate, worsening despite treatment.  start naltrexone.") == ["F10.20"]
    assert _codes("Problem 1:  chronic hepatitis C, which is uncontrolled.  start sofosbuvir-velpatasvir.") == ["B18.2"]


def test_a_name_after_a_status_label_is_read() -> None:
    # status first, then the name after a colon ("stable, no changes: ..."); a name before its colon is read as before
    assert _codes("> worse, no changes yet: major depressive disorder, recurrent, moderate. Add SSRI.") == ["F33.1"]
    assert _codes("1.  chronic hepatitis C: start sofosbuvir-velpatasvir.") == ["B18.2"]


def test_a_manifestation_after_the_status_stays_in_the_name() -> None:
    note = "IMPRESSION/PLAN:  1.  T2DM, uncontrolled with hyperglycemia.  A1c 9.2.  start empagliflozin.\n"
    (match,) = _finder().find(ClinicalDocument(note))
    assert match.icd10cm == "E11.65"
    assert (
        note[match.evidence.start : match.evidence.end]
        == match.evidence.text
        == "T2DM, uncontrolled with hyperglycemia"
    )


def test_dsm5_severity_maps_to_abuse_or_dependence() -> None:
    assert _finder().match_all("alcohol use disorder, severe")[0][0] == "F10.20"
    # mild is abuse (F10.10, no HCC in V28/V24 uncomplicated): never read as dependence
    assert "F10.20" not in [code for code, _, _ in _finder().match_all("alcohol use disorder, mild")]


def test_meat_mention_by_abbreviation() -> None:
    doc = ClinicalDocument("IMPRESSION/PLAN:  #1 chronic hep C.  Assessment: not at goal.  Plan: start sofosbuvir.\n")
    assert find_support(doc, "B18.2").supported


def test_diabetes_out_of_control_is_hyperglycemia_but_not_for_other_conditions() -> None:
    assert _codes("1.  T2DM on basal insulin, above goal, which is worsening.  add lispro.") == ["E11.65"]
    assert [c for c, _, _ in _finder().match_all("hypertension, poorly controlled")] == []


def test_diabetes_of_unstated_type_is_type_2_and_combines_with_ckd() -> None:
    assert sorted(c for c, _, _ in _finder().match_all("diabetic chronic kidney disease stage 3a")) == [
        "E11.22",
        "N18.31",
    ]


def test_a_bare_condition_takes_the_code_without_other_or_unspecified_complications() -> None:
    assert _finder().match_all("T2DM")[0][0] == "E11.9"
    assert _finder().match_all("COPD")[0][0] == "J44.9"


def test_depression_and_severity_wording() -> None:
    assert _finder().match_all("recurrent major depression of moderate severity")[0][0] == "F33.1"


OTHER_NAMES = {
    "J44.9": ["Chronic obstructive lung disease NOS"],
    "F10.20": ["Alcohol use disorder, moderate"],
    "K50.00": ["Crohn's disease [regional enteritis] of ileum"],
    "M86.9": ["Infection of bone NOS"],
}


@lru_cache(maxsize=1)
def _named_finder() -> HccConditionFinder:
    titles = [
        *TITLES,
        ("F20.9", "Schizophrenia, unspecified"),
        ("F20.81", "Schizophreniform disorder"),
        ("K50.00", "Crohn's disease of small intestine without complications"),
        ("M86.9", "Osteomyelitis, unspecified"),
        ("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),
    ]
    return HccConditionFinder(
        titles, HccMapper().models.values(), other_names=lambda c: [(c, t) for t in OTHER_NAMES.get(c, [])]
    )


def _named(item: str) -> list[str]:
    return [m.icd10cm for m in _named_finder().find(ClinicalDocument(f"IMPRESSION/PLAN:  {item}\n"))]


@pytest.mark.parametrize(
    ("item", "codes"),
    [
        # the classification's inclusion terms name the condition in other words
        ("1. chronic obstructive lung disease, stable.", ["J44.9"]),
        ("1. moderate alcohol use disorder -- worse; naltrexone.", ["F10.20"]),  # DSM-5 severity before the name
        ("1. Crohn's disease of the ileum, uncomplicated.", ["K50.00"]),
        # an adjective is the noun's condition ("schizophrenic", not "schizophreniform")
        ("1. schizophrenic illness, on clozapine (stable).", ["F20.9"]),
        # a double dash ends the name as a single one does
        ("1. DM2 complicated by CKD stage 3a -- steady on present regimen; A1c 6.9.", ["N18.31", "E11.22"]),
        ("1. obesity, class three -- diet counselling.", []),  # E66.813 is not among these titles
        # words left over by the first match are read against titles only: "infection" is not "Infection of bone"
        ("1. hepatitis C, chronic infection -- refer for treatment.", ["B18.2"]),
        # a cancer named as what a screening test looks for
        ("Ordered: low-dose CT lung cancer screening.", []),
    ],
)
def test_other_names_word_forms_and_item_ends(item: str, codes: list[str]) -> None:
    assert _named(item) == codes


def _plainly_named(finder: HccConditionFinder, item: str) -> list[tuple[str, str]]:
    note = f"IMPRESSION/PLAN:  {item}\n"
    return [
        (m.icd10cm, note[m.evidence.start : m.evidence.end]) for m in finder.find(ClinicalDocument(note)) if m.named
    ]


@pytest.mark.parametrize(
    ("item", "named"),
    [
        # shorthand the audit's term table knows (models/audit/data/clinical_terms_v1.csv), in the note's own case
        ("1.  T2D with diabetic CKD, well controlled.  continue metformin.", [("E11.22", "T2D with diabetic CKD")]),
        ("#2 BPAD type 2, euthymic.  continue lithium.", [("F31.81", "BPAD type 2")]),
        ("2.  NSTEMI - troponin trending down.  heparin drip.", [("I21.4", "NSTEMI")]),
        # a drug after "on" weighs nothing in the coverage: the reading without it names the condition plainly
        (
            "Problem 1:  paroxysmal atrial fib on Coumadin, INR 2.4.  continue warfarin.",
            [("I48.0", "paroxysmal atrial fib")],
        ),
    ],
)
def test_shorthand_and_treatments_leave_the_condition_plainly_named(
    finder: HccConditionFinder, item: str, named: list[tuple[str, str]]
) -> None:
    assert _plainly_named(finder, item) == named


def test_british_spellings_and_adjectives_read_as_title_words(finder: HccConditionFinder) -> None:
    words = finder._item_words("obese, behavioural disturbance, generalised")
    assert {"obesity", "behavioral", "generalized"} <= words
    # a word the titles have stays as written
    assert "hypertensive" in finder._item_words("hypertensive heart disease")


def test_a_kidney_stage_linked_to_diabetes_by_secondary_to_gives_both_codes(finder: HccConditionFinder) -> None:
    note = "IMPRESSION/PLAN:  1.  chronic kidney disease 3a secondary to T2DM - eGFR 51, stable.\n"
    codes = [m.icd10cm for m in finder.find(ClinicalDocument(note))]
    # "secondary to" is a link, not secondary diabetes; the stage keeps its own code beside the combination code
    assert codes == ["E11.22", "N18.31"]


@pytest.mark.parametrize(
    ("item", "named"),
    [
        # a value, a lay or status word, or a drug that no comma sets off ends the name: the condition is still
        # plainly named
        (
            "1. DKD stage 3a eGFR 52, stable. Continue empagliflozin.",
            [("E11.22", "DKD stage 3a"), ("N18.31", "DKD stage 3a")],
        ),
        ("2. COPD mostly controlled on tiotropium. Refill inhaler.", [("J44.9", "COPD")]),
        ("7. rheumatoid arthritis flaring lately, continue methotrexate.", [("M06.9", "rheumatoid arthritis")]),
        (
            "Problem 1:  MDD, recurrent, moderate PHQ-9 14, continue sertraline.",
            [("F33.1", "MDD, recurrent, moderate")],
        ),
    ],
)
def test_words_after_the_name_that_no_title_has_leave_it_plainly_named(
    finder: HccConditionFinder, item: str, named: list[tuple[str, str]]
) -> None:
    assert _plainly_named(finder, item) == named


def test_a_cut_name_never_changes_the_code_or_names_what_the_item_does_not() -> None:
    # the cut reading only makes the whole item's own reading plain: the sentence that reads "still" as Still's
    # disease stays a suggestion at most
    doc = ClinicalDocument(
        "ASSESSMENT AND PLAN:\nthyroid nodule: I would call this still unexplained, could go either way.\n"
    )
    finder = _finder()
    assert not any(m.named for m in finder.find(doc))


def test_one_word_before_words_no_title_has_names_nothing(finder: HccConditionFinder) -> None:
    # "still" alone, as Still's disease, is an ordinary word before a remark
    item = "Problem: solitary thyroid nodule. Course: still a puzzle; where this is heading is hard to say."
    assert "M08.28" not in [code for code, _ in _plainly_named(finder, item)]
