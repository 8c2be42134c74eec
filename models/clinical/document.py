"""The document object every extractor reads and annotates: sentences, sections, and mentions with evidence spans.

A pipeline component (``models/em/components``) receives a :class:`ClinicalDocument`, adds one kind of annotation
to ``doc.mentions`` and returns the document. Evidence is always a character span into the original note, so the
audit engine and the review UI can highlight it.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from models.clinical.typos import repair
from models.clinical.zones import assessment_start, decides, judges, paragraphs, reads_as_assessment

if TYPE_CHECKING:
    from datasets.schema import Encounter

SectionKind = Literal[
    "chief_complaint",
    "hpi",
    "ros",
    "pmh",
    "psh",
    "family",
    "social",
    "medications",
    "allergies",
    "exam",
    "data",
    "procedure",
    "assessment",
    "plan",
    "time",
    "preventive",
    "other",
]

# Header vocabulary -> section kind, by keyword (order matters: the first keyword found wins). Headers written
# alone on a line ("ASSESSMENT AND PLAN", "== Objective ==", "Results") are classified by keyword; a header that
# starts a line and is followed by text ("HPI: 45 yo ...") must be one of _INLINE_HEADERS, so that "Result reviewed:
# BMP ..." inside a plan does not open a new section.
_KEYWORDS: tuple[tuple[str, SectionKind], ...] = (
    (r"\bfamily\b|\bfhx?\b|\bfam\b", "family"),
    (r"\bsocial\b|\bshx?\b|\bsoc\b|\bhabits\b|\blifestyle\b", "social"),
    (r"surgical", "psh"),
    # "On direct questioning, ...", "Systems enquiry": the review of systems as letters name it
    (r"review of systems|\bros\b|\bsystems?\b|\bdirect questioning\b|\b(?:enquiry|inquiry)\b", "ros"),
    # a list of diagnoses qualified as carried ("Ongoing diagnoses", "Other chronic dx") is the problem list, unless it
    # says they were handled at this visit ("Chronic diagnoses managed today")
    (
        r"^(?!.*\b(?:addressed|managed|treated|evaluated|today)\b).*\b(?:ongoing|long[- ]?term|chronic|known|existing|"
        r"other|past|previous|prior)\b.*\b(?:diagnos[ie]s|dx|issues|problems)\b|"
        r"^(?!.*\b(?:addressed|managed|treated|evaluated|today)\b).*\bactive (?:dx|problems?)\b",
        "pmh",
    ),
    # "Pain assessment", "Nutritional status", "Performance status": a measurement of one domain taken with the
    # history, not the physician's assessment of the problems
    (
        r"^(?:pain|falls?|fall risk|nutrition(?:al)?|functional|cognitive|performance|psychosocial|nursing|skin)\b"
        r".*\b(?:assessment|screen(?:ing)?|status)$",
        "hpi",
    ),
    # "Problems addressed today", "Acute/chronic problems also managed today", "Today's issues", "Problems this
    # visit": the problems of this visit, not a list
    (
        r"assessment|\bassess\b|impression|\ba/?p\b|\ba&p\b|diagnos[ie]s|decision making|\bissues\b|"
        r"\btoday'?s (?:problems|concerns)\b|\bproblems (?:for |at )?(?:today|this visit)\b|"
        r"\b(?:addressed|managed|treated|evaluated)\b|\bsummary\b|\bdiscussion\b|\bformulation\b|"
        # "MDM:" heads the assessment in ED and urgent-care notes; "Imp:" and a bare "Dx:" are dictation shorthand
        r"\bconclusions?\b|\bmdm\b|^imp$|^dx$",
        "assessment",
    ),
    (r"\bplan\b|recommendation|disposition|\borders?\b|\bmanagement\b", "plan"),
    (r"complaint|^reason\b|\bcc\b|concern|^why\b|\bc/o\b", "chief_complaint"),
    (
        r"present illness|\bhpi\b|subjective|\bsubj\b|\binterval\b|^history$|\baccount\b|\bnarrative\b|"
        r"\bpresentation\b|\bstory\b",
        "hpi",
    ),
    (
        r"problem list|active problems?$|^problems?$|^probs?$|^pl$|chronic conditions|past medical|\bpmh\b|"
        r"medical (?:history|hx)|past (?:history|hx)|\bproblems\b|\bconditions\b|\bpmhx\b|comorbid",
        "pmh",
    ),
    (r"allerg|intoleran|^all$|sensitivit|\badrs?\b|adverse (?:drug )?(?:reactions?|effects?)", "allergies"),
    (
        r"medication|\bmeds\b|\brx\b|prescriptions|\bmed (?:rec|list)\b|\bmedicines?\b|"
        r"\bcurrent (?:therap(?:y|ies)|treatments?)\b",
        "medications",
    ),
    (r"exam|objective|\bobj\b|vital|\bpe\b|(?:physical|clinical) findings|^o/e$", "exam"),
    (r"procedure|\bprocs?\b|\binterventions?\b", "procedure"),
    (r"\blabs?\b|laborator|result|data|diagnostic|imaging|studies|investigations?|\bwork-?up\b", "data"),
    (r"prevent|health (?:care )?maint|\bhc?m\b|immuniz|wellness|screening", "preventive"),
    (r"\btime\b", "time"),
)
# Words section headers are made of in real notes ("HISTORY OF PRESENT ILLNESS", "Current Outpatient Medications",
# "Problem-based A/P", "Diagnoses", "Orders", "pmhx", "soc hx"), with or without a qualifier in brackets ("A/P (by
# problem):"). A mixed-case line opening "Words: text" is a header when every word is one of these, so that "Result
# reviewed: BMP ..." or "Plan agreed: ..." inside a plan does not open a section; an upper-case opening
# ("IMPRESSION/PLAN:  1. ...") is a header whatever its words, as in dictated notes.
_HEADER_WORDS = frozenset({
    "a", "active", "allergies", "allergy", "and", "assessment", "based", "brief", "care", "chief", "chronic",
    "clinical", "complaint", "concern", "conditions", "consultation", "course", "current", "data", "decision",
    "diagnoses", "diagnosis", "diagnostic", "diagnostics", "disposition", "encounter", "exam", "examination", "fam",
    "family", "findings", "for", "health", "history", "home", "hpi", "hx", "illness", "imaging", "immunizations",
    "impression", "in-office", "interval", "intolerances", "lab", "laboratory", "labs", "list", "maintenance", "making",
    "medical", "medication", "medications", "meds", "note", "objective", "of", "office", "orders", "outpatient", "p",
    "past", "performed", "personal", "physical", "plan", "pmhx", "present", "prevention", "preventive", "problem",
    "problem-based", "problems", "procedure", "procedures", "reason", "recommendations", "results", "review", "ros",
    "rx", "screening", "signs", "soc", "social", "studies", "subjective", "summary", "surgical", "system", "systems",
    "time", "visit", "vital", "vitals", "wellness",
    "med", "rec", "management", "discussion", "investigations", "interventions", "comorbidities",
    "medicines", "sensitivities", "lifestyle", "habits",
    "formulation", "conclusion", "conclusions", "issues", "today's", "mdm", "imp",
})  # fmt: skip
# A section number before a header ("1) Interval events:", "IV. Plan", "B. Exam") numbers the note's sections.
_SECTION_NUMBER = r"(?P<number>(?:\d{1,2}|[IVX]{1,4}|[A-H])[.)][ \t]+)?"
_LINE_HEADER = re.compile(
    r"^[ \t]*(?:[-*#=]+[ \t]*)?"
    + _SECTION_NUMBER
    + r"(?P<header>[A-Za-z][A-Za-z /&'-]{0,50}?)[ \t]*(?:\([^()\n]{1,30}\))?[ \t]*(?:=+|\*+)?"
    r"[ \t]*:[ \t]*",
    re.MULTILINE,
)
# A run-in header set off by a mark other than a colon ("Opinion and plan -- ...", "Plan >> ...", "Exam | ..."):
# the mark is not one that ordinary sentences open with, so any short phrase naming a section is a header. The
# dictation and journal style closes the header with a full stop before the dash ("Impression.\u2014 ...",
# "History. -- ...").
_MARKED_HEADER = re.compile(
    r"^[ \t]*(?P<header>[A-Za-z][A-Za-z /&'-]{0,40}?)(?:[ \t]+|\.[ \t]*)(?P<mark>-{2,}|[\u2013\u2014]|>{1,2}|=>|\|)"
    r"[ \t]+(?=\S)",
    re.MULTILINE,
)
# A note whose named headers are run in with one mark ("Visit reason >> ...", "Thoughts and plan >> ...") is written
# from a template: a paragraph opened by a short phrase and that mark ("How it began >> ...") is its section too, even
# when we cannot name it, and ends the section above it. A problem line inside a paragraph ("Chest pain -- likely
# musculoskeletal") opens no paragraph.
_TEMPLATE_MARK_USES = 2
_INLINE_HEADERS = re.compile(
    r"^[ \t]*(?:[-*#=]+[ \t]*)?"
    + _SECTION_NUMBER
    + r"(?P<header>chief complaint|cc|reason for visit|history of present illness|"
    r"hpi|subjective|"
    r"review of systems|ros|past medical history|pmh|past surgical history|psh|problem list|active problems|"
    r"family history|fh|fhx|family hx|social history|sh|shx|social hx|medications|current medications|meds|"
    r"medication list|allergies|allergy list|physical exam(?:ination)?|exam|pe|objective|vitals|vital signs|"
    r"labs|data reviewed|results|diagnostics|labs/imaging|procedures?|procedure note|proc|"
    r"assessment and plan|assessment & plan|assessment/plan|a/p|a&p|assessment|impression|plan|"
    r"health maintenance|health care maintenance|preventive care|preventive services|hm|hcm|s|o|a|p)[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)
# A header alone on its line, with whatever marks the template uses ("Results:", "== Objective ==", "**Plan**",
# "IMPRESSION --", "<Exam>", "[Assessment]") and an optional qualifier in brackets ("ROS (pertinent)").
# A rule of dashes may frame it ("—— Plan ——", "--- Exam ---"), and an arrow or plus may join its words ("Assessment →
# Plan", "Assessment + Plan").
_ALONE_HEADER = re.compile(
    r"^[ \t]*(?P<open>=+|#+|\*+|<|\[|[-\u2013\u2014\u2500\u2501]{2,})?[ \t]*"
    + _SECTION_NUMBER
    + r"(?P<header>[A-Za-z][A-Za-z /&'+\u2192-]{0,40}?)[ \t]*(?:\([^()\n]{1,30}\))?"
    r"[ \t]*(?P<close>[:=*]+|-{1,3}|[-\u2013\u2014\u2500\u2501]{2,}|>|\])?[ \t]*$",
    re.MULTILINE,
)
_BRACKETS = {"<": ">", "[": "]"}
# A letter or narrative note has no header lines: each paragraph opens with a short phrase naming its subject, run on
# into the paragraph and set off by a comma, a full stop or a colon ("On examination, ...", "As to allergies, ...",
# "My impression is as follows. ...", "The current medicines are ..."). Read only where the note has no header of
# its own, so that a headed note's paragraphs keep the sections their headers give them.
_LINKING = r"[ \t]+(?:are|is|was|were|include[sd]?|comprise[sd]?)\b"
_LEAD_IN = re.compile(
    rf"[ \t]*(?P<header>[A-Za-z][A-Za-z /&'-]{{0,80}}?)(?:[,:]|\.(?=\s)|$|(?={_LINKING}))", re.MULTILINE
)
# what a linking verb runs on to before the paragraph's own words ("... are as follows. ..."), if it ends soon
_LINKED_CLAUSE = re.compile(rf"{_LINKING}[A-Za-z \t]{{0,30}}?(?:[,:]|\.(?=\s))")
_LEAD_IN_WORDS = 10
# In a letter "By way of background, ..." opens the past history; a header "Background information:" heads anything
# from the sources of the history to the story itself, so only the letter's opening phrase is read so.
_LEAD_IN_PMH = re.compile(r"\bbackground\b", re.IGNORECASE)
_LETTER_HEADERS = 0  # a note with at most this many headers of its own is read by its lead-in phrases
# A singular item noun run in before the item's own words ("Problem: chronic heart failure. Course: stable.") labels
# one entry of the list it stands in; a list of the patient's problems is named as a list ("Problems:", "Problem
# list:") or stands alone on its line.
_ITEM_LABEL = re.compile(r"^\s*(?:problem|prob|issue|condition)\s*$", re.IGNORECASE)
# Transcriptions flattened to one line (MTSamples) keep their line breaks as ".," or ": ," - both end a sentence. Two
# spaces after a full stop end one whatever case follows (dictation: "rectal exam without mass.  decision for ...").
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z0-9(\[#-])|(?<=[.!?])[ \t]{2,}(?=\S)|\n+|(?<=;)\s+| \| |(?<=[.:])\s*,(?=\s*\S)"
)
# An upper-case header inside a flattened transcription: "...prolapse.,IMPRESSION:  ,1. The patient..."
_CAPS_HEADER = re.compile(r"(?:^|(?<=[,.;]))\s*(?P<header>[A-Z][A-Z /&-]{1,50}[A-Z])\s*:", re.MULTILINE)
# A section label may run in before the intro ("Known conditions: Listed on the chart, not dealt with today:"); the
# intro's own words still decide what the list is.
_RUN_IN_LABEL = r"(?:[A-Za-z][^\n:]{0,40}:[ \t]+)?"
# A line that introduces a list of the patient's conditions ("Other chronic issues on file:", "Chronic dx (per EHR
# problem list, not addressed today):") opens a problem-list block wherever it stands, up to the next blank line: the
# conditions under it are carried on the chart, not assessed at this visit. An intro that says the problems were
# handled at this visit ("Additional issues addressed at this visit:") introduces assessed problems instead.
_LIST_INTRO = re.compile(
    rf"^[ \t]*{_RUN_IN_LABEL}(?P<intro>[^\n:]{{0,80}}?\b(?:problems|issues|conditions|diagnoses|dx|problem list|pmh)\b"
    r"(?!-)[^\n:]{0,60}):"
    r"[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Any line ending in a colon is an intro; what it says about the list decides whether the list is today's work.
_INTRO_LINE = re.compile(rf"^[ \t]*{_RUN_IN_LABEL}(?P<intro>[A-Za-z][^\n:]{{2,140}}):[ \t]*$", re.MULTILINE)
_ADDRESSED_HERE = re.compile(
    r"(?<!not )\b(?:addressed|managed|evaluat\w*|handled|treated|assessed|performed|seen|separate\w*)\b", re.IGNORECASE
)
_ON_CHART = re.compile(r"\bon (?:file|(?:the )?chart|record|the ehr)\b|\bcarr(?:y|ies|ied)\b", re.IGNORECASE)
# An intro that denies the list today's work, composed rather than listed: a negation governing a verb or noun of
# clinical work within three words ("no action this visit", "not dealt with today", "none reassessed", "nothing
# changed"), or the work placed with another clinician or another day ("managed elsewhere", "followed by PCP",
# "deferred to next visit"). Word stems, so that "re-evaluated", "reassessment" or "handling" read the same.
_NEGATION = r"(?:\bnot|\bno|\bnone|\bnever|\bnothing|\bwithout|\bneither|n't)"
_CLINICAL_WORK = (
    r"(?:re-?)?(?:address|deal|dealt|manag|treat|assess|evaluat|work|handl|action|chang|focus|discuss|review|adjust|"
    r"touch|look)\w*"
)
_WORK_DENIED = re.compile(
    rf"{_NEGATION}\W+(?:\w+\W+){{0,3}}?{_CLINICAL_WORK}|\b{_CLINICAL_WORK}\W+(?:\w+\W+){{0,2}}?(?:elsewhere|"
    r"by (?:\w+ ){0,2}(?:pcp|primary|specialist|team|clinic|service|\w+(?:ology|ologist|ist)s?)\b)|"
    r"\b(?:elsewhere|deferr?(?:ed|al)?|postponed|next (?:visit|appointment|time))\b|\bfollowed (?:by|in|at|with)\b",
    re.IGNORECASE,
)
ASSESSMENT_KINDS: frozenset[SectionKind] = frozenset({"assessment", "plan"})
# the kinds of what an assessment item quotes as its basis: findings, results, the history told
_QUOTED_KINDS: frozenset[SectionKind] = frozenset({"exam", "data", "hpi", "ros"})
_MIN_PARAGRAPHS = 3  # zoning by content needs a note in paragraphs: history, findings, assessment at least
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Evidence:
    """A span of the note: ``text == note[start:end]``."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Sentence:
    """A sentence (or list line) of the note with its section; ``norm`` is its lower-cased, typo-repaired text
    (same length as ``text``, so offsets carry over)."""

    start: int
    end: int
    text: str
    section: SectionKind
    norm: str = ""


@dataclass(frozen=True)
class Section:
    """A section from its header to the next one; ``body_start`` is where the text after the header begins."""

    kind: SectionKind
    start: int
    end: int
    body_start: int = -1


@dataclass(frozen=True)
class Mention:
    """One annotation: its kind (``problem``, ``data``, ``risk``, ``time``, ``visit``, ``service``, ``meat``), a label
    from that kind's closed vocabulary, the evidence span, and free attributes (e.g. a problem's status)."""

    kind: str
    label: str
    evidence: Evidence
    attrs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "evidence": self.evidence.to_dict(), "attrs": dict(self.attrs)}


def unify_line_breaks(text: str) -> str:
    """``text`` with Windows ("\\r\\n") and old Mac ("\\r") line breaks written as "\\n", keeping its length: a
    carriage return before a line feed becomes a space (trailing space on the line), a lone one a line feed. Every
    reader finds line starts and ends with "\\n" (``^``/``$``); offsets into the result are offsets into ``text``."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", " \n").replace("\r", "\n")


def section_kind(header: str) -> SectionKind:
    """The section a header names, by keyword ("Assessment & Plan" -> assessment); ``other`` when none."""
    return _section_kind(header)


@lru_cache(maxsize=4096)  # notes reuse a few hundred headers; each is tried against every keyword pattern
def _section_kind(header: str) -> SectionKind:
    lowered = header.strip().lower()
    if _ON_CHART.search(lowered):
        # "Longstanding diagnoses on file": the list kept on the chart, whatever its words; it opens no section of
        # its own but is cut out of the one it stands in as a problem list (see _LIST_INTRO)
        return "other"
    for pattern, kind in _KEYWORDS:
        if re.search(pattern, lowered):
            return kind
    return "other"


def _is_line_header(header: str) -> bool:
    """An opening "Words:" that names a section: upper case (dictation), or made only of header words."""
    words = [w for w in re.split(r"[ /&]+", header.strip()) if w]
    if not words or len(words) > 6:
        return False
    return _upper_case(header) or all(w.lower() in _HEADER_WORDS for w in words)


# An assessment item's lead beside the bullet and the number "1.": a letter ("a.", "B)", "(c)"), a roman numeral
# ("II.", "iv)") or a number under a heading's number ("2.1"). R and L are no item letters: "(R) knee pain" names the
# side. Read with re.IGNORECASE, before a space.
ITEM_LETTER = r"\(?(?:[a-km-qs-z]|ii|iii|iv|vi|vii|viii|ix)[.)]"
NESTED_ITEM_NUMBER = r"\d{1,2}(?:\.\d{1,2})+[.):]?"


# The longest abbreviation alone on its line ("GERD"), and after a problem mark, where longer ones are met ("# AECOPD",
# "#NSTEMI"); a longer upper-case word there is a header we cannot name ("# ATTESTATION")
_BARE_ABBREVIATION, _MARKED_ABBREVIATION = 5, 8


def _bare_abbreviation(line: str) -> bool:
    """A short upper-case word alone on its line without a header mark ("GERD", "HTN" in a problem list) names a
    condition, not a section; so does one labelling the lines under it ("GAD:") or one a problem-oriented note marks
    as a problem ("# AECOPD", "#HTN"). A section's own header words are named by keyword before this is asked
    ("# PLAN")."""
    marked = line.strip().startswith("#")
    stripped = line.strip().lstrip("#").rstrip(":").strip()
    return stripped.isalpha() and len(stripped) <= (_MARKED_ABBREVIATION if marked else _BARE_ABBREVIATION)


def _upper_case(header: str) -> bool:
    letters = [c for c in header if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def find_sections(text: str) -> list[Section]:
    """Sections by their headers; text before the first header is ``other``.

    A header is either a short line on its own (``ASSESSMENT AND PLAN``, ``== Objective ==``, ``Results:``,
    ``IMPRESSION --``), classified by keyword, or a header phrase at the start of a line followed by a colon and text
    (``HPI: 45 yo ...``, ``A: ...``, ``IMPRESSION/PLAN:  1. ...``, ``Problem-based A/P: ...``).
    """
    marks: list[tuple[int, int, SectionKind]] = [(0, 0, "other")]
    for match in _ALONE_HEADER.finditer(text):
        header = match.group("header")
        if len(header.split()) > 5 or header.endswith(".") or (match.group("number") and not _is_line_header(header)):
            continue  # a numbered line is a section only in header words ("2) Plan"), not a problem ("2) Asthma")
        kind = _section_kind(header)
        bracketed = match.group("open") in _BRACKETS and _BRACKETS[match.group("open")] == match.group("close")
        # (a numbered abbreviation without a mark after it, "1) GAD", is an item of a list like "GERD" alone)
        bare = match.group(0) if not match.group("number") else header + (match.group("close") or "")
        if kind != "other" or bracketed or (_upper_case(header) and not _bare_abbreviation(bare)):
            # an upper-case or bracketed header we cannot name still ends the section above it: the lines under it
            # are not part of the assessment and plan
            marks.append((match.start(), match.end(), kind))
    for match in _CAPS_HEADER.finditer(text):
        kind = _section_kind(match.group("header"))
        if kind != "other" and len(match.group("header").split()) <= 6:
            marks.append((match.start("header"), match.end(), kind))
    for match in _INLINE_HEADERS.finditer(text):
        header = match.group("header")
        if len(header) == 1 and (not header.isupper() or match.group("number")):
            continue  # "s:" in a sentence, "1. A: COPD" (a part label in a numbered item)
        kind = _section_kind(
            {"s": "subjective", "o": "objective", "a": "assessment", "p": "plan"}.get(header.lower(), header)
        )
        marks.append((match.start(), match.end(), kind))
    for match in _LINE_HEADER.finditer(text):
        kind = _section_kind(match.group("header"))
        if _ITEM_LABEL.match(match.group("header")) and text[match.end() : match.end() + 1] not in ("", "\n"):
            continue  # "Problem: heart failure. Course: ..." labels one item of the list it stands in
        if kind != "other" and _is_line_header(match.group("header")):
            marks.append((match.start(), match.end(), kind))
    run_in = [
        (match, _section_kind(match.group("header")))
        for match in _MARKED_HEADER.finditer(text)
        if len(match.group("header").split()) <= 5
    ]
    template_marks = Counter(match.group("mark") for match, kind in run_in if kind != "other")
    for match, kind in run_in:
        opens_paragraph = match.start() == 0 or _BLANK_LINE.fullmatch(text, max(0, match.start() - 2), match.start())
        if kind != "other" or (template_marks[match.group("mark")] >= _TEMPLATE_MARK_USES and opens_paragraph):
            marks.append((match.start(), match.end(), kind))
    if sum(kind != "other" for _, _, kind in marks) <= _LETTER_HEADERS:
        marks += _lead_in_marks(text)
    # a header at offset 0 replaces the default "other" opening; one mark per offset (the header's, longest)
    by_offset: dict[int, tuple[int, SectionKind]] = {}
    for offset, body, kind in marks:
        held = by_offset.get(offset)
        if held is None or (kind != "other" and (held[1] == "other" or body > held[0])):
            by_offset[offset] = (body, kind)
    ordered = _without_quoting_labels(text, sorted(by_offset.items()))
    sections: list[Section] = []
    for i, (start, (body, kind)) in enumerate(ordered):
        end = ordered[i + 1][0] if i + 1 < len(ordered) else len(text)
        if end > start:
            sections.append(Section(kind, start, end, min(max(body, start), end)))
    return _with_assessment_zones(text, _with_problem_lists(text, sections))


def _lead_in_marks(text: str) -> list[tuple[int, int, SectionKind]]:
    """Section marks of the paragraphs that open with a short phrase naming a section (see ``_LEAD_IN``). A letter's
    phrase names its own paragraph only: a paragraph whose opening names nothing ("In clinic I also ...") is marked
    ``other``, so that it does not run on in the section of the paragraph above."""
    marks: list[tuple[int, int, SectionKind]] = []
    for start, stop in paragraphs(text):
        match = _LEAD_IN.match(text, start, stop)
        kind: SectionKind = "other"
        if match is not None and len(match.group("header").split()) <= _LEAD_IN_WORDS:
            kind = _section_kind(match.group("header"))
            if kind == "other" and _LEAD_IN_PMH.search(match.group("header")):
                kind = "pmh"
        if match is None or kind == "other":
            marks.append((start, start, "other"))
            continue
        linked = _LINKED_CLAUSE.match(text, match.end(), stop)
        body = linked.end() if linked else match.end()
        marks.append((start, body + len(text[body:stop]) - len(text[body:stop].lstrip(" \t")), kind))
    return marks


def _without_quoting_labels(
    text: str, ordered: list[tuple[int, tuple[int, SectionKind]]]
) -> list[tuple[int, tuple[int, SectionKind]]]:
    """Header marks without those that label a line inside an assessment ("- COPD: good control.\\nExam/data: SpO2
    94 percent. Recs: keep on tiotropium", "Vitals: BP 124/84." between two problems): a findings or history label
    run in on a line of the assessment's own paragraph quotes what the problem above rests on, so the assessment goes
    on after it. A label that opens a paragraph or stands alone on its line still opens its section."""
    kept: list[tuple[int, tuple[int, SectionKind]]] = []
    for offset, (body, kind) in ordered:
        if kept and kept[-1][1][1] in ASSESSMENT_KINDS and kind in _QUOTED_KINDS:
            line_end = text.find("\n", body)
            run_in = bool(text[body : len(text) if line_end < 0 else line_end].strip())
            above = text.rfind("\n", 0, offset)  # the line above: the assessment's own words, not blank
            above_start = text.rfind("\n", 0, max(above, 0)) + 1
            if run_in and text[max(above_start, kept[-1][1][0]) : max(above, 0)].strip():
                continue
        kept.append((offset, (body, kind)))
    return kept


def _with_problem_lists(text: str, sections: list[Section]) -> list[Section]:
    """``sections`` with each problem-list block (see ``_LIST_INTRO``) cut out of the section it stands in."""
    intros = {m.start(): m for m in _LIST_INTRO.finditer(text)}
    # an intro of any words that denies the list today's work ("Listed on the chart, not dealt with today:"); under
    # a drug list such a line ("Medications reviewed, no changes:") introduces drugs, not conditions
    drug_lists = [s for s in sections if s.kind in ("medications", "allergies")]
    intros.update(
        {
            m.start(): m
            for m in _INTRO_LINE.finditer(text)
            if _WORK_DENIED.search(m.group("intro")) and not any(s.start <= m.start() < s.end for s in drug_lists)
        }
    )
    for _, match in sorted(intros.items()):
        intro = match.group("intro")
        # "Diagnoses:" or "Problems addressed today:" heads the assessment, not a list carried on the chart
        if not _WORK_DENIED.search(intro) and (
            _ADDRESSED_HERE.search(intro) or _section_kind(intro) not in ("pmh", "other")
        ):
            continue
        blank = _BLANK_LINE.search(text, match.end())
        sections = _overlay(sections, "pmh", match.start("intro"), blank.start() if blank else len(text), match.end())
    return sections


def _overlay(sections: list[Section], kind: SectionKind, start: int, stop: int, body: int) -> list[Section]:
    """``sections`` with ``text[start:stop]`` cut out of the sections it stands in and made a ``kind`` section whose
    text begins at ``body``; a section of that kind already there is kept whole."""
    out: list[Section] = []
    for section in sections:
        if section.end <= start or section.start >= stop or section.kind == kind:
            out.append(section)
            continue
        if section.start < start:
            out.append(Section(section.kind, section.start, start, min(section.body_start, start)))
        first, last = max(start, section.start), min(stop, section.end)
        out.append(Section(kind, first, last, min(max(body, first), last)))
        if stop < section.end:
            out.append(Section(section.kind, stop, section.end, stop))
    return out


def _with_assessment_zones(text: str, sections: list[Section]) -> list[Section]:
    """A note in paragraphs whose assessment or plan headers head neither a judgement nor a decision (none there,
    or only "Plan: return in 2 weeks" under one) gets its assessment from their content: each paragraph that does
    not open with a header of its own and reads as an assessment (see ``models.clinical.zones``) becomes an
    assessment section, and so does the rest of a history paragraph from the sentence where it turns to judging
    and deciding. A note whose assessment is under its header is left as its headers divide it."""
    spans = list(paragraphs(text))
    lowered = text.lower()
    # a note not laid out in paragraphs (a transcription flattened to one block) has no unit smaller than itself
    # that could be the assessment
    if len(spans) < _MIN_PARAGRAPHS or any(
        s.kind in ASSESSMENT_KINDS and (judges(lowered[s.body_start : s.end]) or decides(lowered[s.body_start : s.end]))
        for s in sections
    ):
        return sections
    for start, stop in spans:
        opening = next(s for s in sections if s.start <= start < s.end)
        if opening.kind in ASSESSMENT_KINDS:
            continue  # already the assessment
        if opening.start == start and opening.body_start > start:
            # a paragraph under its own header (a problem list's included) is that section, but the history may go
            # on to judge and decide: that part of it is the assessment
            turn = assessment_start(lowered[opening.body_start : stop]) if opening.kind == "hpi" else None
            if turn is not None:
                sections = _overlay(sections, "assessment", opening.body_start + turn, stop, opening.body_start + turn)
        elif reads_as_assessment(lowered[start:stop]):
            sections = _overlay(sections, "assessment", start, stop, start)
    return sections


def split_sentences(text: str, sections: list[Section], norm: str | None = None) -> list[Sentence]:
    """Sentences and list lines of the note, each tagged with the section it sits in."""
    norm = text.lower() if norm is None else norm
    out: list[Sentence] = []
    position = 0
    # a section that begins within a line (a history paragraph turning to the assessment) begins a sentence
    ends = sorted(
        [
            *((m.start(), m.end()) for m in _SENTENCE_END.finditer(text)),
            *((s.start, s.start) for s in sections if s.start > 0 and text[s.start - 1] != "\n"),
        ]
    )
    bounds: list[tuple[int, int] | None] = [*ends, None]
    for boundary in bounds:
        stop = len(text) if boundary is None else boundary[0]
        chunk = text[position:stop]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk.rstrip())
            start, end = position + lead, position + trail
            kind: SectionKind = "other"
            for section in sections:
                if section.start <= start < section.end:
                    kind = section.kind
                    break
            out.append(Sentence(start, end, text[start:end], kind, norm[start:end]))
        if boundary is not None:
            position = max(position, boundary[1])
    return out


# The structured encounter fields a component may read beside the note (never labels).
CONTEXT_FIELDS = ("setting", "patient_status", "time_minutes", "age", "sex", "payer", "date_of_service")


class ClinicalDocument:
    """A note with its context fields, sections, sentences and the mentions that components add.

    A note is parsed once per encounter (:meth:`from_encounter`) and the one document is handed to every component
    that reads it (the E/M pipeline with the service detector, diagnosis support, the specificity finder, the HCC
    MEAT finder), as a spaCy ``Doc`` goes through a pipeline.

    Args:
        text: the de-identified note.
        context: structured encounter fields a component may read (``setting``, ``patient_status``,
            ``time_minutes``, ``age``, ``sex``, ``payer``, ``date_of_service``); never labels.
    """

    def __init__(self, text: str, context: dict[str, Any] | None = None) -> None:
        self.text = text = unify_line_breaks(text)
        self.norm = repair(text.lower())  # same length as text: match on norm, quote evidence from text
        self.context: dict[str, Any] = dict(context or {})
        self.sections = find_sections(text)
        self.sentences = split_sentences(text, self.sections, self.norm)
        self._sentence_starts = [s.start for s in self.sentences]  # sorted: sentences do not overlap
        self.mentions: list[Mention] = []

    @classmethod
    def from_encounter(cls, encounter: Encounter) -> ClinicalDocument:
        """The parsed note of an encounter with its :data:`CONTEXT_FIELDS` (``gold`` is never read)."""
        return cls(encounter.text, {name: getattr(encounter, name) for name in CONTEXT_FIELDS})

    def add(self, kind: str, label: str, start: int, end: int, **attrs: Any) -> Mention:
        """Record a mention whose evidence is ``text[start:end]``."""
        mention = Mention(kind, label, Evidence(start, end, self.text[start:end]), dict(attrs))
        self.mentions.append(mention)
        return mention

    def of(self, kind: str) -> list[Mention]:
        return [m for m in self.mentions if m.kind == kind]

    def sentence_at(self, offset: int) -> Sentence | None:
        index = bisect.bisect_right(self._sentence_starts, offset) - 1
        if index >= 0 and offset < self.sentences[index].end:
            return self.sentences[index]
        return None

    def past_header(self, offset: int) -> int:
        """``offset``, or the end of the section header it falls in ("IMPRESSION/PLAN:  1. ..." -> at "1.")."""
        for section in self.sections:
            if section.start <= offset < section.body_start:
                return section.body_start
        return offset

    def has_sections(self, *kinds: SectionKind) -> bool:
        return any(s.kind in kinds for s in self.sections)
