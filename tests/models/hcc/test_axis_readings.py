"""HCC condition finder: the axis words that pick one code of a condition (acuity, side, a "with" or "without"
clause), read as the classification reads them, and partial matches that must not claim an unstated value."""

from __future__ import annotations

import pytest

from models.clinical.document import ClinicalDocument
from models.hcc.conditions import HccConditionFinder


def _codes(finder: HccConditionFinder, item: str) -> list[str]:
    return [m.icd10cm for m in finder.find(ClinicalDocument(f"ASSESSMENT AND PLAN:\n1. {item}\n"))]


@pytest.mark.parametrize(
    ("item", "code"),
    [
        # "chronic" picks I82.5- over the acute I82.4-, and a stated side picks the code of an other name's category
        ("chronic DVT of right femoral vein", "I82.511"),
        ("DVT, right leg", "I82.401"),
        # "chronic" where the classification does not split the condition by acuity costs nothing
        ("chronic schizophrenia", "F20.9"),
        ("chronic pulmonary embolism", "I27.82"),
        # a title's "without" clause is the default of its axis; an item's states no value
        ("major depression, single episode, severe", "F32.2"),
        ("major depressive disorder, single episode, severe with psychotic features", "F32.3"),
        ("COPD without exacerbation", "J44.9"),
        # a title's "with" clause the item does not state is a lookalike (E66.2 is with alveolar hypoventilation)
        ("morbid obesity", "E66.01"),
        # a hyphenated word no title has is read as its parts ("Left sided colitis")
        ("ulcerative colitis, left-sided, active", "K51.50"),
        # "unspecified whether with hypoxia or hypercapnia" is what an item that states neither says
        ("respiratory failure", "J96.90"),
        ("chronic respiratory failure", "J96.10"),
        ("acute respiratory failure", "J96.00"),
        # the name goes on after the treatment
        ("T2DM on basal insulin, above goal", "E11.65"),
        ("type 2 diabetes on insulin with hyperglycemia", "E11.65"),
    ],
)
def test_an_axis_word_picks_the_code(finder: HccConditionFinder, item: str, code: str) -> None:
    assert code in _codes(finder, item)


def test_chronic_dvt_of_a_leg_keeps_acuity_and_side(finder: HccConditionFinder) -> None:
    codes = _codes(finder, "chronic deep vein thrombosis, left leg")
    assert len(codes) == 1 and codes[0].startswith("I82.5") and codes[0].endswith("2")


@pytest.mark.parametrize(
    ("item", "wrong"),
    [
        ("morbid obesity", "E66.2"),
        ("chronic DVT of right femoral vein", "I82.519"),
        ("COPD without exacerbation", "J44.1"),
        ("major depressive disorder, single episode, severe with psychotic features", "F32.2"),
        # the manifestation of a "with" clause alone does not name the condition it goes with
        ("rectal bleeding", "K50.911"),
        ("systolic heart failure", "I50.22"),
        ("chronic respiratory failure", "P28.5"),
        ("acute respiratory failure", "J95.821"),
    ],
)
def test_an_unstated_axis_value_is_not_read(finder: HccConditionFinder, item: str, wrong: str) -> None:
    assert wrong not in _codes(finder, item)
