"""The HCC condition finder reads names as the ICD-10-CM conventions write them: a parenthesis inside an item's name
is a remark the name goes on after, and the treatment a condition is under is not part of its name."""

from __future__ import annotations

import pytest

from models.clinical.document import ClinicalDocument
from models.hcc.conditions import ConditionMatch, HccConditionFinder, _readings
from models.hcc.scan import HccScanner


@pytest.fixture(scope="module")
def finder() -> HccConditionFinder:
    found = HccScanner.default().finder  # the one the audit engine uses (V28 and V24)
    assert found is not None
    return found


def _found(finder: HccConditionFinder, item: str) -> list[ConditionMatch]:
    return finder.find(ClinicalDocument(f"ASSESSMENT AND PLAN:\n1. {item}\n"))


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
