from __future__ import annotations

import pytest

from datasets.codesets.em import (
    EmLevelRule,
    EmRuleError,
    PreventiveRule,
    ProlongedRule,
    em_code_for,
    em_level_rules,
    em_rank,
    mdm_level,
    preventive_code,
    preventive_rules,
    prolonged_rules,
    prolonged_service,
)


@pytest.mark.parametrize("rule", em_level_rules(), ids=lambda r: r.code)
def test_em_level_rule_round_trips(rule: EmLevelRule) -> None:
    row = {k: ("" if v is None else v) for k, v in rule.to_dict().items()}
    assert EmLevelRule.from_dict(row) == rule


@pytest.mark.parametrize("rule", preventive_rules(), ids=lambda r: r.code)
def test_preventive_rule_round_trips(rule: PreventiveRule) -> None:
    assert PreventiveRule.from_dict(rule.to_dict()) == rule


@pytest.mark.parametrize("rule", prolonged_rules(), ids=lambda r: f"{r.addon_code}-{r.base_code}")
def test_prolonged_rule_round_trips(rule: ProlongedRule) -> None:
    assert ProlongedRule.from_dict(rule.to_dict()) == rule


def test_em_rule_rejects_unknown_keys_and_values() -> None:
    row = em_level_rules()[0].to_dict() | {"min_total_minutes": "", "max_total_minutes": ""}
    with pytest.raises(EmRuleError, match=r"EM101 .*unknown \['colour'\]"):
        EmLevelRule.from_dict(row | {"colour": "red"})
    with pytest.raises(EmRuleError, match=r"EM101 .*'mdm_level' must be one of"):
        EmLevelRule.from_dict(row | {"mdm_level": "extreme"})


def test_em_tables_have_no_duplicate_codes() -> None:
    codes = [r.code for r in em_level_rules()]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("problems", "data", "risk", "expected"),
    [
        ("moderate", "minimal", "moderate", "moderate"),
        ("high", "minimal", "low", "low"),
        ("high", "high", "minimal", "high"),
        ("minimal", "minimal", "high", "straightforward"),
        ("low", "moderate", "high", "moderate"),
    ],
)
def test_mdm_level_is_what_two_of_three_elements_meet(problems: str, data: str, risk: str, expected: str) -> None:
    assert mdm_level(problems, data, risk) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "mdm", "code"),
    [
        ("new", "straightforward", "99202"),
        ("new", "low", "99203"),
        ("new", "moderate", "99204"),
        ("new", "high", "99205"),
        ("established", "straightforward", "99212"),
        ("established", "low", "99213"),
        ("established", "moderate", "99214"),
        ("established", "high", "99215"),
    ],
)
def test_em_office_level_by_mdm(status: str, mdm: str, code: str) -> None:
    assert em_code_for("office", status, mdm) == code  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "minutes", "code"),
    [
        ("established", 9, None),
        ("established", 10, "99212"),
        ("established", 19, "99212"),
        ("established", 20, "99213"),
        ("established", 29, "99213"),
        ("established", 30, "99214"),
        ("established", 40, "99215"),
        ("new", 14, None),
        ("new", 15, "99202"),
        ("new", 30, "99203"),
        ("new", 44, "99203"),
        ("new", 45, "99204"),
        ("new", 60, "99205"),
    ],
)
def test_em_office_level_time_thresholds(status: str, minutes: int, code: str | None) -> None:
    assert em_code_for("office", status, None, minutes) == code  # type: ignore[arg-type]


def test_em_level_uses_time_when_higher_and_mdm_when_higher() -> None:
    assert em_code_for("office", "established", "low", 42) == "99215"
    assert em_code_for("office", "established", "high", 15) == "99215"


def test_em_hospital_emergency_and_discharge_rules() -> None:
    assert em_code_for("hospital_initial", None, "straightforward") == "99221"
    assert em_code_for("hospital_subsequent", None, "moderate") == "99232"
    assert em_code_for("emergency", None, "moderate", 90) == "99284"
    assert em_code_for("discharge", None, None, 30) == "99238"
    assert em_code_for("discharge", None, None, 31) == "99239"


@pytest.mark.parametrize(
    ("age", "status", "code"),
    [(0, "new", "99381"), (4, "new", "99382"), (11, "established", "99393"), (17, "established", "99394"),
     (39, "new", "99385"), (40, "new", "99386"), (64, "established", "99396"), (65, "established", "99397")],
)  # fmt: skip
def test_preventive_code_by_age_band(age: int, status: str, code: str) -> None:
    assert preventive_code(age, status) == code  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("base", "minutes", "convention", "expected"),
    [
        ("99215", 54, "cpt", None),
        ("99215", 55, "cpt", ("99417", 1)),
        ("99215", 70, "cpt", ("99417", 2)),
        ("99205", 75, "cpt", ("99417", 1)),
        ("99215", 68, "medicare", None),
        ("99215", 69, "medicare", ("G2212", 1)),
        ("99214", 90, "cpt", None),
    ],
)
def test_prolonged_service_units(base: str, minutes: int, convention: str, expected: tuple[str, int] | None) -> None:
    assert prolonged_service(base, minutes, convention) == expected  # type: ignore[arg-type]


def test_em_rank_orders_levels_within_a_family() -> None:
    assert em_rank("99213")[2] < em_rank("99215")[2]  # type: ignore[index]
    assert em_rank("93000") is None
