import random
import re

import pytest

from models.services.detector import ServiceDetector
from models.services.literals import may_match, required_literals


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"venipuncture", ("venipuncture",)),
        (r"\bpfts?\b", ("pft",)),
        (r"(?:urine|ua) dip(?:stick)?", (" dip",)),
        (r"(?:guaiac|hemoccult)[^.;]{0,20}cards?", ("hemoccult", "guaiac")),
        (r"(?:shave|tangential)\W+biops", ("tangential", "shave")),
        (r"(?:x)+ray", ("ray",)),
    ],
)
def test_required_literals_of_written_runs_groups_and_branches(pattern: str, expected: tuple[str, ...]) -> None:
    assert required_literals(re.compile(pattern)) == expected


@pytest.mark.parametrize("pattern", [r"[a-z]+\d", r"(?:abc|[0-9])x?", r"(?:lesion)?"])
def test_no_literal_when_a_match_can_avoid_every_written_run(pattern: str) -> None:
    assert required_literals(re.compile(pattern)) is None
    assert may_match(None, "a text without any of the words")


def test_patterns_that_ignore_case_are_always_searched() -> None:
    assert required_literals(re.compile("ecg", re.IGNORECASE)) is None
    assert required_literals(re.compile("(?i:ecg)")) is None


def test_every_catalogue_match_holds_a_required_literal() -> None:
    """A sentence a pattern matches is never skipped: each match (also on text built to match) holds a literal."""
    detector = ServiceDetector()
    rng = random.Random(7)
    words = [
        "knee",
        "injected",
        "today",
        "ecg",
        "ekg",
        "pft",
        "urine",
        "dip",
        "hemoccult",
        "cards",
        "placed",
        "ppd",
        "rapid",
        "strep",
        "test",
        "biopsy",
        "shave",
    ]
    texts = [" ".join(rng.choices(words, k=8)) for _ in range(400)]
    patterns = [p for rule in detector.catalogue.services for p in rule.compiled]
    patterns += [p for _, p in detector._drug_re]
    matched = 0
    for pattern in patterns:
        literals = required_literals(pattern)
        assert literals, pattern.pattern  # every shipped pattern gets a pre-test
        for text in texts:
            if pattern.search(text):
                matched += 1
                assert may_match(literals, text), (pattern.pattern, text)
    assert matched > 100
