"""Lines of the assessment and plan: the unit a problem is addressed in ("2. Hypertension - stable. Plan: ...")."""

from __future__ import annotations

import itertools
import re
import weakref
from dataclasses import dataclass

from models.clinical.document import ClinicalDocument, section_kind
from models.clinical.zones import decides, judges

PLAN_SECTIONS = frozenset({"assessment", "plan", "preventive"})
_NUMBERED = re.compile(r"(?:(?<=\s)|^)(?=(?:#\s?)?\d{1,2}[.)]\s+[A-Za-z])")
# A line ends at a newline, or at the ".," / ": ," that stands for one in flattened transcriptions.
_LINE_BREAK = re.compile(r"\n|(?<=[.:])\s*,(?=\s*\S)")
# An item marker: "-", "*", "#", "1.", "2)", "#1", "Problem 2:", "Dx #3 -" (the problem's words follow it).
# a template's check box ("[x] ", "[✓] ", "☑ ") or a dash ("— ") marks a list entry as a bullet does
_BULLET = re.compile(
    r"^\s*(?:(?:problem|dx|diagnosis|issue)\s*(?:#?\s*\d{1,2}\s*[:.)-]?|:)\s*|#\s?\d{1,2}[.):]?\s+|[-*•#\u2013\u2014]+\s*|"
    r"\d{1,2}[.)]\s*|\(\d{1,2}\)\s*|\[[xX\u2713\u2714]\]\s*|[\u2611\u2612\u2713\u2714]\s*)",
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
        # a section that begins within the line (a history paragraph that turns to the assessment) cuts it there
        turns = [s.start - line_start for s in doc.sections if line_start < s.start < line_start + len(raw)]
        pieces = sorted({0, *cuts, *turns, len(raw)})
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
            line = Line(s, e, doc.text[s:e], section, doc.norm[s:e])
            out.extend(_split_run_on(doc, line) if section in PLAN_SECTIONS else (line,))
    return tuple(out)


def lines(doc: ClinicalDocument, sections: frozenset[str] | None = None) -> list[Line]:
    """Non-empty lines of the note (numbered items on one line, and problems run on in one assessment line, are
    split), optionally only in ``sections``."""
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


# A sentence of an item that opens with a label and a mark ("PAF on warfarin: stable ...", "COPD, GOLD 2 -- good
# control; ...") and the rest of it.
_LABELLED = re.compile(r"(?P<label>[^.:;\n]{2,60}?)(?::|\s-{1,2}\s|\s[\u2013\u2014]\s)(?P<rest>.*)", re.DOTALL)
_ITEM_SENTENCE = re.compile(r"(?:[^.!?;]|[.;](?=\S))+(?:[.!?;]+|$)")  # "BMI 41.8" or "3.4" ends none


def _run_on_cuts(norm: str) -> list[int]:
    """Starts of the problems run on in one item after the first ("chronic systolic CHF: at target ... carvedilol
    increased. PAF on warfarin: stable on current therapy. ... warfarin dose adjusted."): a sentence that labels
    something other than a part of the note and judges it, once the problem before it has been decided on."""
    cuts: list[int] = []
    since = 0
    for match in _ITEM_SENTENCE.finditer(norm):
        start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        labelled = _LABELLED.match(norm, start, match.end())
        if (
            start > since
            and labelled is not None
            and section_kind(labelled.group("label")) == "other"
            and judges(labelled.group("rest"))
            and decides(norm[since:start])
        ):
            cuts.append(start)
            since = start
    return cuts


def _split_run_on(doc: ClinicalDocument, item: Line) -> list[Line]:
    """``item`` cut where another problem is run on after it (see ``_run_on_cuts``)."""
    bounds = [0, *_run_on_cuts(item.norm), len(item.text)]
    out = []
    for a, b in itertools.pairwise(bounds):
        start, end = item.start + a, item.start + a + len(item.text[a:b].rstrip())
        out.append(Line(start, end, doc.text[start:end], item.section, doc.norm[start:end]))
    return out


# The parts of a problem's item a line may be labelled with ("Exam/data: ...", "O/E ...", "Management: ...", "Labs
# ordered ..."): findings, data and plan; a history label only with its colon ("History of falls" names a problem).
_PART_KINDS = frozenset({"exam", "data", "plan"})
# the label of a part of an item, set off by a colon or a spaced dash ("Status: stable", "Plan - continue ...")
_PART_LABEL_MARK = re.compile(r"^[\W_]*(?P<label>[a-z][^:\n]{0,24}?)(?::|\s[-\u2013\u2014]{1,2}\s)")
# a label naming the course of the item's problem, which the item itself grades ("Status - at goal", "Course:
# worsening", "Control: poor"): a part of the item, not a problem of its own
_COURSE_LABEL = re.compile(r"(?:current |overall |clinical )?(?:status|course|control|trend|trajectory|progress)")
_FIRST_WORD = re.compile(r"^[\W_]*(?P<word>[a-z][a-z/&-]*)")


def _continues(doc: ClinicalDocument, previous: Line, line: Line) -> bool:
    """Whether ``line`` goes on with the item above it: the item broke off within a sentence (after a comma or
    semicolon), or the line is labelled as a part of an item ("Exam/data: ...", "Management: ...") rather than
    naming a problem of its own."""
    if previous.text.rstrip().endswith((",", ";")):
        return True
    written = doc.norm[doc.text.rfind("\n", 0, line.start) + 1 : line.end]
    label = _PART_LABEL_MARK.match(written)
    if label is not None:
        words = label.group("label")
        return _COURSE_LABEL.fullmatch(words) is not None or section_kind(words) in _PART_KINDS | {"hpi", "ros"}
    word = _FIRST_WORD.match(written)
    return word is not None and section_kind(word.group("word")) in _PART_KINDS


def _part_header_between(doc: ClinicalDocument, previous: Line, line: Line) -> bool:
    """Whether the one line between ``previous`` and ``line`` is a bare label of a part of an item ("  Plan:" over
    "  - no changes to escitalopram"): the label is read as a section header and has no line of its own."""
    between = doc.norm[previous.end : line.start].split("\n")
    if len(between) != 3:
        return False
    label = _PART_LABEL_MARK.match(between[1].strip())
    return (
        label is not None
        and not between[1].strip()[label.end() :].strip()
        and (
            section_kind(label.group("label")) in _PART_KINDS
            or _COURSE_LABEL.fullmatch(label.group("label")) is not None
        )
    )


def items(doc: ClinicalDocument, sections: frozenset[str]) -> list[Line]:
    """Lines in ``sections``, each joined with the lines that go on with it: those indented under it (a
    problem-oriented block: "# Asthma" with "  - stable; lungs clear" and "  - continue albuterol" under it is one
    item, and so are bullets under an indented part label: "#1 GAD: at goal" over "  Plan:" over "  - no changes to
    escitalopram") and those that continue its sentence or are labelled as a part of it (see ``_continues``)."""
    out: list[Line] = []
    head_indent = 0
    for line in lines(doc, sections):
        indent = _indent(doc, line)
        previous = out[-1] if out else None
        if previous is not None and (
            (
                (indent > head_indent or _continues(doc, previous, line))
                and doc.text.count("\n", previous.end, line.start) == 1
            )
            or (indent > head_indent and _part_header_between(doc, previous, line))
        ):
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


# An item number closed by a slash or a square bracket ("1/ CKD stage 3a", "2] COPD"), which the bullet reader leaves
# among the item's words
_OTHER_NUMBER = re.compile(r"^\s*[(\[]?\d{1,2}\s*[/\]]\s+")


def item_body(text: str) -> str:
    """The item's own words (:func:`strip_bullet`, and an item number the bullet reader leaves)."""
    body = strip_bullet(text)
    return _OTHER_NUMBER.sub("", body, count=1) if body == text else body


def item_marker(text: str) -> str:
    """The marker opening an item line ("#", "Dx 2)", "-", "1/"), or "" for a line that opens with its words."""
    return text[: len(text) - len(item_body(text))].strip()
