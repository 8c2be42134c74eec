"""HCC condition finder: a value read as the range a title states (BMI), a status the Alphabetic Index sends to
another main term (amputation status is the limb's acquired absence, a planned amputation is not), a condition named
by its category's name alone, and Alphabetic Index entries the titles lack."""

from __future__ import annotations

import pytest

from models.clinical.document import ClinicalDocument
from models.hcc.conditions import HccConditionFinder


def _codes(finder: HccConditionFinder, item: str) -> list[str]:
    return [m.icd10cm for m in finder.find(ClinicalDocument(f"ASSESSMENT AND PLAN:\n1. {item}\n"))]


@pytest.mark.parametrize(
    ("item", "codes"),
    [
        # an adult BMI falls in the range of a Z68 title
        ("BMI 45", {"Z68.42"}),
        ("obesity, BMI 41.3", {"Z68.41"}),
        ("morbid obesity, BMI 42", {"Z68.41", "E66.01"}),
        # ICD-10-CM index: Obesity, morbid E66.01 (E66.2 is with alveolar hypoventilation)
        ("morbid obesity", {"E66.01"}),
        # ICD-10-CM index: Status (post), amputation - see Absence, by site, acquired
        ("below-knee amputation status, left", {"Z89.512"}),
        ("status post right below-knee amputation", {"Z89.511"}),
        ("s/p left BKA", {"Z89.512"}),
        # plain lupus names no organ involvement (M32.14 is glomerular disease in SLE); lupus nephritis does
        ("lupus", {"M32.9"}),
        ("lupus nephritis", {"M32.14"}),
    ],
)
def test_the_code_is_read(finder: HccConditionFinder, item: str, codes: set[str]) -> None:
    assert codes <= set(_codes(finder, item))


@pytest.mark.parametrize(
    "item",
    [
        # a future amputation is no status
        "scheduled for amputation",
        "scheduled for right below-knee amputation next week",
    ],
)
def test_a_planned_amputation_is_no_acquired_absence(finder: HccConditionFinder, item: str) -> None:
    assert not [c for c in _codes(finder, item) if c.startswith(("Z89", "S"))]


def test_lupus_alone_claims_no_organ(finder: HccConditionFinder) -> None:
    assert "M32.14" not in _codes(finder, "lupus")
