"""Clinical wordings that ICD-10-CM titles do not use, read as the wording they stand for.

Notes name conditions by lay terms ("pink eye"), eponyms ("Basedow disease"), Latin names ("verruca vulgaris"),
shorthand ("DJD", "IBS-D", "OD") and the phrases the ICD-10-CM Alphabetic Index sends elsewhere ("poorly controlled"
diabetes is diabetes with hyperglycemia; "degenerative arthritis" is osteoarthritis). The tabular titles and
inclusion terms the audit matches against have none of them. ``data/clinical_terms_v1.csv`` lists each such term
with the title wording it stands for (``see``, as the index's "see" cross-reference), optionally only ``within`` a
text that also names another condition (the index entry is a subterm of it), and its source. A term may be listed
once per condition it reads differently in ("poorly controlled" diabetes is with hyperglycemia, a poorly controlled
migraine is intractable): the row whose condition the text names applies, else the row without one.

A spinal level names its region ("L4 radiculopathy" is lumbar; "C5-C6" is cervical): ICD-10-CM titles name the
region only. A single level is read as a region for the lumbar spine only: "T4", "C3" and "S1" are also a thyroid
hormone, a complement factor and a heart sound, so cervical, thoracic and sacral levels count as a range ("C5-C6").

:func:`fold_tokens` replaces the tokens of each term found with the tokens of its ``see`` wording, at the term's
character span, so that callers keep offsets into the note.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from models.audit.wordforms import content_key
from models.icd10.text import Token, tokenize

TERMS_FILE = "clinical_terms_v1.csv"
INDEX_TERMS_FILE = "icd10cm_index_terms_v1.csv"

_SPINAL_LEVELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bL5\s*[-/]\s*S1\b", re.I), "lumbosacral"),
    (re.compile(r"\bL[1-5](?:\s*[-/]\s*L[1-5])?\b", re.I), "lumbar"),
    (re.compile(r"\bC[1-7]\s*[-/]\s*C[1-7]\b"), "cervical"),
    (re.compile(r"\bT(?:1[0-2]|[1-9])\s*[-/]\s*T(?:1[0-2]|[1-9])\b"), "thoracic"),
)


_SPINAL_FIRST_WORDS = frozenset(
    [f"l{n}" for n in range(1, 6)] + [f"c{n}" for n in range(1, 8)] + [f"t{n}" for n in range(1, 13)]
)


@dataclass(frozen=True)
class TermFold:
    """A term's replacement: the normalised words it stands for, and a (normalised) word the text must also name."""

    see: tuple[str, ...]
    within: str | None
    wording: str = ""  # the see wording as written ("non-ST elevation"), for readers that split words themselves


class ClinicalTerms:
    """The term table, compiled: one pattern for terms in any case, one for terms read in capitals only
    ("OD", "GAS": in lower case they are ordinary words).

    Args:
        rows: ``(term, see, within)`` triples.
    """

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        self._folds: dict[str, tuple[TermFold, ...]] = {}
        # the first word of every term, lower case as tokens carry it: most lines hold none, and are not searched
        self.first_words: frozenset[str] = frozenset(
            [t.lower for term, _, _ in rows for t in tokenize(term)[:1]] + list(_SPINAL_FIRST_WORDS)
        )
        any_case: list[str] = []
        capitals: list[str] = []
        for term, see, within in rows:
            key = term if term.isupper() else term.lower()
            named = [t.norm for t in tokenize(within)]
            fold = TermFold(tuple(t.norm for t in tokenize(see)), named[0] if named else None, see)
            if key not in self._folds:
                (capitals if term.isupper() else any_case).append(re.escape(key))
            self._folds[key] = (*self._folds.get(key, ()), fold)
        self._any_case = _alternation(any_case, re.I)
        self._capitals = _alternation(capitals, 0)

    def matches(self, text: str) -> list[tuple[int, int, tuple[TermFold, ...]]]:
        """(start, end, folds) of each term in ``text`` (its rows, one per condition it is read within), and of each
        spinal level, left to right."""
        found: list[tuple[int, int, tuple[TermFold, ...]]] = []
        for pattern, folded in ((self._any_case, str.lower), (self._capitals, str)):
            if pattern is not None:
                found.extend((m.start(), m.end(), self._folds[folded(m.group())]) for m in pattern.finditer(text))
        for pattern, region in _SPINAL_LEVELS:
            for m in pattern.finditer(text):
                if not any(start <= m.start() < end for start, end, _ in found):
                    found.append((m.start(), m.end(), (TermFold((region,), None),)))
        return sorted(found, key=lambda f: f[0])


def _alternation(terms: list[str], flags: int) -> re.Pattern[str] | None:
    if not terms:
        return None
    # longest first: "gouty arthritis" before "gouty"
    return re.compile(r"(?<![\w-])(?:" + "|".join(sorted(terms, key=len, reverse=True)) + r")(?![\w-])", flags)


def _named(found: list[tuple[int, int, tuple[TermFold, ...]]], norms: set[str]) -> list[tuple[int, int, TermFold]]:
    """The fold that applies at each term found: the row whose condition the text names, else the row without one
    (a term whose every row names a condition the text does not name stays as written). The text names what its
    words name, in any of their word forms ("gouty arthritis of the hallux" names gout), and what its unconditional
    terms stand for ("T2D, out of control")."""
    words = norms.union(*(fold.see for _, _, folds in found for fold in folds if fold.within is None))
    named = {content_key(word) for word in words}
    out: list[tuple[int, int, TermFold]] = []
    for start, end, folds in found:
        fold = next((f for f in folds if f.within is not None and content_key(f.within) in named), None)
        fold = fold or next((f for f in folds if f.within is None), None)
        if fold is not None:
            out.append((start, end, fold))
    return out


def _read_rows(name: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    path = resources.files("models.audit") / "data" / name
    rows: list[tuple[str, ...]] = []
    with path.open(encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            values = tuple((row.get(column) or "").strip() for column in (*required, *optional))
            if not all(values[: len(required)]):
                raise ValueError(f"{path}:{number}: fill the columns {list(required)}, or delete the row.")
            rows.append(values)
    return rows


@lru_cache(maxsize=1)
def clinical_terms() -> ClinicalTerms:
    """The packaged term table (``data/clinical_terms_v1.csv``)."""
    return ClinicalTerms(
        [(term, see, within) for term, see, within in _read_rows(TERMS_FILE, ("term", "see"), ("within",))]
    )


@lru_cache(maxsize=1)
def index_terms() -> dict[str, tuple[str, ...]]:
    """Code -> Alphabetic Index entries that lead to it and that its tabular titles and inclusion terms lack
    (``data/icd10cm_index_terms_v1.csv``: "atypical" chest pain is R07.89, Other chest pain)."""
    out: dict[str, list[str]] = {}
    for code, term in _read_rows(INDEX_TERMS_FILE, ("code", "term")):
        out.setdefault(code, []).append(term)
    return {code: tuple(terms) for code, terms in out.items()}


def fold_text(text: str) -> str:
    """``text`` with each clinical term written as the wording it stands for (a term whose ``within`` word the text
    does not name stays as written): for readers that take words, not tokens (the HCC condition finder), so that the
    audit's readers share one vocabulary."""
    terms = clinical_terms()
    tokens = tokenize(text)
    if not any(t.lower in terms.first_words for t in tokens):
        return text
    out: list[str] = []
    position = 0
    for start, end, fold in _named(terms.matches(text), {t.norm for t in tokens}):
        if start < position:
            continue
        out += [text[position:start], fold.wording or " ".join(fold.see)]
        position = end
    return "".join(out) + text[position:]


def fold_tokens(text: str, tokens: list[Token]) -> list[Token]:
    """``tokens`` of ``text`` with each clinical term's tokens replaced by those of its ``see`` wording (same
    span); a term whose ``within`` word the text does not name stays as written."""
    terms = clinical_terms()
    if not any(t.lower in terms.first_words for t in tokens):
        return tokens
    found = _named(terms.matches(text), {t.norm for t in tokens})
    if not found:
        return tokens
    out: list[Token] = []
    position = 0
    for start, end, fold in found:
        if start < position:  # overlaps a term already folded
            continue
        out.extend(t for t in tokens if position <= t.start < start)
        out.extend(Token(norm, start, end, norm) for norm in fold.see)
        position = end
    out.extend(t for t in tokens if t.start >= position)
    return out
