"""Adapters from each model's own output types to the audit engine's narrow inputs (:mod:`models.audit.inputs`).

:class:`DefaultModels` runs the installed models once per encounter and shares their work: the E/M leveler parses
the note into one :class:`~models.clinical.document.ClinicalDocument` (its pipeline also runs the service
detector); the diagnosis-support classifier and the HCC MEAT finder reuse that document; the ICD-10-CM suggester
(when a bundle is installed) supplies the documented codes and their calibrated probabilities, which the HCC mapper
and the specificity check read. Nothing here reads ``gold`` or ``expected_flags``.

Confidences: each finding carries its model's calibrated probability. Where a model has no per-note calibrated
output installed (the E/M leveler without its confidence bundle, the rule-based service detector, the diagnosis
support rules), the adapter uses the calibration table in ``configs/audit.yaml`` (``calibration``): the precision
of that model's answer measured on train-family synthetic data, per answer kind. Those figures are measured, never
tuned on held-out data, and are replaced by per-note probabilities as soon as the model's bundle provides them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import warnings
import weakref
from bisect import bisect_left
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from configs.audit import AuditConfig, load_audit_config
from configs.settings import get_settings
from datasets.codesets import CodeSets, IcdCode
from datasets.codesets.hcc import PAYMENT_YEARS
from datasets.schema import Encounter
from models.audit.anatomy import site_lexicon
from models.audit.codes import is_problem_visit
from models.audit.errors import CalibrationMismatchWarning
from models.audit.icd_links import (
    billable_by_category,
    class_members,
    coded_elsewhere,
    unspecified_title,
    vague_title,
)
from models.audit.inputs import (
    DiagnosisFinding,
    DocumentedCode,
    DxStatus,
    EmFinding,
    HccFinding,
    ModelOutputs,
    ServiceFinding,
    Span,
)
from models.audit.semantic import TitleSpace, condition_name
from models.audit.support import (
    ADDRESSED_SECTIONS,
    DiagnosisSupport,
    clinical_tokens,
    restored_text,
    title_vocabulary,
    title_word_weights,
)
from models.audit.terms import index_terms
from models.audit.wordforms import content_key, word_key
from models.clinical.assertion import assert_span
from models.clinical.document import ITEM_LETTER, NESTED_ITEM_NUMBER, ClinicalDocument, Evidence, section_kind
from models.em.components._lines import lines
from models.hcc.conditions import as_suggestions
from models.icd10.knowledge import clean_title
from models.icd10.text import PUNCT, tokenize

CALIBRATION_FILE = "audit_calibration_v1.json"


def probability_bucket(probability: float | None) -> str:
    """The suggester-probability bucket of the diagnosis calibration table."""
    if probability is None:
        return "none"
    for edge, name in ((0.05, "p<0.05"), (0.2, "p<0.2"), (0.5, "p<0.5"), (0.8, "p<0.8")):
        if probability < edge:
            return name
    return "p>=0.8"


def coverage_bucket(coverage: float) -> str:
    """The title-match coverage bucket of the documented-code calibration table."""
    for edge, name in ((0.7, "c<0.7"), (0.8, "c<0.8"), (0.9, "c<0.9")):
        if coverage < edge:
            return name
    return "c>=0.9"


def dx_key(status: str, probability: float | None, problems_coded: bool | None = None) -> str:
    """Key of the diagnosis calibration table: support status, suggester bucket and, for an absent code whose
    visit's problems are all named by other billed codes, ``|problems_coded``."""
    key = f"{status}|{probability_bucket(probability)}"
    return f"{key}|problems_coded" if problems_coded else key


# Roman numerals and number words of a stage, class or type ("obesity class III" and "class three" are "class 3",
# "type II" is "type 2", "stage IIIb" is "stage 3b"); CKD's stage is written after the abbreviation without the word
# ("CKD IIIa" is "CKD 3a").
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "one": "1", "two": "2", "three": "3", "four": "4",
          "five": "5"}  # fmt: skip
_STAGE_WORDS = ("stage", "class", "type", "grade", "ckd")
_ROMAN_PATTERN = re.compile(
    r"\b(stage|class|type|grade|ckd)\s+(iii|ii|iv|v|i|one|two|three|four|five)([a-d]?)\b", re.IGNORECASE
)
# A dictated sub-stage is a capital letter of its own after the stage number ("stage three A", "CKD 3 B"): read as
# the lettered sub-stage. Capitals only, so that an article ("stage 3 a week ago") stays a word.
_SPACED_SUBSTAGE = re.compile(r"\b((?i:stage|ckd)\s+\d) ([A-D])\b")
# A KDIGO GFR category is the CKD stage ICD-10-CM titles name ("CKD G3a" is stage 3a); in capitals only.
_GFR_CATEGORY = re.compile(r"\bG([1-5])([ab]?)\b")
# A lettered sub-stage ("CKD 3a", "stage 3b") is one word of its own next to the stage number, in titles and notes
# alike ("3a" -> "3 a3"), so that 3a and 3b tell codes apart.
_SUBSTAGE = re.compile(r"\b(\d)([a-d])\b", re.IGNORECASE)


# A stage written onto its abbreviation ("CKD3a", "CKD4") is the stage of that disease.
_GLUED_STAGE = re.compile(r"\b(CKD)(?=[1-5][ab]?\b)", re.IGNORECASE)
# A side written as its capital initial before a site or after a comma ("R knee OA", "L CTS", "otitis media, R");
# not a letter of a spinal level or code ("L4", "R/O"), nor a volume after a number ("2 L").
_SIDE_INITIAL = re.compile(r"(?<![\w/.\-])(?<!\d\s)([RL])(?=[\s,;)]|$)(?!\s*/)")
_SIDE_WORDS = {"R": "right", "L": "left"}


def _fold_shorthand(text: str) -> str:
    """Roman stage numerals and lettered sub-stages written the way ICD-10-CM titles are, stages glued to their
    abbreviation set apart and sides written as initials spelled out (shorthand words such as "rt" and "exac" are
    spelled out by :func:`models.audit.support.words_of`)."""
    # each pattern is tried only where the letters it needs occur (in ASCII text, where ignoring case is ASCII's):
    # most titles and statements hold none of them
    ascii_text = text.isascii()
    if not ascii_text or "ckd" in text.lower():
        text = _GLUED_STAGE.sub(r"\1 ", text)
    if not ascii_text or "R" in text or "L" in text:
        text = _SIDE_INITIAL.sub(lambda m: _SIDE_WORDS[m.group(1)], text)
    if not ascii_text or any(word in text.lower() for word in _STAGE_WORDS):
        text = _ROMAN_PATTERN.sub(lambda m: f"{m.group(1)} {_ROMAN[m.group(2).lower()]}{m.group(3)}", text)
        text = _SPACED_SUBSTAGE.sub(r"\1\2", text)
    if not ascii_text or "G" in text:
        text = _GFR_CATEGORY.sub(lambda m: f"stage {m.group(1)}{m.group(2)}", text)
    return _SUBSTAGE.sub(lambda m: f"{m.group(1)} {m.group(2).lower()}{m.group(1)}", text)


_SPECIFICITY_STOP = frozenset(
    word_key(w)
    for w in ("complication", "uncomplicated", "mention", "current", "episode", "region", "disease", "disorder",
              "syndrome", "condition", "state", "type", "presentation",
              # the classification's own qualifier and a possessive's "s" ("Fredrickson's"): no note need write them
              "nec", "s")
)  # fmt: skip
# Two sites a title names together ("right ankle and foot", "hand and fingers"): the ICD-10-CM index sends either
# one alone there ("gout, left foot" is M10.072)
_SITE_PAIR = re.compile(r"\b([a-z]+) and ([a-z]+)$")
# Words that state the next word's condition absent, in titles ("with esophagitis, without bleeding") and in
# diagnostic statements ("acute cystitis, no hematuria", "GERD w/ esophagitis, w/o bleeding").
_ABSENCE_WORDS = frozenset({"without", "no"})
_WITHOUT = re.compile(r"\bw/o\b|\bw/out\b", re.IGNORECASE)
_FREE = "free"  # after a word, states it absent: "angina-free", "symptom free"
# after the words of a test or finding, states them absent ("rapid strep negative"); "negative for" states the words
# after it absent ("urine negative for blood")
_NEGATIVE = frozenset({"negative", "neg"})
_FOR = "for"
_CLAUSE_MARK = re.compile(r"[,;:()]")
# The prefix "non" states its word absent ("non-bleeding", "non bleeding", "nonbleeding" are without bleeding). Written
# apart it is read so in titles as in notes, keeping its own word, so that both sides of "Non-pressure chronic
# ulcer" read alike and a title's "non" is never implied by a silent note; written onto its word ("nonbleeding") it
# is read in notes only (also as the word the title spells it: "Nonrheumatic"), the stem taking the classification's
# spelling ("bleeding" is "hemorrhage" there).
_NON = "non"
_NON_STEM = 4  # letters of a word "non" may be glued onto ("none" is no prefix)
# "not" states the next word absent in a note ("oesophagitis, not bleeding"), never in a title: G43.909's "not
# intractable" is the classification's default, which a note stating nothing about intractability also meets
_NOT = "not"
# Words that end an absence word's reach in a note's phrase (NegEx scope terminators): what follows is stated again
_SCOPE_ENDS = frozenset({"but", "with", "however", "although", "though", "except", "which", "this", "that"})


_SIDES = frozenset({word_key("right"), word_key("left")})
_SIDE = word_key("side")


def _polar_words(text: str, note: bool = False) -> set[str]:
    """Matching keys of a text's content words, a word stated absent marked "-" ("-hematuri"), so that "with
    hematuria" and "without hematuria" ("no hematuria", "hematuria-free") tell codes apart."""
    out: set[str] = set()
    absent = False
    last: str | None = None  # the key just read, which a following "free" states absent ("angina-free")
    clause: list[str] = []  # the keys read since the last punctuation, which a following "negative" states absent
    folded = _WITHOUT.sub("without", _fold_shorthand(text))
    # a note's words also read clinical terms ("pink eye" is conjunctivitis); a title's are the classification's own
    tokens = clinical_tokens(folded) if note else tokenize(folded)
    # where the clause marks are, found once: most texts have none or a few, and the tokens are read in order
    marks = [mark.start() for mark in _CLAUSE_MARK.finditer(folded)]
    for at, token in enumerate(tokens):
        if marks and at and _marked(marks, tokens[at - 1].end, token.start):
            clause = []
        if token.norm in _ABSENCE_WORDS or (note and token.norm == _NOT):
            absent = True
        elif token.norm == _NON:
            out.add(_NON)
            absent, last = True, None
        elif note and (glued := _glued_non(token.norm)) is not None:
            last = f"-{glued}"
            out.update((word_key(token.norm), last))
            clause.append(last)
            absent = False
        elif token.norm in PUNCT:
            absent, last, clause = False, None, []
        elif token.norm in _NEGATIVE:
            out.difference_update(clause)
            out.update(f"-{key}" for key in clause if not key.startswith("-"))
            absent, last, clause = at + 1 < len(tokens) and tokens[at + 1].norm == _FOR, None, []
        elif token.norm == _FREE and last is not None and not last.startswith("-"):
            out.discard(last)
            out.add(f"-{last}")
            last = None
        elif (key := content_key(token.norm)) is not None:
            # in a note an absence word reaches over its whole phrase ("no gross hematuria", "no acute
            # exacerbation"), up to punctuation or a word that turns the clause (itself stated); a title states one
            # word absent
            turns = note and token.norm in _SCOPE_ENDS
            last = f"-{key}" if absent and not turns else key
            out.add(last)
            clause.append(last)
            absent = absent and note and not turns
        elif note and token.norm in _SCOPE_ENDS:
            absent = False
    # a right or left condition is one of that side ("right pelvic pain" is "pelvic pain, right side")
    if out & _SIDES:
        out.add(_SIDE)
    return out


def _marked(marks: list[int], start: int, end: int) -> bool:
    """Whether a position in the sorted ``marks`` lies in ``[start, end)``."""
    at = bisect_left(marks, start)
    return at < len(marks) and marks[at] < end


@lru_cache(maxsize=4096)
def _glued_non(norm: str) -> str | None:
    """Matching key of the word a glued "non" states absent ("nonbleeding" -> the key of "hemorrhage"), or None."""
    if not norm.startswith(_NON) or len(norm) < len(_NON) + _NON_STEM:
        return None
    stem = tokenize(norm[len(_NON) :])
    return content_key(stem[0].norm) if len(stem) == 1 else None


def _stated_only(words: frozenset[str]) -> frozenset[str]:
    """``words`` without those a title states absent ("-hematuri")."""
    return frozenset(w for w in words if not w.startswith("-"))


@lru_cache(maxsize=1 << 17)  # every billable title fits: a category's titles are read again for each billed code
def _title_words(title: str) -> frozenset[str]:
    """Matching keys of an ICD-10-CM title's content words (what a note never states removed, unless stated
    absent: "without complications" is a fact of the title)."""
    return frozenset(_polar_words(clean_title(title, keep_absent=True)) - _SPECIFICITY_STOP)


def _text_words(line: Any) -> frozenset[str]:
    """Matching keys of a note line's words."""
    return _statement_words(line.text, line.norm)


# "Uncertain" of a problem's status qualifies its prognosis or cause ("prognosis uncertain", "an uncertain outcome"),
# never the condition: it is not the "uncertain behavior" of a neoplasm's title (D37-D48).
_STATUS_NOUNS = "prognosis|outcome|course|etiology|cause|diagnosis"
_UNCERTAIN_STATUS = re.compile(
    rf"\b(?:({_STATUS_NOUNS})\s+(?:is\s+|remains\s+)?uncertain|uncertain\s+({_STATUS_NOUNS}))\b", re.I
)


@lru_cache(maxsize=4096)  # a statement is read for the excludes-note gate and again for the candidates' words
def _statement_words(text: str, norm: str) -> frozenset[str]:
    restored = _UNCERTAIN_STATUS.sub(lambda m: m.group(1) or m.group(2), restored_text(text, norm))
    return frozenset(_polar_words(restored, note=True))


_IDIOPATHIC = word_key("idiopathic")
# square brackets enclose a title's synonyms ("Crohn's disease [regional enteritis]"): their words name it too
_BRACKETS = re.compile(r"[\[\]]")


def _is_code(item: str) -> bool:
    """Whether a hierarchy item is a category or code (not a block "K50-K52" nor a chapter number)."""
    return item[:1].isalpha() and "-" not in item


# the problems a visit addresses, also those a preventive visit handles separately
_STATEMENT_SECTIONS = frozenset({"assessment", "plan", "preventive", "chief_complaint"})
# A bullet (any run of marks: "-", "*", "•", ">", "=>"), a number in any of its enumerating forms ("1.", "1)", "(1)",
# "1/", "#1", "1:", "1]", "[1]", nested "1.2"), a letter ("a.", "B)", "(c)") or a roman numeral ("II.", "iv)"), or
# both, then a label naming the item, itself perhaps numbered ("Dx:", "Impression 2:", "Dx 1)", "* Problem #3 -",
# "Issue 1 –", "A:"). Left in the statement, the item's number reads as a class or stage ("2] class 3 obesity" would
# state class 2 as well), and a letter or numeral closed by a full stop was the whole statement ("I. COPD, stable").
# R and L are no item letters: "(R) knee pain" names the side.
_ITEM_NUMBER = (
    rf"(?:\(\d{{1,2}}\)|\[\d{{1,2}}\]|{NESTED_ITEM_NUMBER}(?=\s)|#?\d{{1,2}}[.):/\]]|#\d{{1,2}}|{ITEM_LETTER}(?=\s))"
)
_STATEMENT_LEAD = re.compile(
    rf"^\s*(?:[^\w\s(#]+\s*)?(?:{_ITEM_NUMBER}\s*)?(?:(?:dx|diagnosis|problem|issue|impression|assessment|a)\s*"
    rf"(?:{_ITEM_NUMBER}\s*(?::|[-\u2013\u2014])?|#?\d*\s*(?::|[-\u2013\u2014]))\s*)?",
    re.I,
)
# A short parenthesis clarifies the statement ("atrial fibrillation (paroxysmal)", "HF (HFrEF, EF 30%)") and is
# read with it, up to its closing mark, or on where the name goes on after it ("intermittent (paroxysmal) atrial
# fibrillation"); a longer one holds findings ("(conjunctival injection with mucopurulent discharge)") and ends the
# statement where it opens.
# A dash ("-", "--", en or em dash), a bracketed status ("[stable]") or a table's column mark ("|", a tab) ends it too.
_STATEMENT_END = re.compile(r"\s(?:--?|[–—])\s|:\s|\.(?:\s|$)|\((?![^()]{1,20}\))|(?<=\))(?!\s+[a-z])|;|\||\t|\s\[")
_DASH = re.compile(r"\s(?:--?|[–—])\s")
# how long a clause after a dash or in parentheses may be and still be read as the statement's own detail
# ("atrial fibrillation - paroxysmal", "type 2 diabetes - diabetic polyneuropathy of both feet")
_DASH_CLAUSE = 60
# a clause that says what the condition comes "with" after a dash describes the exam ("acute conjunctivitis, right eye
# - injection with mucopurulent discharge"), not the diagnosis
_FINDING_CLAUSE = re.compile(r"\bwith\b|\bw/(?!o)", re.IGNORECASE)


def _part(line: Any, start: int, stop: int) -> Any:
    return dataclasses.replace(
        line, start=line.start + start, end=line.start + stop, text=line.text[start:stop], norm=line.norm[start:stop]
    )


def diagnostic_statement(line: Any) -> Any:
    """The diagnosis part of an assessment or chief-complaint line: after its bullet or "Dx:" label, before the
    status, findings and plan ("1. abscess of the left axilla - new problem. Plan: ..." -> "abscess of the left
    axilla"). Codes follow the provider's diagnostic statement, not an exam finding further along the line."""
    lead = _STATEMENT_LEAD.match(line.norm)
    start = lead.end() if lead else 0
    end = _STATEMENT_END.search(line.norm, start)
    return _part(line, start, end.start() if end else len(line.norm))


@dataclass(frozen=True)
class JoinedStatement:
    """A statement read on across the mark that ends it (``whole``), with what decides whether it is read: the
    parenthesis read into it, which must name the condition itself, or the lead before a colon, which must name
    nothing (a site: "left eye: acute conjunctivitis")."""

    whole: Any
    parenthesis: Any | None = None
    lead: Any | None = None


def dash_clauses(line: Any, parts: list[Any]) -> list[JoinedStatement]:
    """The statements ``parts`` of ``line`` read on across the dash or parenthesis that ends them (see
    :func:`_with_clause`), and the statement after a colon read with the lead before it (see
    :func:`diagnostic_statements`): a writer names the site first and the condition after a colon ("left eye: acute
    conjunctivitis", "right axilla: cutaneous abscess") as after a dash."""
    found: list[JoinedStatement] = []
    if len(parts) > 1:  # a lead, and the statement after its colon: read first, as the line's first statement
        lead, after = parts[0], parts[-1]
        found.append(JoinedStatement(_part(line, lead.start - line.start, after.end - line.start), lead=lead))
    for part in parts:
        if (clause := _with_clause(line, part)) is not None:
            found.append(JoinedStatement(*clause))
    return found


def _with_clause(line: Any, statement: Any) -> tuple[Any, Any | None] | None:
    """``statement`` read on across the dash that ends it, up to the next end, or through the parenthesis that ends
    it, when that clause is short (and the parenthesis alone): a writer puts a condition's detail after a dash as
    often as a status ("CHF - chronic, systolic"; "anxiety - generalized"), names the site first ("left eye - acute
    conjunctivitis"), or gives the diagnosis's usual name in parentheses ("right median nerve entrapment at the
    wrist (carpal tunnel syndrome)"). None where neither ends it."""
    stop = statement.end - line.start
    parenthesis = None
    if (dash := _DASH.match(line.norm, stop)) is not None:
        clause_start = dash.end()
        end = _STATEMENT_END.search(line.norm, clause_start)
        clause_end = end.start() if end else len(line.norm)
    elif line.norm.startswith("(", stop) and (close := line.norm.find(")", stop)) > 0:
        clause_start, clause_end = stop + 1, close + 1
        parenthesis = _part(line, clause_start, close)
    else:
        return None
    if clause_end - clause_start > _DASH_CLAUSE:
        # a long clause after a dash gives the detail before its status and findings ("asthma - moderate
        # persistent, uncomplicated, at goal on the current regimen"): read up to the last comma within reach
        comma = line.norm.rfind(",", clause_start, clause_start + _DASH_CLAUSE)
        if parenthesis is not None or comma < 0:
            return None
        clause_end = comma
    if _FINDING_CLAUSE.search(line.norm, clause_start, clause_end):
        return None
    return _part(line, statement.start - line.start, clause_end), parenthesis


# how far into a line a status or heading before a colon reaches ("new - dx unclear: chronic cough", "minor, expected
# to resolve w/o treatment: common warts of the hands")
_LEAD_BEFORE_COLON = 60
# a findings label run in under a problem ("Exam: right conjunctival injection w/ mucopurulent discharge", "Labs:
# A1c 9.4") quotes what the diagnosis rests on: what follows it is no diagnostic statement
_FINDINGS_LABELS = frozenset({"exam", "data", "hpi", "ros"})
# the same run in as a problem's own sub-line ("1.2 Findings: ...", SOAP parts "S: ..." and "O: ..." under a problem)
_FINDINGS_PARTS = frozenset({"findings", "s", "o"})


def diagnostic_statements(line: Any) -> list[Any]:
    """The diagnostic statement of a line, and the one after its colon when a short status or heading comes first
    ("stable, no changes: diabetic polyneuropathy", "new - dx unclear: chronic cough"). The reader takes the first
    part that names the condition."""
    first = diagnostic_statement(line)
    colon = line.norm.find(": ", first.start - line.start, first.start - line.start + _LEAD_BEFORE_COLON)
    if (
        colon < 0
        or colon < first.end - line.start
        or section_kind(first.text) in _FINDINGS_LABELS
        or first.text.strip().lower() in _FINDINGS_PARTS
    ):
        return [first]
    rest = colon + 1 + len(line.norm[colon + 1 :]) - len(line.norm[colon + 1 :].lstrip())
    after = dataclasses.replace(line, start=line.start + rest, text=line.text[rest:], norm=line.norm[rest:])
    return [first, diagnostic_statement(after)]


# The statements of each document, read once for all its billed codes. Entries go with their document.
_STATEMENTS: weakref.WeakKeyDictionary[Any, tuple[list[list[Any]], list[list[JoinedStatement]]]] = (
    weakref.WeakKeyDictionary()
)


def _statements(doc: Any) -> tuple[list[list[Any]], list[list[JoinedStatement]]]:
    """The diagnostic statements of each statement line of ``doc`` (:func:`diagnostic_statements`), and each
    statement read on across the dash that ends it (:func:`dash_clauses`; read only where the plain ones settle
    nothing)."""
    found = _STATEMENTS.get(doc)
    if found is None:
        statement_lines = lines(doc, _STATEMENT_SECTIONS)
        parts = [diagnostic_statements(line) for line in statement_lines]
        joined = [dash_clauses(line, p) for line, p in zip(statement_lines, parts, strict=True)]
        found = _STATEMENTS[doc] = (parts, joined)
    return found


# An inclusion term naming two types, stages or classes ("..., type I or V", "stage F1 or stage F2") names each of
# them: a note states one ("type V"), never both.
_EITHER_VARIANT = re.compile(r"\b(type|stage|class|grade)\s+(\w+)\s+or\s+(?:\1\s+)?(\w+)\b", re.IGNORECASE)


def _each_variant(term: str) -> tuple[str, ...]:
    """``term`` once per type, stage or class it names by "or" ("type IIb or III" -> "type IIb", "type III")."""
    either = _EITHER_VARIANT.search(term)
    if either is None:
        return (term,)
    axis, head, tail = term[: either.start()], term[either.end() :], either.group(1)
    return tuple(f"{axis}{tail} {value}{head}" for value in (either.group(2), either.group(3)))


@dataclass(frozen=True)
class Candidate:
    """A more specific code for a billed one: the alternative word sets that each show it (distinguishing title
    words, or an inclusion term's), the number of the billed title's words it keeps, and, for a condition an
    excludes note codes in another category, the words of that note's term the statements must state (none for a
    member of a class the note names by examples: its own words name it) and that it is coded ``elsewhere``; for a
    code of the billed category, the words of its title and inclusion terms (``named``) and those its title adds to
    the billed one's (``distinct``): those alone do not name the condition."""

    code: str
    alternatives: tuple[frozenset[str], ...]
    kept: int
    gate: frozenset[str] = frozenset()
    elsewhere: bool = False
    distinct: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()


class SpecificityFinder:
    """More specific codes of a billed vague code's category that the note's own words document.

    For a billed code whose title is unspecified (or "without complications"), each billable code of the same
    ICD-10-CM category that names the same condition more precisely is a candidate; the words that set it apart (title
    words the billed code's title lacks, e.g. *left*, *chronic*, *hyperglycemia*, *moderate persistent*), or those of
    one of its inclusion terms ("combined hyperlipidemia" for mixed hyperlipidemia, "plaque psoriasis" for psoriasis
    vulgaris), must all appear in the diagnostic statements (assessment items, chief complaint) that name the
    condition. A candidate may itself leave another axis open ("Acute maxillary sinusitis, unspecified" is more
    specific than "Acute sinusitis, unspecified"). Exactly one best candidate is returned (a tie between, say, right
    and left means the note does not settle it, which is a CDI query, not a code).

    Args:
        codesets: ICD-10-CM titles, inclusion terms and hierarchy.
        support: the diagnosis-support classifier (for the condition's mention pattern).
    """

    def __init__(self, codesets: CodeSets, support: DiagnosisSupport) -> None:
        self.codesets = codesets
        self.support = support
        self._candidates: dict[str, tuple[list[Candidate], list[tuple[frozenset[str], str]]]] = {}
        self._elsewhere: dict[tuple[str, int], list[Candidate]] = {}
        self._members: dict[str, list[Candidate]] = {}
        self._by_category: dict[str, list[tuple[str, str]]] | None = None
        # the billable records ``by_category`` reads: a category's candidates are looked up here, not one by one in
        # the code-set database (~70 children per billed code)
        self._billable: dict[str, IcdCode] = {}
        self._vague: set[str] = set()  # candidates whose own title leaves an axis unspecified
        self._lineages: dict[str, tuple[str, ...]] = {}
        self._item_terms: dict[str, tuple[tuple[str, str], ...]] = {}

    def by_category(self) -> dict[str, list[tuple[str, str]]]:
        """Billable (code, title) pairs by three-character category, read once (from the code set's one index of
        billable records, which the excludes-note classes read too)."""
        if self._by_category is None:
            records = billable_by_category(self.codesets.icd10cm)
            self._by_category = {category: [(r.code, r.title) for r in rs] for category, rs in records.items()}
            self._billable = {r.code: r for rs in records.values() for r in rs}
        return self._by_category

    def _item(self, code: str) -> IcdCode | None:
        return self._billable.get(code) or self.codesets.icd10cm.find_code(code)

    def _lineage(self, code: str) -> tuple[str, ...]:
        """``code`` and its ancestors up to the chapter (read once per code: a category's codes share them)."""
        if code not in self._lineages:
            record = self._billable.get(code)
            if record is None or record.parent is None:
                self._lineages[code] = (code, *self.codesets.icd10cm.ancestors(code))
            elif self._item(record.parent) is None:  # the parent chain ends at an unknown parent
                self._lineages[code] = (code, record.parent)
            else:
                self._lineages[code] = (code, *self._lineage(record.parent))
        return self._lineages[code]

    def _inclusion_terms(self, code: str, billed: str) -> list[tuple[str, str]]:
        """(term, title of the code it is listed under) for the inclusion terms of ``code`` and of its ancestors
        that are not also the billed code's."""
        shared = self._lineage(billed)
        return [term for item_code in self._lineage(code) if item_code not in shared for term in self._terms(item_code)]

    def _terms(self, item_code: str) -> tuple[tuple[str, str], ...]:
        """(term, the item's title) of an item's inclusion terms and Alphabetic Index terms, read once per item (a
        category's codes share their ancestors, and each billed code of the category reads them again)."""
        if item_code not in self._item_terms:
            item = self._item(item_code)
            self._item_terms[item_code] = (
                ()
                if item is None
                else tuple((term, item.title) for term in (*item.inclusion_terms, *index_terms().get(item_code, ())))
            )
        return self._item_terms[item_code]

    def candidates(self, billed: str) -> list[Candidate]:
        """The more specific billable codes for a billed code whose title leaves a detail open: of its category,
        and of the conditions its excludes notes code elsewhere (see :class:`Candidate`)."""
        own, gates = self._own_candidates(billed)
        elsewhere = (c for at in range(len(gates)) for c in self._coded_elsewhere(billed, at))
        return [*own, *elsewhere, *self._class_candidates(billed)]

    def _own_candidates(self, billed: str) -> tuple[list[Candidate], list[tuple[frozenset[str], str]]]:
        """The candidates of the billed code's own category, and the (gate, code prefix) of each condition its
        excludes notes code elsewhere: those candidates are read (:meth:`_coded_elsewhere`) only for a note whose
        statements name the gate, as a few billed codes' excludes notes reach thousands of codes (injuries)."""
        if billed not in self._candidates:
            icd = self.codesets.icd10cm
            out: list[Candidate] = []
            gates: list[tuple[frozenset[str], str]] = []
            item = icd.find_code(billed)
            if item is not None and vague_title(item.title):
                base = _title_words(item.title)
                # the billed condition's other names, from its ancestors' titles ("Crohn's disease [regional
                # enteritis]"): an inclusion term repeating them ("Regional ileitis") is set apart by the rest
                named = frozenset().union(
                    *(_polar_words(_BRACKETS.sub(" ", icd.title(a))) for a in self._lineage(billed)[1:] if _is_code(a))
                )
                for child, title in self.by_category().get(billed[:3], ()):
                    words = _title_words(title)
                    # the same condition, more specific: shares all but at most one of the billed title's words
                    if child == billed or not base or len(base & words) < max(len(base) - 1, 1):
                        continue
                    extra = frozenset(words - base)
                    alternatives = [extra] if extra else []
                    # the ICD-10-CM index codes a condition whose note is silent on a complication to the title
                    # "without" it ("acute cystitis" is N30.00, Acute cystitis without hematuria)
                    if (stated := _stated_only(extra)) and stated != extra:
                        alternatives.append(stated)
                    # the ICD-10-CM index sends a condition stated without its cause to the idiopathic code ("gout,
                    # left ankle and foot" is idiopathic gout there): a site or type shows it without the word
                    if _IDIOPATHIC in extra and len(extra) > 1:
                        alternatives.append(extra - {_IDIOPATHIC})
                    if (pair := _SITE_PAIR.search(clean_title(title).lower().rstrip(" ,"))) is not None:
                        sites = [word_key(site) for site in pair.groups()]
                        if all(site in extra for site in sites):
                            alternatives.extend(a - {site} for a in list(alternatives) for site in sites)
                    for listed, owner in self._inclusion_terms(child, billed):
                        for term in _each_variant(listed):
                            # an ancestor's inclusion term names the ancestor: the child's own words must still be
                            # stated ("chronic" heart failure with reduced ejection fraction is I50.22, the term being
                            # I50.2's)
                            term_extra = frozenset(_title_words(term) - base - named) | (extra - _title_words(owner))
                            if term_extra and term_extra not in alternatives:
                                alternatives.append(term_extra)
                    if alternatives:
                        found = self._candidate(child, title, alternatives, len(base & words))
                        named_by = frozenset(words).union(*alternatives)
                        out.append(dataclasses.replace(found, distinct=extra, named=named_by))
                # an unspecified condition may be documented as one the classification codes elsewhere (a title
                # stating an axis absent names its condition already: only its own category is more specific)
                for term, prefix in coded_elsewhere(icd, billed) if unspecified_title(item.title) else ():
                    if gate := frozenset(_title_words(term)):
                        gates.append((gate, prefix))
            self._candidates[billed] = out, gates
        return self._candidates[billed]

    def _coded_elsewhere(self, billed: str, at: int) -> list[Candidate]:
        """The candidates of the ``at``-th condition the billed code's excludes notes code elsewhere (each with
        that condition's gate), read once per billed code and condition."""
        key = (billed, at)
        if key not in self._elsewhere:
            gate, prefix = self._own_candidates(billed)[1][at]
            out: list[Candidate] = []
            for child, title in self.by_category().get(prefix[:3], ()):
                # an unspecified code of another category is no more specific than the billed one
                if child.startswith(prefix) and not unspecified_title(title):
                    # another category's code names the whole condition: all its words are distinguishing
                    alternatives = [frozenset(_title_words(title))]
                    if (stated := _stated_only(alternatives[0])) and stated != alternatives[0]:
                        alternatives.append(stated)
                    alternatives += [frozenset(_title_words(t)) for t, _ in self._inclusion_terms(child, billed)]
                    out.append(self._candidate(child, title, [a for a in alternatives if a], 0, gate))
            self._elsewhere[key] = out
        return self._elsewhere[key]

    def _class_candidates(self, billed: str) -> list[Candidate]:
        """The candidates of the classes the billed code's excludes notes name by examples
        (:func:`models.audit.icd_links.class_members`): each shown by its own names, as a code of another category."""
        if billed not in self._members:
            item = self._item(billed)
            out: list[Candidate] = []
            for member in (
                class_members(self.codesets.icd10cm, billed) if item and unspecified_title(item.title) else ()
            ):
                record = self._item(member)
                if record is None:
                    continue
                alternatives = [frozenset(_title_words(record.title))]
                alternatives += [frozenset(_title_words(t)) for t, _ in self._inclusion_terms(member, billed)]
                found = self._candidate(member, record.title, [a for a in alternatives if a], 0)
                out.append(dataclasses.replace(found, elsewhere=True))
            self._members[billed] = out
        return self._members[billed]

    def _candidate(
        self, code: str, title: str, alternatives: list[frozenset[str]], kept: int, gate: frozenset[str] = frozenset()
    ) -> Candidate:
        if unspecified_title(title):
            self._vague.add(code)
        return Candidate(code, tuple(dict.fromkeys(alternatives)), kept, gate)

    def find(self, doc: Any, billed: str, claimed: Collection[str] = ()) -> tuple[str, int, Span] | None:
        """(specific code, number of distinguishing words, evidence line) or None; a code the claim also bills
        (``claimed``) is a condition of its own, never the more specific form of ``billed`` ("IBS with diarrhea" is
        no Crohn disease)."""
        own, gates = self._own_candidates(billed)
        members = [c for c in self._class_candidates(billed) if c.code not in claimed]
        candidates = [c for c in own if c.code not in claimed]
        if not candidates and not gates and not members:
            return None
        parts, joined = _statements(doc)
        if gates:
            # a condition coded elsewhere counts only where one statement names it (its excludes term's words); its
            # candidates are read only then. Without statements nothing is found, and with them the candidates of
            # the own category (no gate) all stay.
            statement_words = [_text_words(part) for line_parts in parts for part in line_parts]
            statement_words += [_text_words(clause.whole) for clauses in joined for clause in clauses]
            candidates = [c for c in candidates if any(c.gate <= words for words in statement_words)]
            for at, (gate, _) in enumerate(gates):
                if any(gate <= words for words in statement_words):
                    candidates += [c for c in self._coded_elsewhere(billed, at) if c.code not in claimed]
        candidates += members

        # the lines that name the condition, as billed or as one of its specific codes ("abscess of the left axilla"
        # does not name "Cutaneous abscess of limb, unspecified" but names L02.412)
        def names(part: Any) -> bool:
            # a code of the billed category is named by more than the words that set it apart: "atopic" alone
            # ("atopic eczema flare-up") distinguishes "Acute atopic conjunctivitis", but names no conjunctivitis
            return self.support.affirmed(doc, part, billed) or any(
                self.support.affirmed(doc, part, c.code)
                and (not c.distinct or bool((_text_words(part) & c.named) - c.distinct))
                for c in candidates
            )

        def naming(line_parts: list[Any]) -> Any | None:
            # a line's first statement that names it: the part after a colon only where the part before names
            # nothing ("acute conjunctivitis, left eye: injection with mucopurulent discharge" is read before its
            # colon)
            return next((p for p in line_parts if names(p)), None)

        named = [naming(line_parts) for line_parts in parts]
        found = self._read(doc, billed, candidates, [part for part in named if part is not None])
        if found is None and any(joined):
            # a detail written after a dash ("atrial fibrillation - paroxysmal", "left eye - acute conjunctivitis")
            # is read with its statement only where the statements before their dash settle nothing ("pAF -
            # chronic and well managed" is paroxysmal)
            # a parenthesis is read in only where it names the condition itself: findings in it ("(positive
            # Tinel on the right)") are the exam's, not the diagnosis; a lead before a colon only where it names
            # nothing: after a condition's name a colon opens its findings ("acute conjunctivitis, right eye:
            # mucopurulent discharge"), after a site the condition found there
            wholes = [
                [
                    clause.whole
                    for clause in clauses
                    if (clause.parenthesis is None or naming([clause.parenthesis]) is not None)
                    and (clause.lead is None or naming([clause.lead]) is None)
                ]
                for clauses in joined
            ]
            named = [(naming(whole) if whole else None) or part for whole, part in zip(wholes, named, strict=True)]
            found = self._read(doc, billed, candidates, [part for part in named if part is not None])
        return found

    def _read(
        self, doc: Any, billed: str, candidates: list[Candidate], named: list[Any]
    ) -> tuple[str, int, Span] | None:
        """The one specific code the statements that name the condition (``named``) show."""
        # the assessment's statements where they name it, the chief complaint otherwise: a complaint line can list
        # other conditions with sides of their own ("left lateral epicondylitis and right CTS")
        region = [line for line in named if line.section != "chief_complaint"] or named
        if not region:
            return None
        # each statement is read on its own: "atopic" of an eczema item does not make the conjunctivitis item atopic
        words = [_text_words(line) for line in region]
        # a candidate that leaves another axis open is read only where the note names the billed condition itself
        # ("maxillary sinusitis, acute" names acute sinusitis; "sprain of the right wrist" names no scaphoid fracture)
        billed_at = [self.support.affirmed(doc, line, billed) for line in region]
        found = self._best(candidates, words, billed_at)
        if found is None:
            # a site named by a part of it or by its adjective ("left great toe" is in the left ankle and foot,
            # "ileal" is the ileum): read as the site the titles name, only when the words as written settle nothing
            lexicon = site_lexicon(self.codesets.icd10cm)
            sites = [
                lexicon.read(w, restored_text(line.text, line.norm)) for w, line in zip(words, region, strict=True)
            ]
            found = self._best(candidates, sites, billed_at) if sites != words else None
        if found is None:
            return None
        code, stated, at = found
        line = region[at]
        return code, stated, Span(line.start, line.end, line.text)

    def _best(
        self, candidates: list[Candidate], statements: list[frozenset[str]], billed_at: list[bool]
    ) -> tuple[str, int, int] | None:
        """The one best candidate the statements' words show: (code, number of its distinguishing words stated,
        index of the first statement stating them). ``billed_at``: whether each statement names the billed
        condition itself."""
        billed_named = any(billed_at)
        # a candidate scores the distinguishing words of all its names one statement states (I50.22 meets "HFrEF"
        # through its category's inclusion term and "chronic" through its title; I50.20 only the first), then the
        # billed title's words it keeps (J45.41 keeps the exacerbation of J45.901, J45.40 drops it)
        hits: list[tuple[tuple[int, int], str, int]] = []
        shown: dict[str, frozenset[str]] = {}  # the words that show each candidate
        for c in candidates:
            if not billed_named and c.code in self._vague:
                continue
            for at, words in enumerate(statements):
                # a condition coded elsewhere is read where the billed one is named, when it is named at all:
                # another item's condition ("IBS with diarrhea" beside "Crohn's ileitis") is a code of its own
                if (c.gate or c.elsewhere) and billed_named and not billed_at[at]:
                    continue
                if stated := [extra for extra in c.alternatives if extra <= words]:
                    union = frozenset().union(*stated)
                    hits.append(((len(union), c.kept), c.code, at))
                    shown[c.code] = shown.get(c.code, frozenset()) | union
        if not hits:
            return None
        best = max(score for score, _, _ in hits)
        top = {code: at for score, code, at in reversed(hits) if score == best}
        if len(top) > 1:
            # a code whose own title leaves an axis unspecified, tied through other words than the one code that
            # specifies it, was shown by a word that also says something else ("chronic" of "paroxysmal AF, chronic
            # and unchanged" is I48.20's, Chronic atrial fibrillation, unspecified): the specified code is what the
            # note shows. Tied through the same words ("right" of S82.891A and S82.91XA), nothing is settled.
            settled = [code for code in top if code not in self._vague]
            vague = frozenset().union(*(shown[code] for code in top if code in self._vague))
            if len(settled) == 1 and vague and not shown[settled[0]] <= vague:
                top = {settled[0]: top[settled[0]]}
        # a tie (right against left) means the note does not settle it: a CDI query, not a code
        if len(top) != 1:
            return None
        [(code, at)] = top.items()
        return code, best[0], at


def load_calibration() -> dict[str, Any]:
    """The fitted calibration tables (``data/audit_calibration_v1.json``), or {} when none was fitted."""
    path = resources.files("models.audit") / "data" / CALIBRATION_FILE
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def check_calibration(calibration: dict[str, Any], em_bundle: str | None) -> None:
    """Warn (AUD207) when fitted ``calibration`` tables were fitted with another E/M bundle than ``em_bundle``: the
    E/M level, add-on and service rates they hold are those of the bundle they were fitted with."""
    if calibration and calibration.get("em_bundle") != em_bundle:
        warnings.warn(CalibrationMismatchWarning(calibration.get("em_bundle"), em_bundle), stacklevel=3)


def em_bundle_id(bundle: Any) -> str | None:
    """The id of an E/M bundle folder (None for none)."""
    if bundle is None:
        return None
    from models.bundle import load_bundle

    return load_bundle(bundle, task="em").bundle_id


def _spans(evidence: Any, limit: int = 4) -> tuple[Span, ...]:
    out = []
    for item in list(evidence)[:limit]:
        out.append(Span(int(item.start), int(item.end), str(item.text)))
    return tuple(out)


@dataclass
class Providers:
    """Kept for callers that build the engine from single providers (None: not installed)."""

    em: Any = None
    services: Any = None
    diagnoses: Any = None
    hccs: Any = None


def load_providers() -> Providers:
    """Single providers are not used by the default engine (see :class:`DefaultModels`); kept for the CLI."""
    return Providers()


class DefaultModels:
    """Every installed model behind the :class:`~models.audit.inputs.ModelSuite` interface.

    Args:
        codesets: the code sets.
        config: the audit configuration (calibration tables).
        leveler: the E/M leveler (:class:`models.em.leveler.EmLeveler`); its pipeline runs the service detector.
        suggester: the ICD-10-CM suggester (:class:`models.icd10.suggester.Icd10Suggester`) or None.
        hcc_scanner: the HCC scanner (:class:`models.hcc.scan.HccScanner`: mapper plus condition finder) or None.
        calibration: fitted tables (``training/audit_calibration.py``); the shipped file when None, and the
            config's pooled figures for anything a table lacks.
        em_bundle: id of the E/M bundle behind ``leveler`` (None: rules only). The shipped tables record the
            bundle they were fitted with; another one loaded warns (AUD207).
        title_space: the ICD-10-CM titles' embedding space (:mod:`models.audit.semantic`) for assessment items the
            HCC condition finder names nothing for, or None (no suggester bundle installed: lexical reading only).
    """

    def __init__(
        self,
        codesets: CodeSets,
        config: AuditConfig,
        leveler: Any,
        suggester: Any = None,
        hcc_scanner: Any = None,
        calibration: dict[str, Any] | None = None,
        em_bundle: str | None = None,
        title_space: TitleSpace | None = None,
    ) -> None:
        self.codesets = codesets
        self.em_bundle = em_bundle
        if calibration is None:
            calibration = load_calibration()
            check_calibration(calibration, em_bundle)
        self.calibration = calibration
        self.config = config
        self.leveler = leveler
        self.suggester = suggester
        self.hcc_scanner = hcc_scanner
        self.support = DiagnosisSupport(codesets, config.documentation)
        self.specificity = SpecificityFinder(codesets, self.support)
        self.title_space = title_space
        self.has_cms = codesets.has_cms  # looked up once: it lists the CMS source folders

    @property
    def versions(self) -> dict[str, str]:
        em = str(getattr(self.leveler, "version", type(self.leveler).__name__))
        confidence = "calibrated" if getattr(self.leveler, "confidence_model", None) is not None else "table"
        suggester = "not loaded"
        if self.suggester is not None:
            suggester = str(getattr(self.suggester, "bundle_id", None) or getattr(self.suggester, "version", "icd10"))
        return {
            "em": f"{em} ({confidence} confidence, bundle {self.em_bundle or 'none'})",
            "services": "medcode.services.detector (via the E/M pipeline)",
            "diagnoses": f"rules+assertion; suggester {suggester}",
            "hccs": "not loaded" if self.hcc_scanner is None else str(getattr(self.hcc_scanner, "version", "hcc")),
        }

    def _visit_services(self, result: Any, encounter: Encounter) -> list[Any]:
        """The visit's billable lines besides the E/M (services module: detector output plus leveler companions,
        with its visit-level rules and NCCI indicator-0 drops on the date of service)."""
        from models.services.visit import ptp_from_cms, visit_services

        cms = self.codesets.cms if self.has_cms else None
        day = encounter.date_of_service or dt.date.today()
        return visit_services(result, ptp_from_cms(cms, day) if cms is not None else None)

    def load_tables(self) -> None:
        """Read the tables the audit looks up on every note now, at load (about 8 s CPU, once per process): the
        billable ICD-10-CM codes by category, the title word weights and whole words, the CMS-HCC mappings of every
        payment year the HCC gap check may pick from a date of service (about 0.45 s each), and the code hierarchy's
        children (0.2 s). Left to the first note, they stall it and count against whichever worker audits it."""
        self.specificity.by_category()
        self.codesets.icd10cm.children_index  # noqa: B018 - read for the CDI specificity query's sibling codes
        title_word_weights(self.codesets.icd10cm)
        title_vocabulary(self.codesets.icd10cm)
        site_lexicon(self.codesets.icd10cm)
        for year in PAYMENT_YEARS:
            self.codesets.hcc("V28", year)

    def _em_confidence(self, result: Any) -> float:
        if result.confidence is not None:
            return float(result.confidence)
        return float(self.calibration.get("em_level", self.config.calibration.em_level))

    def _service_confidence(self, code: str, source: str, billed: bool = True) -> float:
        table = "service" if source == "detector" else "em_addon"
        if not billed and f"{table}_unbilled" in self.calibration:
            table = f"{table}_unbilled"
        default = self.calibration.get(
            f"{table}_default",
            self.config.calibration.service if source == "detector" else self.config.calibration.em_addon,
        )
        return float(self.calibration.get(table, {}).get(code, default))

    def _dx_confidence(self, status: str, probability: float | None, problems_coded: bool | None = None) -> float:
        table = self.calibration.get("dx", {})
        # a table fitted before the problems_coded key answers with its plain status key
        for key in (dx_key(status, probability, problems_coded), dx_key(status, probability)):
            if key in table:
                return float(table[key])
        return float(getattr(self.config.calibration.dx_status, status))

    def _specific_confidence(self, key: str) -> float:
        table = self.calibration.get("specific", {})
        return float(table.get(key, self.calibration.get("specific_default", 0.5)))

    def _documented_confidence(self, coverage: float) -> float:
        table = self.calibration.get("documented", {})
        return float(table.get(coverage_bucket(coverage), self.calibration.get("documented_default", 0.5)))

    def parse(self, encounter: Encounter) -> ClinicalDocument:
        """The encounter's note parsed once, for every model that reads it (labels must already be removed)."""
        return ClinicalDocument.from_encounter(encounter)

    def coding(
        self, encounter: Encounter, doc: ClinicalDocument, raw: bool = False
    ) -> tuple[EmFinding | None, tuple[ServiceFinding, ...]]:
        """The supported E/M level and the documented services (the E/M pipeline annotates ``doc``, which must be
        fresh from :meth:`parse`); ``raw`` leaves uncalibrated answers at confidence 1."""
        result = self.leveler.level_encounter(encounter, doc)
        em: EmFinding | None = None
        if result.em_code is not None:
            confidence = 1.0 if raw else self._em_confidence(result)
            spans = [
                Span(m.evidence.start, m.evidence.end, m.evidence.text)
                for m in doc.mentions
                if m.kind in ("problem", "data", "risk", "time")
            ]
            em = EmFinding(
                supported_code=result.em_code,
                confidence=float(confidence),
                probabilities=dict(result.probabilities),
                mdm={
                    "problems": result.elements["problems"].level,
                    "data": result.elements["data"].level,
                    "risk": result.elements["risk"].level,
                    "level": result.mdm,
                },
                time_minutes=result.time_minutes,
                evidence=tuple(spans[:6]),
                missing=tuple(result.missing),
            )
        services: list[ServiceFinding] = []
        billed_codes = set(encounter.claim.codes()) if encounter.claim else set()
        for line in self._visit_services(result, encounter):
            if is_problem_visit(line.code):
                continue
            source = "leveler" if line.source == "em" else "detector"
            confidence = 1.0 if raw else self._service_confidence(line.code, source, line.code in billed_codes)
            services.append(
                ServiceFinding(
                    line.code, int(line.units), confidence, tuple(line.modifiers), _spans(line.evidence), source
                )
            )
        return em, tuple(services)

    def outputs(self, encounter: Encounter, raw: bool = False) -> ModelOutputs:
        """Every model's output for one encounter; ``raw`` leaves uncalibrated answers at confidence 1 (fitting)."""
        doc = self.parse(encounter)
        em, services = self.coding(encounter, doc, raw)
        suggestions = list(self.suggester.suggest(encounter)) if self.suggester is not None else []
        documented: tuple[DocumentedCode, ...] | None = None
        if self.suggester is not None:
            threshold = float(getattr(self.suggester, "decision_threshold", 0.5))
            documented = tuple(
                DocumentedCode(
                    s.code,
                    float(s.probability),
                    (Span(s.evidence.start, s.evidence.end, s.evidence.quote),) if s.evidence.end else (),
                )
                for s in suggestions
                if s.probability >= threshold
            )
        billed = encounter.claim.diagnoses() if encounter.claim else []
        support = {c: self.support.classify(doc, c) for c in billed if self.support.judged(c)}
        specific: list[DocumentedCode] = []
        for code in billed:
            # a condition the note hedges is unsupported, not under-specified (a negation read from another line is
            # too weak to tell; the statements read below must affirm the condition)
            status = support[code][0] if code in support else None
            if status == "ruled_out":
                continue
            found = self.specificity.find(doc, code, billed)
            # one placed in the past by the support reader (a problem-list line) is under-specified only where the
            # assessment states it as current by a more specific name that no phrase of the billed code words
            # ("hypercholesterolemia with endogenous hyperglyceridemia" of billed E78.5): a chief complaint does not
            # say the visit addressed it
            if found is not None and status == "history_only" and not _addressed(doc, found[2]):
                continue
            if found is not None:
                key = f"n={min(found[1], 3)}"
                confidence = float(found[1]) if raw else self._specific_confidence(key)
                specific.append(DocumentedCode(found[0], confidence, (found[2],), "specificity", code))
        if specific:
            documented = (*(documented or ()), *specific)
        elif documented is None and self.suggester is None:
            documented = ()
        diagnoses: list[DiagnosisFinding] = []
        coded = problems_coded(doc, support) if any(s == "absent" for s, _ in support.values()) else None
        for code, (status, evidence) in support.items():
            probability = None
            if self.suggester is not None:
                probability = max((s.probability for s in suggestions if s.code == code), default=0.0)
            in_context = coded if status == "absent" else None
            confidence = 1.0 if raw else self._dx_confidence(status, probability, in_context)
            diagnoses.append(DiagnosisFinding(code, status, confidence, evidence, probability, in_context))
        hccs: tuple[HccFinding, ...] | None = None
        if self.hcc_scanner is not None:
            named: dict[str, list[Evidence]] = {}
            if self.suggester is not None:
                suggested = [(s.code, s.probability) for s in suggestions]
            elif self.hcc_scanner.finder is not None:
                suggested, named = as_suggestions(self.hcc_scanner.finder.find(doc))
                for code, confidence, where in self._named_conditions(doc):
                    suggested.append((code, confidence))
                    named.setdefault(code, []).append(where)
            else:
                suggested = []
            analysis = self.hcc_scanner.mapper.analyse(encounter, suggested, doc, named)
            delta = analysis.raf_delta("V28")
            hccs = tuple(
                HccFinding(
                    r.hcc,
                    r.icd10cm[0],
                    float(r.confidence),
                    r.meat_elements,
                    _spans([e for spans in r.meat.values() for e in spans]),
                    delta,
                    "V28",
                )
                for r in analysis.records.get("V28", [])
                # MEAT found by the HCC module, and the condition stated as current and certain in the assessment
                # (not "rule out", "concern for", past or family history): the support rules every dx passes; one
                # the claim captures or outranks stays in, for the gap check to weigh against the billed codes the
                # note supports
                if r.status in ("gap", "captured", "trumped")
                and any(self._stated(doc, c, named.get(c, ()), support) for c in r.icd10cm)
            )
        return ModelOutputs(
            em=em,
            services=services,
            diagnoses=tuple(diagnoses),
            documented=documented,
            hccs=hccs,
            versions=self.versions,
        )

    def _named_conditions(self, doc: ClinicalDocument) -> list[tuple[str, float, Evidence]]:
        """(HCC-mapped code, the semantic reader's confidence, statement) for each affirmed assessment statement the
        HCC condition finder names nothing for and whose nearest titles agree on one HCC
        (:meth:`models.audit.semantic.TitleSpace.condition`). The statement is the code's named evidence: MEAT and
        the support status are read there as for any name."""
        finder = self.hcc_scanner.finder if self.hcc_scanner is not None else None
        if self.title_space is None or finder is None:
            return []
        model = self.hcc_scanner.mapper.models.get("V28")
        if model is None:
            return []

        def hcc_of(code: str) -> tuple[str, ...]:
            try:
                return tuple(model.hccs_for(code))
            except ValueError:  # a code the model's year does not know
                return ()

        out: list[tuple[str, float, Evidence]] = []
        confidence = self.title_space.settings.confidence
        for part in unnamed_items(doc, finder):
            found = self.title_space.condition(part.text, hcc_of)
            if found is not None:
                # the name read is the evidence (a coder sees the words the code stands for)
                start = part.start + max(part.text.find(found.name), 0)
                code = finder.stated_type(found.code, found.name)
                out.append((code, confidence, Evidence(start, start + len(found.name), found.name)))
        return out

    def _stated(
        self,
        doc: ClinicalDocument,
        code: str,
        named: Sequence[Evidence],
        billed: dict[str, tuple[DxStatus, tuple[Span, ...]]] | None = None,
    ) -> bool:
        """Whether the assessment states ``code``'s condition as current and certain: where the diagnosis support
        finds it, or where the HCC condition finder read its name plainly (``named``, see
        :attr:`models.hcc.conditions.ConditionMatch.named`: "DKD stage 3a", a name the support reader has no words
        for); ``billed``: the support already read for the billed codes of this note."""
        status = billed[code][0] if billed is not None and code in billed else self.support.classify(doc, code)[0]
        if status == "supported":
            return True
        for span in named:
            line = next((x for x in lines(doc) if x.start <= span.start and span.end <= x.end), None)
            if line is None:
                continue
            if self.support.status(doc, line, (span.start - line.start, span.end - line.start)) == "supported":
                return True
        return False


def _addressed(doc: ClinicalDocument, span: Span) -> bool:
    """Whether ``span`` lies on a line of the sections that say what the visit addressed (assessment, plan)."""
    return any(line.start <= span.start < line.end for line in lines(doc, ADDRESSED_SECTIONS))


def unnamed_items(doc: ClinicalDocument, finder: Any) -> list[Any]:
    """The diagnostic statements of the assessment and plan that the HCC condition finder (``finder``) names nothing
    for and that state a current, certain condition of the patient (not negated, hedged, past or a relative's): what
    the semantic reader tries. The cheap tests come first: most statements are named, and the assertion reading is
    the costly one."""
    parts, _ = _statements(doc)
    return [
        part
        for line_parts in parts
        for part in line_parts
        if part.section != "chief_complaint"
        and condition_name(part.text) is not None
        and not finder.names_any(part.text)
        and assert_span(doc, part.start, part.end, use_section=False).present
    ]


def problems_coded(doc: ClinicalDocument, support: dict[str, tuple[DxStatus, tuple[Span, ...]]]) -> bool:
    """Whether every problem the E/M reader found addressed (``doc`` annotated by the E/M pipeline) lies on a line
    where a billed code's condition is stated: the claim's other codes then explain the whole visit."""
    text = doc.text
    stated = [span.start for status, spans in support.values() if status != "absent" for span in spans]
    for mention in doc.mentions:
        if mention.kind != "problem":
            continue
        start = text.rfind("\n", 0, mention.evidence.start) + 1
        end = text.find("\n", mention.evidence.start)
        end = len(text) if end < 0 else end
        if not any(start <= position < end for position in stated):
            return False
    return True


def latest_bundle(task: str) -> Any:
    """The newest bundle folder of a task under ``<artifacts>/models/<task>``, or None."""
    folder = get_settings().artifacts_dir / "models" / task
    bundles = sorted(
        (p.parent for p in folder.glob("*/manifest.json") if not p.parent.name.startswith("staging")),
        key=lambda p: p.stat().st_mtime,
    )
    return bundles[-1] if bundles else None


def load_leveler(bundle: Any = None) -> Any:
    """The E/M leveler with its calibrated confidence model when an E/M bundle is installed."""
    from models.em.leveler import EmLeveler

    bundle = bundle or latest_bundle("em")
    if bundle is None:
        return EmLeveler()
    from models.bundle import load_bundle
    from models.em.confidence import OnnxEmConfidence

    threshold = load_bundle(bundle, task="em").thresholds.get("auto", 1.0)
    return EmLeveler(confidence_model=OnnxEmConfidence.from_bundle(bundle), auto_threshold=threshold)


def load_default_models(
    codesets: CodeSets,
    config: AuditConfig | None = None,
    icd10_bundle: Any = None,
    calibration: dict[str, Any] | None = None,
) -> DefaultModels:
    """The installed models: the E/M leveler (with its confidence bundle when trained), the ICD-10-CM suggester
    (when ``config.use_icd10_suggester`` or an explicit ``icd10_bundle``; else the latest trained bundle is not used)
    and the HCC scanner."""
    from models.hcc.scan import HccScanner

    config = config or load_audit_config()
    suggester = None
    bundle = icd10_bundle or (latest_bundle("icd10") if config.use_icd10_suggester else None)
    if bundle is not None:
        from models.icd10.suggester import Icd10Suggester

        suggester = Icd10Suggester.load(bundle)
    scanner = HccScanner.default(suggest=None)
    em_bundle = latest_bundle("em")
    # the suggester bundle's title embeddings and word-piece table serve the semantic HCC fallback even where the
    # suggester itself is not used
    icd10_folder = bundle or latest_bundle("icd10")
    title_space = TitleSpace.from_bundle(Path(icd10_folder)) if icd10_folder is not None else None
    models = DefaultModels(
        codesets, config, load_leveler(em_bundle), suggester, scanner, calibration, em_bundle_id(em_bundle), title_space
    )
    models.load_tables()
    return models
