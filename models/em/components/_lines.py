"""Lines of the assessment and plan: the unit a problem is addressed in ("2. Hypertension - stable. Plan: ...")."""

from __future__ import annotations

import itertools
import re
import weakref
from dataclasses import dataclass

from models.clinical.document import ClinicalDocument

PLAN_SECTIONS = frozenset({"assessment", "plan", "preventive"})
_NUMBERED = re.compile(r"(?:(?<=\s)|^)(?=(?:#\s?)?\d{1,2}[.)]\s+[A-Za-z])")
# A line ends at a newline, or at the ".," / ": ," that stands for one in flattened transcriptions.
_LINE_BREAK = re.compile(r"\n|(?<=[.:])\s*,(?=\s*\S)")
# An item marker: "-", "*", "#", "1.", "2)", "#1", "Problem 2:", "Dx #3 -" (the problem's words follow it).
_BULLET = re.compile(
    r"^\s*(?:(?:problem|dx|diagnosis|issue)\s*(?:#?\s*\d{1,2}\s*[:.)-]?|:)\s*|#\s?\d{1,2}[.):]?\s+|[-*•#]+\s*|"
    r"\d{1,2}[.)]\s*|\(\d{1,2}\)\s*)",
    re.IGNORECASE,
)


def _numbered_cuts(raw: str) -> list[int]:
    """Starts of inline numbered items "1. ... 2. ... 3. ..." (consecutive numbers from 1 only, so that
    "ISI score 16. CBT-I workbook" is not cut)."""
    cuts: list[int] = []
    expected = 1
    for match in _NUMBERED.finditer(raw):
        number = int(re.match(r"#?\s?(\d+)", raw[match.start() :]).group(1))  # type: ignore[union-attr]
        if number == expected:
            cuts.append(match.start())
            expected += 1
    return cuts if len(cuts) > 1 else []


@dataclass(frozen=True)
class Line:
    """A line (or numbered item) of the note with its section."""

    start: int
    end: int
    text: str
    section: str
    norm: str = ""


# Lines per document: several components (problems, HCC MEAT, diagnosis support, specificity) read the same note's
# lines; they are split once. Entries go with their document.
_LINES: weakref.WeakKeyDictionary[ClinicalDocument, tuple[Line, ...]] = weakref.WeakKeyDictionary()


def _split_lines(doc: ClinicalDocument) -> tuple[Line, ...]:
    out: list[Line] = []
    bounds = [0] + [m.end() for m in _LINE_BREAK.finditer(doc.text)] + [len(doc.text) + 1]
    for line_start, next_start in itertools.pairwise(bounds):
        start = line_start
        raw = doc.text[line_start:next_start].rstrip("\n")
        raw = raw[:-1] if raw.endswith(",") and not raw.endswith(",,") else raw
        if not raw.strip():
            continue
        cuts = _numbered_cuts(raw)
        pieces = sorted({0, *cuts, len(raw)})
        for a, b in itertools.pairwise(pieces):
            piece = raw[a:b]
            if not piece.strip():
                continue
            lead = len(piece) - len(piece.lstrip())
            s, e = start + a + lead, start + a + len(piece.rstrip())
            s = doc.past_header(s)  # the line's own words, not its section header
            while s < e and doc.text[s].isspace():
                s += 1
            if s >= e:
                continue
            sentence = doc.sentence_at(s)
            section = sentence.section if sentence else "other"
            out.append(Line(s, e, doc.text[s:e], section, doc.norm[s:e]))
    return tuple(out)


def lines(doc: ClinicalDocument, sections: frozenset[str] | None = None) -> list[Line]:
    """Non-empty lines of the note (numbered items on one line are split), optionally only in ``sections``."""
    split = _LINES.get(doc)
    if split is None:
        split = _LINES[doc] = _split_lines(doc)
    return [line for line in split if sections is None or line.section in sections]


def _indent(doc: ClinicalDocument, line: Line) -> int:
    """Spaces before the line's first character, when nothing but an inline header ("  Assessment: stable" under
    "Dx 1) GERD") stands before it on its line."""
    line_start = doc.text.rfind("\n", 0, line.start) + 1
    prefix = doc.text[line_start : line.start]
    lead = len(prefix) - len(prefix.lstrip())
    if prefix.strip() and doc.past_header(line_start + lead) != line.start:
        return 0
    return len(prefix[:lead].expandtabs(4))


def items(doc: ClinicalDocument, sections: frozenset[str]) -> list[Line]:
    """Lines in ``sections``, each joined with the lines indented under it (a problem-oriented block: "# Asthma" with
    "  - stable; lungs clear" and "  - continue albuterol" under it is one item)."""
    out: list[Line] = []
    head_indent = 0
    for line in lines(doc, sections):
        indent = _indent(doc, line)
        previous = out[-1] if out else None
        if previous is not None and indent > head_indent and doc.text.count("\n", previous.end, line.start) == 1:
            text = doc.text[previous.start : line.end]
            out[-1] = Line(previous.start, line.end, text, previous.section, doc.norm[previous.start : line.end])
            continue
        out.append(line)
        head_indent = indent
    return out


# A SOAP part label opening an assessment item ("* A: COPD, stable.  P: continue tiotropium") names the part of the
# note, not the problem.
_PART_LABEL = re.compile(r"^(?:a|assessment|imp(?:ression)?)\s*:\s*(?=\S)", re.IGNORECASE)


def strip_bullet(text: str) -> str:
    """The item's own words: without its markers ("-", "2.", "Problem 3:", a bullet before a number or label:
    "- 1.", "* Problem 2 -") and a part label ("A:") after them."""
    for _ in range(2):
        stripped = _BULLET.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return _PART_LABEL.sub("", text, count=1)


# An item number written with a slash ("1/ CKD stage 3a"), which the bullet reader leaves among the item's words
_SLASH_NUMBER = re.compile(r"^\s*\(?\d{1,2}\s*/\s+")


def item_marker(text: str) -> str:
    """The marker opening an item line ("#", "Dx 2)", "-", "1/"), or "" for a line that opens with its words."""
    marker = text[: len(text) - len(strip_bullet(text))]
    if not marker.strip() and (number := _SLASH_NUMBER.match(text)) is not None:
        marker = number.group(0)
    return marker.strip()
