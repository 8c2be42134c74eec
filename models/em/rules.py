"""MDM element rules as data (``data/mdm_elements_2023.csv``): which findings meet which level of each element.

The table is the AMA CPT "Levels of Medical Decision Making" table (office 2021, all settings 2023) in long form,
one row per alternative criterion. Semantics, identical for all three elements: a *group* is met when the summed
count of its ``items`` reaches ``min_count``; a *level* is met when at least ``min_groups`` of its groups are met
(1 for problems and risk, and for limited/moderate data; 2 of 3 categories for extensive data). An element's level is
the highest level met, else ``minimal``. The overall MDM then comes from :func:`datasets.codesets.em.mdm_level`
(2 of 3 elements).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, get_args

from datasets.codesets.em import ElementLevel

Element = Literal["problems", "data", "risk"]
RuleLevel = Literal["low", "moderate", "high"]

ProblemStatus = Literal[
    "self_limited",
    "acute_uncomplicated",
    "stable_acute",
    "acute_uncomplicated_hospital",
    "chronic_stable",
    "chronic_progression",
    "undiagnosed_uncertain",
    "acute_systemic",
    "acute_complicated_injury",
    "chronic_severe",
    "threat_to_life",
]
DataItem = Literal[
    "test_result", "test_ordered", "external_note", "independent_historian", "independent_interpretation",
    "external_discussion",
]  # fmt: skip
RiskItem = Literal[
    "otc_drug", "minor_surgery_no_risk", "physical_therapy", "rx_drug", "minor_surgery_risk",
    "elective_major_surgery_no_risk", "sdoh", "intensive_monitoring_drug", "major_surgery_risk",
    "emergency_major_surgery", "hospitalization", "dnr_deescalation", "parenteral_controlled",
]  # fmt: skip
ITEMS: dict[str, tuple[str, ...]] = {
    "problems": get_args(ProblemStatus),
    "data": get_args(DataItem),
    "risk": get_args(RiskItem),
}
_LEVEL_ORDER: tuple[ElementLevel, ...] = ("minimal", "low", "moderate", "high")


class MdmRuleError(ValueError):
    """EM111: an MDM element rule row is malformed."""


@dataclass(frozen=True)
class MdmCriterion:
    """One alternative criterion of one level of one MDM element.

    Example: ``problems moderate b chronic_stable 2 1`` — two or more stable chronic illnesses meet moderate problems.
    """

    element: Element
    level: RuleLevel
    group: str
    items: tuple[str, ...]
    min_count: int
    min_groups: int
    source: str
    example: str

    @classmethod
    def from_dict(cls, row: Mapping[str, Any], where: str = "row") -> MdmCriterion:
        allowed = {f.name for f in fields(cls)}
        if set(row) != allowed:
            raise MdmRuleError(
                f"EM111 {where}: MdmCriterion rows take exactly {sorted(allowed)}; unknown "
                f"{sorted(set(row) - allowed)}, missing {sorted(allowed - set(row))}. Fix the table row."
            )
        if row["element"] not in get_args(Element):
            raise MdmRuleError(f"EM111 {where}: element must be one of {get_args(Element)}, got {row['element']!r}.")
        if row["level"] not in get_args(RuleLevel):
            raise MdmRuleError(f"EM111 {where}: level must be one of {get_args(RuleLevel)}, got {row['level']!r}.")
        items = tuple(row["items"].split("|")) if isinstance(row["items"], str) else tuple(row["items"])
        unknown = [i for i in items if i not in ITEMS[row["element"]]]
        if unknown:
            raise MdmRuleError(
                f"EM111 {where}: items {unknown} are not {row['element']} items; allowed {list(ITEMS[row['element']])}."
            )
        return cls(row["element"], row["level"], str(row["group"]), items, int(row["min_count"]),
                   int(row["min_groups"]), str(row["source"]), str(row["example"]))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["items"] = "|".join(self.items)
        return out

    def met_by(self, counts: Mapping[str, int]) -> bool:
        return sum(counts.get(item, 0) for item in self.items) >= self.min_count


@lru_cache(maxsize=1)
def mdm_criteria() -> tuple[MdmCriterion, ...]:
    """The shipped criteria (2023 AMA table)."""
    name = "mdm_elements_2023.csv"
    text = (resources.files("models.em") / "data" / name).read_text(encoding="utf-8")
    return tuple(
        MdmCriterion.from_dict(row, where=f"models/em/data/{name}:{line}")
        for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2)
    )


@dataclass(frozen=True)
class ElementResult:
    """An element's level, the criteria groups met at that level, and the margin to the next level.

    ``margin_up`` is how many more items the nearest unmet group of the next level needs (0 when at ``high``);
    ``margin_down`` is how many items could be lost before the level drops. The confidence model uses both.
    """

    element: Element
    level: ElementLevel
    groups: tuple[str, ...]
    margin_up: int
    margin_down: int


def element_level(
    element: Element, counts: Mapping[str, int] | Counter[str], criteria: tuple[MdmCriterion, ...] | None = None
) -> ElementResult:
    """The highest level of ``element`` that ``counts`` meet (AMA CPT MDM table; see module docstring).

    Example: data counts ``{"test_ordered": 2, "independent_interpretation": 1}`` meet limited data via category 1
    and moderate data via category 2 (one category of three); extensive data needs two categories, and category 1
    needs a third item, so the result is ``moderate`` with ``margin_up`` 1.
    """
    criteria = mdm_criteria() if criteria is None else criteria
    rows = [c for c in criteria if c.element == element]
    achieved: ElementLevel = "minimal"
    groups: tuple[str, ...] = ()
    levels: tuple[ElementLevel, ...] = ("low", "moderate", "high")
    for level in levels:
        level_rows = [c for c in rows if c.level == level]
        if not level_rows:
            continue
        met = tuple(c.group for c in level_rows if c.met_by(counts))
        if len(met) >= level_rows[0].min_groups:
            achieved, groups = level, met
    rank = _LEVEL_ORDER.index(achieved)
    margin_up = 0
    if rank < 3:
        nxt = [c for c in rows if c.level == _LEVEL_ORDER[rank + 1]]
        if nxt:
            gaps = sorted(max(0, c.min_count - sum(counts.get(i, 0) for i in c.items)) for c in nxt)
            need = nxt[0].min_groups
            margin_up = sum(g for g in gaps[:need])
    margin_down = 0
    if rank > 0:
        cur = [c for c in rows if c.level == achieved and c.group in groups]
        margin_down = 1 + max(sum(counts.get(i, 0) for i in c.items) - c.min_count for c in cur)
    return ElementResult(element, achieved, groups, margin_up, margin_down)
