import random
import re

import pytest

from models.clinical.literals import GuardedPattern, may_match, required_literals
from models.services.detector import ServiceDetector


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


def test_guarded_pattern_finds_what_its_pattern_finds() -> None:
    guarded = GuardedPattern(re.compile(r"\b(?:ordered|sent for) (?:cbc|bmp)\b"))
    assert guarded.literals == ("sent for", "ordered")
    text = "labs: cbc ordered cbc and sent for bmp"
    assert [m.span() for m in guarded.finditer(text)] == [m.span() for m in guarded.pattern.finditer(text)]
    assert guarded.search(text, 10) is not None and guarded.search(text, 10).span() == (10, 21)  # type: ignore[union-attr]
    assert guarded.match(text, 10) is not None
    assert guarded.search("cbc reviewed") is None and list(guarded.finditer("cbc reviewed")) == []


def test_every_em_cue_is_searched_wherever_it_matches() -> None:
    """The E/M cues read the same through their literal test: each match on sentences of synthetic notes holds one."""
    from datasets.synth.generator import SynthConfig, generate_encounters
    from models.clinical.document import ClinicalDocument
    from models.em.cues import default_cues

    cues = default_cues()
    patterns = [value for value in vars(cues).values() if isinstance(value, GuardedPattern)]
    patterns += [label.pattern for value in vars(cues).values() if isinstance(value, tuple) for label in value]
    encounters = generate_encounters(SynthConfig(n=30, seed=3, phrasing="train"))
    sentences = [s.norm for e in encounters for s in ClinicalDocument.from_encounter(e).sentences]
    matched = 0
    for guarded in patterns:
        for sentence in sentences:
            expected = [m.span() for m in guarded.pattern.finditer(sentence)]
            assert [m.span() for m in guarded.finditer(sentence)] == expected, guarded.pattern.pattern
            matched += bool(expected)
    assert matched > 100
