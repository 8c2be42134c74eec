"""The E/M cue lexicon (``data/em_cues_v1.json``), compiled once: status, data, risk, visit and time patterns.

Each label carries a one-line clinical example in the data file. Patterns are lower-case regular expressions matched
against lower-cased note text, so an evidence span is always ``text[match.start():match.end()]``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from models.clinical.literals import GuardedPattern

_ALLOWED_TOP = {
    "version", "source", "problem_status", "chronic_conditions", "data", "order_cue", "review_cue", "tests",
    "interpretable_tests", "risk",
    "drug_action", "otc_drugs", "rx_drugs", "rx_drug_classes", "visit", "visit_reason", "procedure_names", "time",
    "time_context", "time_exclude",
}  # fmt: skip


@dataclass(frozen=True)
class LabelPatterns:
    """A label with its compiled alternatives (any match asserts the label) and a clinical example."""

    label: str
    pattern: GuardedPattern
    example: str


def _compiled(pattern: str) -> GuardedPattern:
    # a cue is searched in nearly every sentence of its sections and matches in few: the literal test skips most
    return GuardedPattern(re.compile(pattern))


def _alternatives(patterns: list[str]) -> GuardedPattern:
    return _compiled("|".join(f"(?:{p})" for p in patterns))


def _drug_classes(payload: dict[str, Any]) -> list[str]:
    """Whole-word patterns of the prescription drug classes, each refused where its next word makes it a history, a
    service or a disorder ("anticoagulant use", "anticoagulation clinic", "opioid use disorder")."""
    if set(payload) != {"note", "patterns", "not_before"}:
        raise ValueError(f"rx_drug_classes takes exactly note, patterns, not_before; got {sorted(payload)}.")
    not_before = "|".join(payload["not_before"])
    return [rf"\b(?:{p})(?![\w-])(?!\s+(?:{not_before})\b)" for p in payload["patterns"]]


def _labelled(rows: list[dict[str, Any]], where: str) -> tuple[LabelPatterns, ...]:
    out = []
    for row in rows:
        if set(row) != {"label", "patterns", "example"}:
            raise ValueError(f"{where}: each entry takes exactly label, patterns, example; got {sorted(row)}.")
        out.append(LabelPatterns(row["label"], _alternatives(row["patterns"]), row["example"]))
    return tuple(out)


@dataclass(frozen=True)
class EmCues:
    """All compiled E/M cues; see ``data/em_cues_v1.json`` for the wording and examples."""

    version: str
    problem_status: tuple[LabelPatterns, ...]
    chronic: GuardedPattern
    data: tuple[LabelPatterns, ...]
    order: GuardedPattern
    review: GuardedPattern
    tests: GuardedPattern
    interpretable: GuardedPattern
    risk: tuple[LabelPatterns, ...]
    drug_action: GuardedPattern
    otc: GuardedPattern
    rx: GuardedPattern
    visit: tuple[LabelPatterns, ...]
    visit_reason: GuardedPattern
    procedure_name: GuardedPattern
    time: GuardedPattern
    time_context: GuardedPattern
    time_exclude: GuardedPattern

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> EmCues:
        unknown = sorted(set(payload) - _ALLOWED_TOP)
        missing = sorted(_ALLOWED_TOP - set(payload))
        if unknown or missing:
            raise ValueError(
                f"em_cues: unknown keys {unknown}, missing keys {missing}; allowed {sorted(_ALLOWED_TOP)}."
            )
        return cls(
            version=payload["version"],
            problem_status=_labelled(payload["problem_status"], "problem_status"),
            chronic=_alternatives(payload["chronic_conditions"]),
            data=_labelled(payload["data"], "data"),
            order=_compiled(payload["order_cue"]),
            review=_compiled(payload["review_cue"]),
            # a test name is a word of its own, or its plural: "rpr" is not a test inside "interpretation", nor
            # "pap" inside "paperwork"
            tests=_alternatives([rf"(?<![a-z0-9])(?:{p})(?=(?:e?s)?(?![a-z0-9]))" for p in payload["tests"]]),
            interpretable=_alternatives(payload["interpretable_tests"]),
            risk=_labelled(payload["risk"], "risk"),
            drug_action=_compiled(payload["drug_action"]),
            otc=_alternatives(payload["otc_drugs"]),
            rx=_alternatives([rf"\b(?:{p})" for p in payload["rx_drugs"]] + _drug_classes(payload["rx_drug_classes"])),
            visit=_labelled(payload["visit"], "visit"),
            visit_reason=_compiled(payload["visit_reason"]),
            procedure_name=_alternatives(payload["procedure_names"]),
            time=_compiled(payload["time"]),
            time_context=_compiled(payload["time_context"]),
            time_exclude=_compiled(payload["time_exclude"]),
        )


@lru_cache(maxsize=1)
def default_cues() -> EmCues:
    """The shipped cues (``models/em/data/em_cues_v1.json``)."""
    text = (resources.files("models.em") / "data" / "em_cues_v1.json").read_text(encoding="utf-8")
    return EmCues.from_dict(json.loads(text))
