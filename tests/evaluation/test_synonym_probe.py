"""The synonym probe rewrites each condition name once, and never reads its own synonym as a name again."""

from __future__ import annotations

import random
import re

from datasets.synth.knowledge import load_knowledge
from evaluation.synonym_probe import BATTERIES, rewrite


def _patterns(names: dict[str, tuple[str, ...]]) -> list[tuple[str, re.Pattern[str]]]:
    pairs = sorted(((key, name) for key, group in names.items() for name in group), key=lambda kn: -len(kn[1]))
    return [(key, re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE)) for key, name in pairs]


def test_a_synonym_that_contains_a_name_is_not_rewritten_again() -> None:
    patterns = _patterns({"hypothyroid": ("hypothyroidism",)})
    synonyms = {"hypothyroid": ("acquired hypothyroidism",)}
    text, count = rewrite("1. hypothyroidism, stable. Plan: continue hypothyroidism care.", random.Random(1), patterns,
                          synonyms)  # fmt: skip
    assert text == "1. acquired hypothyroidism, stable. Plan: continue acquired hypothyroidism care."
    assert count == 2


def test_a_shorter_name_inside_a_longer_one_is_left_to_the_longer() -> None:
    patterns = _patterns({"dm": ("type 2 diabetes with polyneuropathy", "polyneuropathy")})
    synonyms = {"dm": ("DM2 with diabetic polyneuropathy",)}
    text, count = rewrite("type 2 diabetes with polyneuropathy", random.Random(1), patterns, synonyms)
    assert (text, count) == ("DM2 with diabetic polyneuropathy", 1)


def test_every_battery_writes_a_side_exactly_where_the_condition_has_one() -> None:
    sided = {condition.key for condition in load_knowledge().conditions if condition.sides}
    for battery in BATTERIES.values():
        for key, names in battery.items():
            assert all(("{side}" in name) == (key in sided) for name in names), key
