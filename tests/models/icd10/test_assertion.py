"""ConText-style assertion rules: which words are excluded from coding."""

from __future__ import annotations

import pytest

from models.icd10.assertion import ContextAnnotator, ContextRule, default_rules
from models.icd10.text import split_sentences


def _excluded_words(text: str) -> set[str]:
    annotator = ContextAnnotator()
    out: set[str] = set()
    for sentence in split_sentences(text):
        flags = annotator.annotate(sentence)
        out |= {t.lower for t, ex in zip(sentence.tokens, flags.excluded, strict=True) if ex}
    return out


@pytest.mark.parametrize(
    ("text", "excluded", "kept"),
    [
        ("No evidence of chf but there is pneumonia.", {"chf"}, {"pneumonia"}),
        ("She denies chest pain.", {"chest", "pain"}, set()),
        ("Family history of colon cancer.", {"colon", "cancer"}, set()),
        ("Mother had breast cancer; patient has asthma.", {"breast", "cancer"}, {"asthma"}),
        ("Possible pneumonia.", {"pneumonia"}, set()),
        ("Return if fever recurs.", {"fever"}, set()),
        ("The rash resolved.", {"rash"}, set()),
        ("Culture for tuberculosis was negative.", {"tuberculosis"}, set()),
        ("History of duodenal ulcer.", set(), {"duodenal", "ulcer"}),
    ],
    ids=["terminated", "denies", "family", "family-then-patient", "uncertain", "hypothetical", "resolved",
         "backward-negative", "historical-kept"],
)  # fmt: skip
def test_assertion_scopes(text: str, excluded: set[str], kept: set[str]) -> None:
    words = _excluded_words(text)
    assert excluded <= words
    assert not (kept & words)


def test_assertion_rules_round_trip_and_reject_unknown_keys() -> None:
    for rule in default_rules():
        assert ContextRule.from_dict(rule.to_dict()) == rule
    with pytest.raises(ValueError, match=r"Unknown ContextRule keys \['scope'\]"):
        ContextRule.from_dict({"literal": "no", "category": "NEGATED_EXISTENCE", "direction": "FORWARD", "scope": 3})
    with pytest.raises(ValueError, match="ContextRule category must be one of"):
        ContextRule.from_dict({"literal": "no", "category": "NEGATED", "direction": "FORWARD"})


def test_assertion_rules_have_examples_and_unique_literals() -> None:
    rules = default_rules()
    assert all(rule.example for rule in rules)
    literals = [rule.literal for rule in rules]
    assert len(literals) == len(set(literals))
