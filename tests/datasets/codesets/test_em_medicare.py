"""Medicare visit codes beside the E/M tables: IPPE, AWV initial/subsequent, G2211 (CMS MLN 6775, PFS CY2024)."""

from __future__ import annotations

import pytest

from datasets.codesets.em import EmRuleError, MedicareVisitRule, medicare_visit_code, medicare_visit_rules


@pytest.mark.parametrize("rule", medicare_visit_rules(), ids=lambda r: r.code)
def test_medicare_visit_rule_round_trips(rule: MedicareVisitRule) -> None:
    assert MedicareVisitRule.from_dict(rule.to_dict()) == rule


@pytest.mark.parametrize(("kind", "code"), [("ippe", "G0402"), ("awv_initial", "G0438"), ("awv_subsequent", "G0439")])
def test_medicare_visit_code_by_kind(kind: str, code: str) -> None:
    assert medicare_visit_code(kind) == code  # type: ignore[arg-type]


def test_medicare_g2211_lists_office_base_codes() -> None:
    rule = next(r for r in medicare_visit_rules() if r.kind == "complexity_addon")
    assert rule.code == "G2211"
    assert "99214" in rule.base_codes and "99232" not in rule.base_codes


def test_medicare_visit_rule_rejects_unknown_kind() -> None:
    row = medicare_visit_rules()[0].to_dict() | {"kind": "checkup"}
    with pytest.raises(EmRuleError, match=r"EM101 .*column 'kind'"):
        MedicareVisitRule.from_dict(row)


def test_medicare_visit_code_unknown_kind_raises() -> None:
    with pytest.raises(EmRuleError, match="EM103"):
        medicare_visit_code("checkup", rules=())  # type: ignore[arg-type]
