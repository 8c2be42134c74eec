"""Same-length repair of transposed letters ("stabel" -> "stable", "diabeitc" -> "diabetic") before cue matching.

Dictated and typed notes swap adjacent letters; a swapped cue word would hide a status, an order or a drug. A word
of 5+ letters that is not known is repaired when swapping one adjacent pair gives a known word or a known stem
(the cue lexicons' words, e.g. ``diabet``), or a word used elsewhere in the same note. The repair never changes the
length, so evidence offsets stay valid; evidence text is always taken from the original note.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"[a-z]{5,}")
_ENDINGS = ("", "s", "es", "ed", "d", "ing", "e", "ic", "al", "ion", "ive", "y", "ies", "er", "ly", "ment")
_LEXICONS = (
    ("models.em", "em_cues_v1.json"),
    ("models.clinical", "assertion_cues_v1.json"),
    ("models.services", "service_catalogue_v1.json"),
    ("models.hcc", "condition_terms_v1.csv"),
    ("models.hcc", "meat_cues_v1.json"),
)


@lru_cache(maxsize=1)
def lexicon_words() -> frozenset[str]:
    """Alphabetic runs of 4+ letters in the shipped cue files (words and stems such as ``diabet``)."""
    words: set[str] = set()
    for package, name in _LEXICONS:
        text = (resources.files(package) / "data" / name).read_text(encoding="utf-8").lower()
        for stem in re.findall(r"[a-z]{4,}", text):
            # regex stems ("diabet", "review", "controll") with the usual endings
            words.update(stem + ending for ending in _ENDINGS)
    return frozenset(words)


def repair(lowered: str) -> str:
    """``lowered`` (already lower case) with transposed letters fixed; same length as the input."""
    counts = Counter(_WORD.findall(lowered))
    lexicon = lexicon_words()
    repeated = {w for w, c in counts.items() if c >= 2}  # the note's own vocabulary (the lexicon is not copied)
    out = list(lowered)
    for match in _WORD.finditer(lowered):
        word = match.group()
        if word in lexicon or word in repeated:
            continue
        for candidate in _swaps(word):
            if candidate in lexicon or candidate in repeated:
                out[match.start() : match.end()] = candidate
                break
    return "".join(out)


@lru_cache(maxsize=65536)  # notes share most of their unknown words ("patient", "reports"): each is spelled once
def _swaps(word: str) -> tuple[str, ...]:
    """The words one adjacent transposition makes of ``word`` (other than ``word``), first pair first."""
    swapped = (word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1))
    return tuple(candidate for candidate in swapped if candidate != word)
