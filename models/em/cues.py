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

_ALLOWED_TOP = {
    "version", "source", "problem_status", "chronic_conditions", "data", "order_cue", "review_cue", "tests",
    "interpretable_tests", "risk",
    "drug_action", "otc_drugs", "rx_drugs", "visit", "visit_reason", "procedure_names", "time", "time_context",
    "time_exclude",
}  # fmt: skip


@dataclass(frozen=True)
class LabelPatterns:
    """A label with its compiled alternatives (any match asserts the label) and a clinical example."""

    label: str
    pattern: re.Pattern[str]
    example: str


def _alternatives(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


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
    chronic: re.Pattern[str]
    data: tuple[LabelPatterns, ...]
    order: re.Pattern[str]
    review: re.Pattern[str]
    tests: re.Pattern[str]
    interpretable: re.Pattern[str]
    risk: tuple[LabelPatterns, ...]
    drug_action: re.Pattern[str]
    otc: re.Pattern[str]
    rx: re.Pattern[str]
    visit: tuple[LabelPatterns, ...]
    visit_reason: re.Pattern[str]
    procedure_name: re.Pattern[str]
    time: re.Pattern[str]
    time_context: re.Pattern[str]
    time_exclude: re.Pattern[str]

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
            order=re.compile(payload["order_cue"]),
            review=re.compile(payload["review_cue"]),
            # a test name starts a word: "rpr" is not a test inside "interpretation"
            tests=_alternatives([rf"(?<![a-z0-9])(?:{p})" for p in payload["tests"]]),
            interpretable=_alternatives(payload["interpretable_tests"]),
            risk=_labelled(payload["risk"], "risk"),
            drug_action=re.compile(payload["drug_action"]),
            otc=_alternatives(payload["otc_drugs"]),
            rx=_alternatives([rf"\b(?:{p})" for p in payload["rx_drugs"]]),
            visit=_labelled(payload["visit"], "visit"),
            visit_reason=re.compile(payload["visit_reason"]),
            procedure_name=_alternatives(payload["procedure_names"]),
            time=re.compile(payload["time"]),
            time_context=re.compile(payload["time_context"]),
            time_exclude=re.compile(payload["time_exclude"]),
        )


@lru_cache(maxsize=1)
def default_cues() -> EmCues:
    """The shipped cues (``models/em/data/em_cues_v1.json``)."""
    text = (resources.files("models.em") / "data" / "em_cues_v1.json").read_text(encoding="utf-8")
    return EmCues.from_dict(json.loads(text))
