"""Assertion of a mention: negated, historical, family, hypothetical, uncertain or planned (ordered for later).

ConText (Harkema et al., 2009): a trigger opens a scope over the next (``forward``) or previous (``backward``) few
words of its sentence, stopped by a ``terminate`` trigger. Triggers are human-readable records in
``data/assertion_cues_v1.json``, each with a one-line clinical example; the section also asserts (a condition
listed under FAMILY HISTORY is ``family``, under PAST MEDICAL HISTORY ``historical``).
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, get_args

from models.clinical.document import ClinicalDocument, Sentence

Category = Literal["negated", "historical", "family", "hypothetical", "uncertain", "planned", "terminate"]
Direction = Literal["forward", "backward", "both", "terminate"]
FORWARD_WORDS = 8
BACKWARD_WORDS = 5
_SECTION_CATEGORY: dict[str, Category] = {"family": "family", "pmh": "historical", "psh": "historical"}
_WORD = re.compile(r"[a-z0-9/&'-]+")
# A condition named as what a test, screen, vaccine or risk is about ("lung cancer screening", "hepatitis C antibody",
# "HIV test", "hepatitis B vaccine", "fall risk") qualifies that noun: the phrase states no condition of the patient.
# A type letter or number may stand between ("hepatitis" + "C antibody").
_TEST_HEAD = re.compile(
    r"^[\s-]*(?:[a-z0-9]{1,2}\s+)?(?:screening|screen|surveillance|tests?|testing|panel|serology|antibody|antibodies|"
    r"antigen|vaccines?|vaccination|immuni[sz]ation|risk|prophylaxis|prevention)\b",
    re.IGNORECASE,
)


def qualifies_a_test(after: str) -> bool:
    """Whether the words right ``after`` a condition's name make it the object of a test, screen, vaccine or risk
    ("... screening", "... antibody"), not a condition the patient has."""
    return _TEST_HEAD.match(after) is not None


@dataclass(frozen=True)
class CueRule:
    """A trigger literal (lower case), what it asserts and where its scope runs."""

    literal: str
    category: Category
    direction: Direction
    example: str

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> CueRule:
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(row) - allowed)
        if unknown or set(row) != allowed:
            raise ValueError(f"CueRule takes exactly {sorted(allowed)}; got {sorted(row)} (unknown {unknown}).")
        if row["category"] not in get_args(Category):
            raise ValueError(f"CueRule category must be one of {get_args(Category)}; got {row['category']!r}.")
        if row["direction"] not in get_args(Direction):
            raise ValueError(f"CueRule direction must be one of {get_args(Direction)}; got {row['direction']!r}.")
        return cls(**row)

    def to_dict(self) -> dict[str, str]:
        return {"literal": self.literal, "category": self.category, "direction": self.direction,
                "example": self.example}  # fmt: skip


@lru_cache(maxsize=1)
def cue_rules() -> tuple[CueRule, ...]:
    """The shipped cue rules."""
    path = resources.files("models.clinical") / "data" / "assertion_cues_v1.json"
    payload = json.loads(path.read_text(encoding="utf-8"))
    return tuple(CueRule.from_dict(r) for r in payload["rules"])


@dataclass(frozen=True)
class Assertion:
    """The categories whose scope covers a mention, and the triggers that put them there."""

    categories: frozenset[str]
    triggers: tuple[str, ...] = ()

    @property
    def present(self) -> bool:
        """Affirmed, current, about the patient, and not hypothetical or uncertain."""
        return not (self.categories & {"negated", "historical", "family", "hypothetical", "uncertain"})

    def has(self, category: Category) -> bool:
        return category in self.categories


@lru_cache(maxsize=8)
def _rules_by_first_word(rules: tuple[CueRule, ...]) -> dict[str, list[tuple[list[str], CueRule]]]:
    """Rules by the first word of their literal, longest literal first (ties in file order): the rule a scan
    tries first at a word is the longest one starting there."""
    index: dict[str, list[tuple[list[str], CueRule]]] = {}
    for rule in sorted(rules, key=lambda r: -len(r.literal.split())):
        literal = rule.literal.split()
        index.setdefault(literal[0], []).append((literal, rule))
    return index


@dataclass(frozen=True)
class _SentenceCues:
    """The words of one sentence (with note offsets) and the cue triggers found among them."""

    words: list[tuple[str, int, int]]
    hits: list[tuple[int, int, CueRule]]


# Cue scans per document and sentence: a note's sentences are asserted many times (problems, data, risk, services,
# HCC MEAT, diagnosis support), the triggers of a sentence only once. Entries go with their document.
_CUES: weakref.WeakKeyDictionary[ClinicalDocument, dict[int, _SentenceCues]] = weakref.WeakKeyDictionary()


def _scan(sentence: Sentence, rules: tuple[CueRule, ...]) -> _SentenceCues:
    offset = sentence.start
    words = [(m.group(), offset + m.start(), offset + m.end()) for m in _WORD.finditer(sentence.text.lower())]
    tokens = [w for w, _, _ in words]
    index = _rules_by_first_word(rules)
    hits: list[tuple[int, int, CueRule]] = []
    i = 0
    while i < len(tokens):
        for literal, rule in index.get(tokens[i], ()):
            if tokens[i : i + len(literal)] == literal:
                hits.append((i, i + len(literal), rule))
                i += len(literal) - 1
                break
        i += 1
    return _SentenceCues(words, hits)


def _sentence_cues(doc: ClinicalDocument, sentence: Sentence, rules: tuple[CueRule, ...]) -> _SentenceCues:
    """The sentence's cues; cached for the shipped rules (other rule sets are scanned each time)."""
    if rules is not cue_rules():
        return _scan(sentence, rules)
    per_doc = _CUES.setdefault(doc, {})
    cues = per_doc.get(sentence.start)
    if cues is None:
        cues = per_doc[sentence.start] = _scan(sentence, rules)
    return cues


# a colon, or an arrow that leads from an item's words to its plan ("no complicating features >> physical therapy",
# "no red flags -> amoxicillin")
_LABEL_OR_ARROW = re.compile(r":|>>|->|=>")


def _label_between(text: str, words: list[tuple[str, int, int]], after: int, first: int) -> bool:
    """A colon (or an arrow) after the word that follows a trigger and before the mention: the trigger has its object
    before the colon, and what follows the colon is named by the label it ends ("stable, no changes: asthma", "new,
    no complications noted: migraine"). A trigger right before the colon ("Negative for: fever") governs the list."""
    return after < first and _LABEL_OR_ARROW.search(text, words[after][2], words[first][1]) is not None


def assert_span(
    doc: ClinicalDocument, start: int, end: int, rules: tuple[CueRule, ...] | None = None, use_section: bool = True
) -> Assertion:
    """Assertion of ``doc.text[start:end]`` from the triggers of its sentence and its section.

    Example: in "Return if chest pain recurs." the span "chest pain" is ``hypothetical``; in "Denies fever but has
    cough." the span "cough" is affirmed ("but" ends the negation's scope).
    """
    rules = cue_rules() if rules is None else rules
    sentence = doc.sentence_at(start)
    categories: set[str] = set()
    found: list[str] = []
    if sentence is None:
        return Assertion(frozenset())
    if use_section and sentence.section in _SECTION_CATEGORY:
        categories.add(_SECTION_CATEGORY[sentence.section])
        found.append(f"section:{sentence.section}")
    cues = _sentence_cues(doc, sentence, rules)
    words, hits = cues.words, cues.hits
    target = [k for k, (_, s, e) in enumerate(words) if s < end and e > start]
    if not target:
        return Assertion(frozenset(categories), tuple(found))
    first, last = target[0], target[-1]
    stops = [s for s, _, r in hits if r.category == "terminate"]
    for s, e, rule in hits:
        if rule.category == "terminate" or (s <= last and e > first):
            continue
        if rule.direction in ("forward", "both") and e <= first:
            blocked = any(e <= t <= first for t in stops) or _label_between(doc.text, words, e, first)
            if not blocked and first - e < FORWARD_WORDS:
                categories.add(rule.category)
                found.append(rule.literal)
        if rule.direction in ("backward", "both") and s > last:
            blocked = any(last < t < s for t in stops)
            if not blocked and s - last <= BACKWARD_WORDS:
                categories.add(rule.category)
                found.append(rule.literal)
    return Assertion(frozenset(categories), tuple(found))
