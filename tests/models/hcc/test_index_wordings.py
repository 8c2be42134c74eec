"""The HCC condition finder on conditions written in words of the Alphabetic Index's "see" cross-references and
common clinical synonyms (read through models/audit/data/clinical_terms_v1.csv), and on near-misses that name no
current condition of the patient."""

from __future__ import annotations

import pytest

from models.clinical.document import ClinicalDocument
from models.hcc.conditions import HccConditionFinder, as_suggestions
from models.hcc.meat import find_support


def _supported(finder: HccConditionFinder, item: str) -> list[str]:
    doc = ClinicalDocument(f"ASSESSMENT AND PLAN:\n1. {item}. Continue current regimen; follow up in 3 months.\n")
    suggested, named = as_suggestions(finder.find(doc))
    return [code for code, _ in suggested if find_support(doc, code, None, named.get(code, ())).supported]


@pytest.mark.parametrize(
    ("item", "prefix"),
    [
        ("opiate addiction, maintained on buprenorphine", "F11.2"),
        ("heroin addiction, in sustained remission", "F11.2"),
        ("narcotic dependence", "F11.2"),
        ("cardiac insufficiency, on furosemide", "I50"),
        ("chronic obstructive airways disease", "J44"),
        ("end-stage kidney disease on hemodialysis", "N18.6"),
        ("dialysis dependent", "Z99.2"),
        ("tetraplegia", "G82.5"),
        ("quadriparesis, wheelchair user", "G82.5"),
        ("seropositive rheumatoid arthritis", "M05"),
    ],
)
def test_an_index_wording_names_its_hcc_condition(finder: HccConditionFinder, item: str, prefix: str) -> None:
    assert any(code.startswith(prefix) for code in _supported(finder, item)), _supported(finder, item)


@pytest.mark.parametrize(
    "item",
    [
        "family history of heroin addiction",
        "mother with alcoholism",
        "no opioid use",
        "chronic low back pain on opiates, pain contract reviewed",
    ],
)
def test_near_misses_name_no_hcc_condition(finder: HccConditionFinder, item: str) -> None:
    assert _supported(finder, item) == []
