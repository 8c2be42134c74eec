"""ConText-style assertion: which words of a sentence are negated, uncertain, hypothetical, family or resolved.

Rules are human-readable records in ``data/context_rules.json`` (literal, category, direction, one clinical example),
in the spirit of medspaCy's ConText (Harkema et al., 2009) but without its spaCy dependency, so that serving stays
light. A trigger opens a scope over the following (FORWARD), preceding (BACKWARD) or both (BIDIRECTIONAL) tokens of
its sentence, limited to a window and stopped by TERMINATE triggers ("no evidence of chf but there is pneumonia":
"but" stops the negation). Words in a NEGATED_EXISTENCE, POSSIBLE_EXISTENCE, HYPOTHETICAL, FAMILY or RESOLVED scope
never become codes; HISTORICAL is kept as a feature ("history of duodenal ulcer" is still coded in CodiEsp).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, get_args

from models.icd10.text import Sentence

Category = Literal[
    "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "FAMILY", "RESOLVED", "HISTORICAL", "TERMINATE"
]
Direction = Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE"]
EXCLUDING: frozenset[str] = frozenset({"NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "FAMILY", "RESOLVED"})
FORWARD_WINDOW = 10
BACKWARD_WINDOW = 5


@dataclass(frozen=True)
class ContextRule:
    """One trigger: a lower-case word sequence, what it asserts and in which direction its scope runs."""

    literal: str
    category: Category
    direction: Direction
    example: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContextRule:
        """Build a rule, refusing unknown keys and values outside the closed vocabularies."""
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"Unknown ContextRule keys {unknown}; allowed keys are {sorted(allowed)}.")
        if data.get("category") not in get_args(Category):
            raise ValueError(f"ContextRule category must be one of {get_args(Category)}; got {data.get('category')!r}.")
        if data.get("direction") not in get_args(Direction):
            raise ValueError(
                f"ContextRule direction must be one of {get_args(Direction)}; got {data.get('direction')!r}."
            )
        return cls(**data)

    def to_dict(self) -> dict[str, str]:
        return {
            "literal": self.literal,
            "category": self.category,
            "direction": self.direction,
            "example": self.example,
        }


@lru_cache(maxsize=1)
def default_rules() -> tuple[ContextRule, ...]:
    """The shipped rules (``models/icd10/data/context_rules.json``)."""
    path = resources.files("models.icd10") / "data" / "context_rules.json"
    with path.open(encoding="utf-8") as handle:
        payload = json.load(handle)
    return tuple(ContextRule.from_dict(rule) for rule in payload["rules"])


@dataclass(frozen=True)
class SentenceAssertion:
    """Per-token assertion of one sentence: ``excluded[i]`` (never code it) and ``historical[i]`` flags."""

    excluded: tuple[bool, ...]
    historical: tuple[bool, ...]
    categories: tuple[frozenset[str], ...]


class ContextAnnotator:
    """Marks the tokens of each sentence with the ConText categories whose scope covers them.

    Args:
        rules: trigger rules; the shipped ones by default.
        forward_window: how many tokens a FORWARD scope reaches.
        backward_window: how many tokens a BACKWARD scope reaches.
    """

    def __init__(
        self,
        rules: tuple[ContextRule, ...] | None = None,
        forward_window: int = FORWARD_WINDOW,
        backward_window: int = BACKWARD_WINDOW,
    ) -> None:
        self.rules = default_rules() if rules is None else rules
        self.forward_window = forward_window
        self.backward_window = backward_window
        self._by_first: dict[str, list[tuple[tuple[str, ...], ContextRule]]] = {}
        for rule in self.rules:
            words = tuple(rule.literal.lower().split())
            self._by_first.setdefault(words[0], []).append((words, rule))
        for candidates in self._by_first.values():
            candidates.sort(key=lambda item: -len(item[0]))  # longest literal wins ("no evidence of" over "no")

    def annotate(self, sentence: Sentence) -> SentenceAssertion:
        """Assertion flags for every token of ``sentence``."""
        words = [t.lower for t in sentence.tokens]
        n = len(words)
        if self._by_first.keys().isdisjoint(words):  # most sentences: no trigger starts at any word
            return SentenceAssertion((False,) * n, (False,) * n, (frozenset(),) * n)
        triggers: list[tuple[int, int, ContextRule]] = []
        i = 0
        while i < n:
            matched = False
            for literal, rule in self._by_first.get(words[i], ()):
                if tuple(words[i : i + len(literal)]) == literal:
                    triggers.append((i, i + len(literal), rule))
                    i += len(literal)
                    matched = True
                    break
            if not matched:
                i += 1
        if all(rule.category == "TERMINATE" for _, _, rule in triggers):  # most sentences: no scope to mark
            return SentenceAssertion((False,) * n, (False,) * n, (frozenset(),) * n)
        categories: list[set[str]] = [set() for _ in range(n)]
        terminators = [start for start, _, rule in triggers if rule.category == "TERMINATE"]
        for start, end, rule in triggers:
            if rule.category == "TERMINATE":
                continue
            if rule.category in EXCLUDING:
                # The trigger itself ("denies", "mother", "possible") is never clinical content.
                for k in range(start, end):
                    categories[k].add(rule.category)
            if rule.direction in ("FORWARD", "BIDIRECTIONAL"):
                stop = min(n, end + self.forward_window)
                stop = min([stop, *(t for t in terminators if t >= end)])
                for k in range(end, stop):
                    categories[k].add(rule.category)
            if rule.direction in ("BACKWARD", "BIDIRECTIONAL"):
                first = max(0, start - self.backward_window)
                first = max([first, *(t + 1 for t in terminators if t < start)])
                for k in range(first, start):
                    categories[k].add(rule.category)
        frozen = tuple(frozenset(c) for c in categories)
        return SentenceAssertion(
            excluded=tuple(bool(c & EXCLUDING) for c in frozen),
            historical=tuple("HISTORICAL" in c for c in frozen),
            categories=frozen,
        )
