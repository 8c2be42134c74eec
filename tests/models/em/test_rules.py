"""The MDM element table (AMA CPT 2021/2023): each criterion row, each level boundary, the 2-of-3 rule."""

from __future__ import annotations

from collections import Counter

import pytest

from datasets.codesets.em import mdm_level
from models.em.rules import MdmCriterion, MdmRuleError, element_level, mdm_criteria


@pytest.mark.parametrize("row", mdm_criteria(), ids=lambda r: f"{r.element}-{r.level}-{r.group}")
def test_mdm_criterion_round_trips(row: MdmCriterion) -> None:
    assert MdmCriterion.from_dict(row.to_dict()) == row


@pytest.mark.parametrize("row", mdm_criteria(), ids=lambda r: f"{r.element}-{r.level}-{r.group}")
def test_mdm_criterion_row_alone_meets_its_level_when_one_group_suffices(row: MdmCriterion) -> None:
    if row.min_groups != 1:
        pytest.skip("extensive data needs two categories; tested below")
    counts = Counter({row.items[0]: row.min_count})
    level = element_level(row.element, counts).level
    order = ["minimal", "low", "moderate", "high"]
    assert order.index(level) >= order.index(row.level)


def test_mdm_criterion_rejects_unknown_keys() -> None:
    row = mdm_criteria()[0].to_dict() | {"weight": 2}
    with pytest.raises(MdmRuleError, match=r"EM111 .*unknown \['weight'\]"):
        MdmCriterion.from_dict(row)


def test_mdm_criterion_rejects_items_of_another_element() -> None:
    row = mdm_criteria()[0].to_dict() | {"items": "rx_drug"}
    with pytest.raises(MdmRuleError, match="are not problems items"):
        MdmCriterion.from_dict(row)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "minimal"),
        (["self_limited"], "minimal"),
        (["self_limited", "self_limited"], "low"),
        (["chronic_stable"], "low"),
        (["acute_uncomplicated"], "low"),
        (["chronic_stable", "chronic_stable"], "moderate"),
        (["chronic_progression"], "moderate"),
        (["undiagnosed_uncertain"], "moderate"),
        (["acute_systemic"], "moderate"),
        (["acute_complicated_injury"], "moderate"),
        (["chronic_severe"], "high"),
        (["threat_to_life"], "high"),
    ],
)
def test_problems_level_follows_the_table(statuses: list[str], expected: str) -> None:
    assert element_level("problems", Counter(statuses)).level == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ({"test_ordered": 1}, "minimal"),
        ({"test_ordered": 2}, "low"),
        ({"test_result": 1, "external_note": 1}, "low"),
        ({"independent_historian": 1}, "low"),
        ({"test_ordered": 2, "independent_historian": 1}, "moderate"),
        ({"test_ordered": 3}, "moderate"),
        ({"independent_interpretation": 1}, "moderate"),
        ({"external_discussion": 1}, "moderate"),
        ({"independent_interpretation": 1, "external_discussion": 1}, "high"),
        ({"test_ordered": 3, "independent_interpretation": 1}, "high"),
        ({"test_ordered": 2, "independent_interpretation": 1}, "moderate"),
    ],
)
def test_data_level_counts_categories(items: dict[str, int], expected: str) -> None:
    assert element_level("data", Counter(items)).level == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ({}, "minimal"),
        ({"otc_drug": 1}, "low"),
        ({"physical_therapy": 1}, "low"),
        ({"rx_drug": 1}, "moderate"),
        ({"sdoh": 1}, "moderate"),
        ({"otc_drug": 1, "rx_drug": 1}, "moderate"),
        ({"hospitalization": 1}, "high"),
        ({"intensive_monitoring_drug": 1}, "high"),
    ],
)
def test_risk_level_is_the_highest_option(items: dict[str, int], expected: str) -> None:
    assert element_level("risk", Counter(items)).level == expected


def test_element_level_margin_up_counts_missing_items() -> None:
    result = element_level("data", Counter({"test_ordered": 2, "independent_interpretation": 1}))
    assert result.level == "moderate"
    assert result.margin_up == 1  # a third category-1 item makes two categories: extensive


def test_element_level_uses_a_three_row_table() -> None:
    table = (
        MdmCriterion("risk", "low", "a", ("otc_drug",), 1, 1, "test", "ibuprofen"),
        MdmCriterion("risk", "moderate", "a", ("rx_drug",), 2, 1, "test", "two prescriptions"),
        MdmCriterion("risk", "high", "a", ("hospitalization",), 1, 1, "test", "admit"),
    )
    assert element_level("risk", Counter({"rx_drug": 1}), table).level == "minimal"
    assert element_level("risk", Counter({"rx_drug": 2}), table).level == "moderate"


@pytest.mark.parametrize(
    ("elements", "expected"),
    [
        (("moderate", "minimal", "moderate"), "moderate"),
        (("moderate", "minimal", "low"), "low"),
        (("high", "high", "minimal"), "high"),
        (("high", "low", "moderate"), "moderate"),
        (("minimal", "minimal", "high"), "straightforward"),
    ],
)
def test_mdm_two_of_three(elements: tuple[str, str, str], expected: str) -> None:
    assert mdm_level(*elements) == expected  # type: ignore[arg-type]
