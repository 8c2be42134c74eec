"""The HCC condition finder reads names as the ICD-10-CM conventions write them: words in a title's parentheses are
nonessential modifiers, a parenthesis inside an item's name is a remark the name goes on after, and the treatment
a condition is under is not part of its name."""

from __future__ import annotations

import pytest

from models.clinical.document import ClinicalDocument
from models.hcc.conditions import ConditionMatch, HccConditionFinder, _readings


def _found(finder: HccConditionFinder, item: str) -> list[ConditionMatch]:
    return finder.find(ClinicalDocument(f"ASSESSMENT AND PLAN:\n1. {item}\n"))


@pytest.mark.parametrize("item", ["chronic systolic heart failure", "chronic systolic congestive heart failure"])
def test_a_nonessential_modifier_may_be_stated_or_not(finder: HccConditionFinder, item: str) -> None:
    # I50.22 "Chronic systolic (congestive) heart failure": "congestive" explains the item's word where stated
    found = finder.match_text(item)
    assert found is not None and found[0] == "I50.22" and found[2] == 1.0


def test_a_lookalike_that_leaves_an_essential_word_unstated_is_not_named(finder: HccConditionFinder) -> None:
    # I27.0 "Primary pulmonary hypertension" is the closest HCC title, but "pulmonary" is not stated: the match
    # needs the support reader's confirmation before it counts as a mention
    found = _found(finder, "hypertension, primary, well controlled on amlodipine")
    assert not [m for m in found if m.named]
    assert [m.named for m in _found(finder, "primary pulmonary hypertension")] == [True]


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ("coronary artery disease", "I25.10"),  # I25.1's terms, not I25.110 "... with unstable angina pectoris"
        ("chronic obstructive lung disease", "J44.9"),  # J44's, not J44.1 "... with (acute) exacerbation"
    ],
)
def test_a_category_term_names_the_code_that_adds_nothing(finder: HccConditionFinder, item: str, code: str) -> None:
    found = finder.match_text(item)
    assert found is not None and found[0] == code


def test_a_name_goes_on_after_a_parenthesised_remark() -> None:
    readings = _readings("major depression, recurrent (followed by psychiatry), moderate")
    whole = "major depression, recurrent (followed by psychiatry), moderate"
    assert readings[0] == (whole, ())
    start = whole.index("(")
    assert readings[1] == (whole, ((start, whole.index(")") + 1),))  # without the remark's words
    assert ("major depression, recurrent ", ()) in readings


def test_the_severity_after_a_parenthesis_is_read(finder: HccConditionFinder) -> None:
    found = _found(finder, "major depression, recurrent (followed by psychiatry), moderate")
    assert [m.icd10cm for m in found] == ["F33.1"]
    assert found[0].evidence.text.endswith("moderate")


def test_an_absence_after_a_parenthesis_is_not_read_as_the_complication(finder: HccConditionFinder) -> None:
    # "X-free" states that X is absent: not I25.11- (with angina pectoris)
    found = _found(finder, "coronary atherosclerosis (two-vessel), symptom-free and angina-free")
    assert not [m.icd10cm for m in found if m.icd10cm.startswith("I25.11")]


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ("opioid dependence under maintenance therapy with buprenorphine", "F11.20"),
        ("moderate alcohol use disorder in an outpatient treatment program", "F10.20"),
        ("severe alcohol use disorder, in early remission", "F10.21"),  # remission is the classification's own
    ],
)
def test_the_treatment_a_condition_is_under_is_not_its_name(finder: HccConditionFinder, item: str, code: str) -> None:
    assert [m.icd10cm for m in _found(finder, item)] == [code]
