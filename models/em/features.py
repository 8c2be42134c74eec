"""Features of a levelled note for the confidence model: element levels, margins to the level boundaries, time.

Plain Python (no numpy/sklearn) so that serving can build them; the order is :data:`FEATURE_NAMES`, which the
bundle manifest records and the loader checks.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from datasets.codesets.em import em_level_rules
from models.em.components._lines import PLAN_SECTIONS, lines

if TYPE_CHECKING:
    from models.em.leveler import EmResult

_LEVELS = ("minimal", "low", "moderate", "high")
_ELEMENTS = ("problems", "data", "risk")
FEATURE_NAMES: tuple[str, ...] = (
    *(f"{e}_level" for e in _ELEMENTS),
    *(f"{e}_margin_up" for e in _ELEMENTS),
    *(f"{e}_margin_down" for e in _ELEMENTS),
    "mdm_rank",
    "elements_spread",
    "elements_at_mdm",
    "n_problems",
    "n_inferred_problems",
    "n_chronic_problems",
    "n_data",
    "n_risk",
    "has_time",
    "time_minutes_scaled",
    "time_margin_up",
    "time_margin_down",
    "basis_time",
    "preventive",
    "n_services",
    "is_office",
    "is_new",
    # how well the note's layout was read (signals of phrasing the rules were not written for)
    "has_assessment",
    "n_plan_lines",
    "plan_lines_unread",
    "n_unnamed_sections",
    "share_inferred_problems",
)
_CAP = 20.0


def _time_margins(result: EmResult) -> tuple[float, float]:
    """Minutes above the chosen code's time threshold and below the next code's (capped at 30)."""
    if result.time_minutes is None:
        return 30.0, 30.0
    family = [
        r
        for r in em_level_rules()
        if r.category == result.category
        and r.patient_status in ("any", result.patient_status)
        and r.min_total_minutes is not None
    ]
    below = [
        r.min_total_minutes
        for r in family
        if r.min_total_minutes is not None and r.min_total_minutes <= result.time_minutes
    ]
    above = [
        r.min_total_minutes
        for r in family
        if r.min_total_minutes is not None and r.min_total_minutes > result.time_minutes
    ]
    down = result.time_minutes - max(below) if below else 30.0
    up = min(above) - result.time_minutes if above else 30.0
    return float(min(up, 30)), float(min(down, 30))


def em_features(result: EmResult) -> dict[str, float]:
    """The feature dict of one levelled note (keys :data:`FEATURE_NAMES`)."""
    out: dict[str, float] = {}
    levels = []
    for name in _ELEMENTS:
        element = result.elements[name]
        levels.append(_LEVELS.index(element.level))
        out[f"{name}_level"] = float(levels[-1])
        out[f"{name}_margin_up"] = float(min(element.margin_up, 5))
        out[f"{name}_margin_down"] = float(min(element.margin_down, 5))
    mdm_rank = _LEVELS.index(result.mdm if result.mdm != "straightforward" else "minimal")
    out["mdm_rank"] = float(mdm_rank)
    out["elements_spread"] = float(max(levels) - min(levels))
    out["elements_at_mdm"] = float(sum(1 for lv in levels if lv == mdm_rank))
    doc = result.doc
    problems = doc.of("problem") if doc else []
    out["n_problems"] = float(len(problems))
    out["n_inferred_problems"] = float(sum(1 for m in problems if m.attrs.get("inferred")))
    out["n_chronic_problems"] = float(sum(1 for m in problems if m.attrs.get("chronic")))
    out["n_data"] = float(len(doc.of("data")) if doc else 0)
    out["n_risk"] = float(len(doc.of("risk")) if doc else 0)
    out["has_time"] = float(result.time_minutes is not None)
    out["time_minutes_scaled"] = float(result.time_minutes or 0) / 60.0
    up, down = _time_margins(result)
    out["time_margin_up"] = up
    out["time_margin_down"] = down
    out["basis_time"] = float(result.basis == "time")
    out["preventive"] = float(result.preventive_code is not None)
    out["n_services"] = float(len(result.services))
    out["is_office"] = float(result.category == "office")
    out["is_new"] = float(result.patient_status == "new")
    out.update(_reading_quality(result))
    return out


def _reading_quality(result: EmResult) -> dict[str, float]:
    """Whether the assessment was found, how many of its lines no extractor used, how many headers we could not
    name, and how many problems had no status word: on unfamiliar wording the rules fail in these ways first."""
    doc = result.doc
    if doc is None:
        return {"has_assessment": 0.0, "n_plan_lines": 0.0, "plan_lines_unread": 0.0, "n_unnamed_sections": 0.0,
                "share_inferred_problems": 0.0}  # fmt: skip
    plan_lines = lines(doc, PLAN_SECTIONS)
    starts = sorted(m.evidence.start for m in doc.mentions if m.kind in ("problem", "data", "risk", "service"))
    unread = sum(1 for line in plan_lines if not _has_mention(starts, line.start, line.end))
    problems = doc.of("problem")
    inferred = sum(1 for m in problems if m.attrs.get("inferred"))
    return {
        "has_assessment": float(doc.has_sections("assessment", "plan")),
        "n_plan_lines": min(float(len(plan_lines)), _CAP),
        "plan_lines_unread": min(float(unread), _CAP),
        "n_unnamed_sections": min(float(sum(1 for s in doc.sections[1:] if s.kind == "other")), _CAP),
        "share_inferred_problems": inferred / len(problems) if problems else 0.0,
    }


def _has_mention(starts: list[int], start: int, end: int) -> bool:
    i = bisect.bisect_left(starts, start)
    return i < len(starts) and starts[i] < end


def feature_vector(features: dict[str, float]) -> list[float]:
    return [float(features[name]) for name in FEATURE_NAMES]
