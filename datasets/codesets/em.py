"""E/M level rules as data: one row per code (``data/em_levels_2023.csv``), preventive codes by age, prolonged time.

The tables read like the guideline; the logic here is small and cites it. Shared by the synthetic generator (to
derive gold levels) and the E/M leveler (to level notes), so both apply the very same rules.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, get_args

MdmLevel = Literal["straightforward", "low", "moderate", "high"]
ElementLevel = Literal["minimal", "low", "moderate", "high"]
EmCategory = Literal["office", "hospital_initial", "hospital_subsequent", "discharge", "emergency"]
RuleStatus = Literal["new", "established", "any"]
Convention = Literal["cpt", "medicare"]

MDM_LEVELS: tuple[MdmLevel, ...] = get_args(MdmLevel)
ELEMENT_LEVELS: tuple[ElementLevel, ...] = get_args(ElementLevel)
_RANK = {name: rank for rank, name in enumerate(MDM_LEVELS)} | {"minimal": 0, "none": -1}

# Encounter ``setting`` -> E/M category for a problem-oriented visit (hospital codes need initial vs subsequent).
SETTING_CATEGORY: dict[str, EmCategory] = {
    "office": "office",
    "telehealth": "office",
    "home": "office",
    "emergency": "emergency",
    "inpatient": "hospital_subsequent",
    "observation": "hospital_subsequent",
    "nursing_facility": "hospital_subsequent",
}


class EmRuleError(ValueError):
    """EM101: a shipped or supplied E/M rule row is malformed."""


def _check_keys(kind: type, row: dict[str, Any], where: str) -> None:
    allowed = {f.name for f in fields(kind)}
    unknown = sorted(set(row) - allowed)
    missing = sorted(f for f in allowed if f not in row)
    if unknown or missing:
        raise EmRuleError(
            f"EM101 {where}: {kind.__name__} rows take exactly {sorted(allowed)}; unknown {unknown}, "
            f"missing {missing}. Fix the table row."
        )


def _check_literal(value: str, allowed: tuple[str, ...], column: str, where: str) -> None:
    if value not in allowed:
        raise EmRuleError(f"EM101 {where}: column {column!r} must be one of {list(allowed)}, got {value!r}.")


def _minutes(value: str | int | None) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


@dataclass(frozen=True)
class EmLevelRule:
    """One E/M code: its category, patient status, the MDM level it needs and its total-time range (minutes).

    Example: ``99214 office established moderate 30`` — an established office visit with moderate MDM, or 30+ minutes
    of total practitioner time on the date of the encounter.
    """

    code: str
    category: EmCategory
    patient_status: RuleStatus
    mdm_level: MdmLevel | Literal["none"]
    min_total_minutes: int | None
    max_total_minutes: int | None
    source: str
    note: str

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str = "row") -> EmLevelRule:
        _check_keys(cls, row, where)
        _check_literal(row["category"], get_args(EmCategory), "category", where)
        _check_literal(row["patient_status"], get_args(RuleStatus), "patient_status", where)
        _check_literal(row["mdm_level"], (*MDM_LEVELS, "none"), "mdm_level", where)
        return cls(
            code=row["code"],
            category=row["category"],
            patient_status=row["patient_status"],
            mdm_level=row["mdm_level"],
            min_total_minutes=_minutes(row["min_total_minutes"]),
            max_total_minutes=_minutes(row["max_total_minutes"]),
            source=row["source"],
            note=row["note"],
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PreventiveRule:
    """A preventive medicine code by patient status and age band (inclusive, in years)."""

    code: str
    patient_status: Literal["new", "established"]
    min_age: int
    max_age: int
    source: str
    note: str

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str = "row") -> PreventiveRule:
        _check_keys(cls, row, where)
        _check_literal(row["patient_status"], ("new", "established"), "patient_status", where)
        return cls(row["code"], row["patient_status"], int(row["min_age"]), int(row["max_age"]), row["source"],
                   row["note"])  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ProlongedRule:
    """A prolonged-service add-on: first unit at ``first_unit_at_minutes``, one more per ``unit_minutes``."""

    addon_code: str
    base_code: str
    convention: Convention
    first_unit_at_minutes: int
    unit_minutes: int
    source: str
    note: str

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str = "row") -> ProlongedRule:
        _check_keys(cls, row, where)
        _check_literal(row["convention"], get_args(Convention), "convention", where)
        return cls(row["addon_code"], row["base_code"], row["convention"], int(row["first_unit_at_minutes"]),
                   int(row["unit_minutes"]), row["source"], row["note"])  # fmt: skip

    def units(self, total_minutes: int) -> int:
        if total_minutes < self.first_unit_at_minutes:
            return 0
        return 1 + (total_minutes - self.first_unit_at_minutes) // self.unit_minutes

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _load(name: str, kind: Any) -> tuple[Any, ...]:
    path = resources.files("datasets.codesets") / "data" / name
    text = path.read_text(encoding="utf-8")
    return tuple(
        kind.from_dict(row, where=f"datasets/codesets/data/{name}:{line}")
        for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2)
    )


@lru_cache(maxsize=1)
def em_level_rules() -> tuple[EmLevelRule, ...]:
    return _load("em_levels_2023.csv", EmLevelRule)


@lru_cache(maxsize=1)
def preventive_rules() -> tuple[PreventiveRule, ...]:
    return _load("em_preventive_2023.csv", PreventiveRule)


@lru_cache(maxsize=1)
def prolonged_rules() -> tuple[ProlongedRule, ...]:
    return _load("em_prolonged_2024.csv", ProlongedRule)


def mdm_level(problems: ElementLevel, data: ElementLevel, risk: ElementLevel) -> MdmLevel:
    """Overall MDM from its three elements: the level that two of the three meet or exceed.

    AMA CPT E/M guidelines (2021, office; 2023, other settings), "Levels of Medical Decision Making": to qualify for a
    level, two of the three elements must be met or exceeded. That is the middle value of the three. Worked example:
    two stable chronic illnesses (problems: moderate), one lab reviewed (data: minimal), prescription drug
    management (risk: moderate) -> moderate MDM, which supports 99214 for an established office patient.
    """
    ranks = sorted(_RANK[level] for level in (problems, data, risk))
    return MDM_LEVELS[ranks[1]]


def em_code_for(
    category: EmCategory,
    patient_status: Literal["new", "established"] | None,
    mdm: MdmLevel | None,
    total_minutes: int | None = None,
    rules: tuple[EmLevelRule, ...] | None = None,
) -> str | None:
    """The highest E/M code that the MDM level or the documented total time supports (whichever is higher).

    AMA CPT 2021+: office/outpatient and (2023+) hospital visits are selected by MDM or by total time on the date of
    the encounter. ED visits have no time thresholds; discharge codes are time-only. The lowest hospital code also
    covers straightforward MDM. Returns None when neither MDM nor time supports any code of the category.
    """
    rules = em_level_rules() if rules is None else rules
    candidates = [
        r for r in rules if r.category == category and r.patient_status in ("any", patient_status or "established")
    ]
    if not candidates:
        return None
    best: tuple[int, str] | None = None
    lowest_mdm = min((_RANK[r.mdm_level] for r in candidates if r.mdm_level != "none"), default=None)
    for rule in candidates:
        by_mdm = (
            mdm is not None
            and rule.mdm_level != "none"
            and (_RANK[mdm] >= _RANK[rule.mdm_level] or _RANK[rule.mdm_level] == lowest_mdm)
        )
        by_time = (
            total_minutes is not None
            and rule.min_total_minutes is not None
            and total_minutes >= rule.min_total_minutes
            and (rule.max_total_minutes is None or total_minutes <= rule.max_total_minutes)
        )
        if by_mdm or by_time:
            rank = candidates.index(rule)
            if best is None or rank > best[0]:
                best = (rank, rule.code)
    return None if best is None else best[1]


def preventive_code(age: int, patient_status: Literal["new", "established"],
                    rules: tuple[PreventiveRule, ...] | None = None) -> str:  # fmt: skip
    """The preventive medicine code for the patient's age (years) and status: 99381-99387 / 99391-99397."""
    rules = preventive_rules() if rules is None else rules
    for rule in rules:
        if rule.patient_status == patient_status and rule.min_age <= age <= rule.max_age:
            return rule.code
    raise EmRuleError(f"EM102 No preventive code for age {age} ({patient_status}); check the age.")


def prolonged_service(
    base_code: str, total_minutes: int | None, convention: Convention,
    rules: tuple[ProlongedRule, ...] | None = None,
) -> tuple[str, int] | None:  # fmt: skip
    """The prolonged-service add-on and its units for a time-based visit, e.g. 99215 at 70 min -> ("99417", 2).

    CPT counts 15-minute units beyond the top level's threshold (99417); Medicare's G2212 starts 15 minutes past the
    2020 maximum time. Returns None when the time does not reach the first unit.
    """
    if total_minutes is None:
        return None
    rules = prolonged_rules() if rules is None else rules
    for rule in rules:
        if rule.base_code == base_code and rule.convention == convention:
            units = rule.units(total_minutes)
            return (rule.addon_code, units) if units else None
    return None


def em_rank(code: str, rules: tuple[EmLevelRule, ...] | None = None) -> tuple[EmCategory, str, int] | None:
    """(category, patient status, position within its family) of an E/M code; compares billed and supported levels."""
    rules = em_level_rules() if rules is None else rules
    for rule in rules:
        if rule.code == code:
            family = [r for r in rules if r.category == rule.category and r.patient_status == rule.patient_status]
            return rule.category, rule.patient_status, family.index(rule)
    return None


MedicareVisitKind = Literal["ippe", "awv_initial", "awv_subsequent", "complexity_addon"]


@dataclass(frozen=True)
class MedicareVisitRule:
    """A Medicare-only visit code: the IPPE (G0402), annual wellness visits (G0438/G0439), the G2211 add-on.

    Example: ``G0439 awv_subsequent`` — each later annual wellness visit, once every 12 months.
    """

    code: str
    kind: MedicareVisitKind
    base_codes: tuple[str, ...]
    source: str
    note: str

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str = "row") -> MedicareVisitRule:
        _check_keys(cls, row, where)
        _check_literal(row["kind"], get_args(MedicareVisitKind), "kind", where)
        base = row["base_codes"]
        codes = tuple(c for c in base.split("|") if c) if isinstance(base, str) else tuple(base)
        return cls(row["code"], row["kind"], codes, row["source"], row["note"])

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["base_codes"] = "|".join(self.base_codes)
        return out


@lru_cache(maxsize=1)
def medicare_visit_rules() -> tuple[MedicareVisitRule, ...]:
    return _load("em_medicare_2024.csv", MedicareVisitRule)


def medicare_visit_code(kind: MedicareVisitKind, rules: tuple[MedicareVisitRule, ...] | None = None) -> str:
    """The HCPCS code of a Medicare visit kind, e.g. ``"awv_subsequent"`` -> ``"G0439"`` (CMS MLN 6775)."""
    rules = medicare_visit_rules() if rules is None else rules
    for rule in rules:
        if rule.kind == kind:
            return rule.code
    raise EmRuleError(
        f"EM103 No Medicare visit code of kind {kind!r}; check datasets/codesets/data/em_medicare_2024.csv."
    )
