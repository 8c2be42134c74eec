"""Tokens with character offsets, sentence splitting and the normalisation shared by notes and code titles.

Normalisation is deliberately simple and symmetric: the same function folds a note's words and the ICD-10-CM titles,
so that a rule like ``renal -> kidney`` (``data/synonyms.csv``) or ``CHF -> congestive heart failure``
(``data/abbreviations.csv``) helps both sides equally. No spaCy at serve time: a 400-word note tokenises in well
under a millisecond.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

_TOKEN = re.compile(r"[A-Za-z]+[0-9]*|[0-9]+(?:[.,][0-9]+)?|[/?;:()]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])|\n+")
PUNCT = frozenset("/?;:()")

# Function words and ICD-10-CM boilerplate that carries no clinical meaning when matching titles.
STOPWORDS = frozenset(
    """
    a an the of and or in on at to for by as is was were be been being are this that these those it its from
    into than then there their his her he she they them we our you your i me my with without due unspecified
    specified other nos elsewhere classified not also which who whom whose has have had having encounter
    initial subsequent sequela site part use
    """.split()  # noqa: SIM905 - a word list reads better as text
)


class Token(NamedTuple):
    """A normalised word of a note with the character offsets of its surface form (``text[start:end]``).

    A named tuple: a 400-word note makes ~1,000 of them per tokenisation, and a tuple is built in less than half
    the time of a frozen dataclass."""

    norm: str
    start: int
    end: int
    lower: str


_new_token = tuple.__new__


@dataclass(frozen=True)
class Sentence:
    """A sentence of a note: its character span and its tokens (offsets are into the whole note)."""

    start: int
    end: int
    tokens: tuple[Token, ...]


def _read_table(name: str, key: str, value: str) -> dict[str, str]:
    path = resources.files("models.icd10") / "data" / name
    table: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or key not in reader.fieldnames or value not in reader.fieldnames:
            raise ValueError(f"{path}: expected columns {key!r} and {value!r}, got {reader.fieldnames}.")
        for number, row in enumerate(reader, start=2):
            term, target = (row[key] or "").strip().lower(), (row[value] or "").strip().lower()
            if not term or not target:
                raise ValueError(f"{path}:{number}: empty {key!r} or {value!r}; fill both columns or delete the row.")
            table[term] = target
    return table


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """``term -> canonical`` word folds (``data/synonyms.csv``)."""
    return _read_table("synonyms.csv", "term", "canonical")


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, ...]]:
    """``abbreviation -> expansion words`` (``data/abbreviations.csv``)."""
    return {k: tuple(v.split()) for k, v in _read_table("abbreviations.csv", "abbreviation", "expansion").items()}


def _plural_s(word: str) -> bool:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "es")):
        return True
    return len(word) > 4 and word.endswith("es") and not word.endswith(("ies", "ses", "tes", "pes"))


@lru_cache(maxsize=65536)
def normalize_word(word: str) -> str:
    """Fold one lower-case word: synonym table first, then a light plural strip, then the table again.

    ``"kidneys" -> "kidney"``, ``"renal" -> "kidney"``, ``"arteries" -> "artery"``, ``"diabetes"`` unchanged.
    """
    table = synonyms()
    if word in table:
        return table[word]
    stem = word
    if len(word) > 4 and word.endswith("ies"):
        stem = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        stem = word[:-2]
    elif _plural_s(word):
        stem = word[:-1]
    return table.get(stem, stem)


@lru_cache(maxsize=65536)
def _surface_words(surface: str) -> tuple[tuple[str, str], ...]:
    """(normalised word, lower-case surface) of each token a word written as ``surface`` gives (notes repeat their
    words: each spelling is read once)."""
    lower = surface.lower()
    expansion = abbreviations().get(lower)
    # A lower-case "ms" or "pe" in running text is usually a word or a unit, not an abbreviation.
    if expansion is not None and (surface.isupper() or len(lower) > 3 or any(c.isdigit() for c in lower)):
        return tuple((normalize_word(word), lower) for word in expansion)
    return ((normalize_word(lower), lower),)


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of ``text[start:end]`` with offsets into ``text``; abbreviations expand into several tokens that share
    the abbreviation's span (``"CHF"`` gives ``congestive``, ``heart``, ``failure``)."""
    out: list[Token] = []
    append = out.append
    for match in _TOKEN.finditer(text, start, len(text) if end is None else end):
        begin, stop = match.span()
        for norm, lower in _surface_words(match.group()):
            # tuple.__new__ directly: the named tuple's own __new__ is a Python call per token (~500 a note)
            append(_new_token(Token, (norm, begin, stop, lower)))
    return out


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of a note (line breaks and sentence-final punctuation), each with its tokens."""
    sentences: list[Sentence] = []
    position = 0
    for boundary in [*(_SENTENCE_END.finditer(text)), None]:
        stop = len(text) if boundary is None else boundary.start()
        if text[position:stop].strip():
            tokens = tokenize(text, position, stop)
            if tokens:
                sentences.append(Sentence(position, stop, tuple(tokens)))
        if boundary is not None:
            position = boundary.end()
    return sentences


def content_words(phrase: str) -> list[str]:
    """Normalised content words of a phrase (stopwords and punctuation removed), in order, without duplicates."""
    seen: dict[str, None] = {}
    for token in tokenize(phrase):
        if token.norm not in STOPWORDS and token.norm not in PUNCT and token.lower not in STOPWORDS:
            seen.setdefault(token.norm, None)
    return list(seen)
