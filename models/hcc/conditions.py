"""Documented HCC conditions from the note itself, for when no ICD-10-CM suggester bundle is loaded.

A small title matcher restricted to the ~10,000 billable ICD-10-CM codes that map to a CMS-HCC (V28 or V24): each
assessment/plan item (affirmed, current, about the patient) is compared with every such code's title, and with the
inclusion terms of the code and of its ancestors (the classification's own other names: "chronic obstructive lung
disease" for J44.9, "alcohol use disorder, moderate" for F10.20, "Crohn's disease of ileum" for K50.0-), by
IDF-weighted word coverage, with clinical abbreviations expanded ("T2DM w/ CKD 3a" -> type 2 diabetes mellitus with
chronic kidney disease stage 3a) and an item's word that no title has read as the title word it is a form of
("schizophrenic" as schizophrenia, "psychotic" as psychosis, "anaemia" as anemia). The best code above
``min_coverage`` is a suggestion; MEAT is then checked by :mod:`models.hcc.meat` as for any other diagnosis. The
proper source of suggestions is the ICD-10-CM suggester (``models/icd10``); this finder keeps the HCC scan usable
without it.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from datasets.codesets.hcc import HccModel
from models.clinical.assertion import assert_span, qualifies_a_test
from models.clinical.document import ITEM_LETTER, NESTED_ITEM_NUMBER, ClinicalDocument, Evidence
from models.em.components._lines import PLAN_SECTIONS, Line, item_body, lines
from models.em.cues import default_cues

_ABBREVIATIONS: dict[str, str] = {
    "t2dm": "type 2 diabetes mellitus", "t1dm": "type 1 diabetes mellitus", "dm2": "type 2 diabetes mellitus",
    "dm1": "type 1 diabetes mellitus", "dm": "diabetes mellitus", "niddm": "type 2 diabetes mellitus",
    "ckd": "chronic kidney disease", "esrd": "end stage renal disease", "chf": "congestive heart failure",
    "hfref": "systolic heart failure", "hfpef": "diastolic heart failure", "copd": "chronic obstructive pulmonary",
    "afib": "atrial fibrillation", "a-fib": "atrial fibrillation", "paf": "paroxysmal atrial fibrillation",
    "mdd": "major depressive disorder", "cad": "coronary artery disease", "pad": "peripheral arterial disease",
    "pvd": "peripheral vascular disease", "dvt": "deep vein thrombosis", "pe": "pulmonary embolism",
    "cva": "cerebral infarction", "oud": "opioid dependence", "aud": "alcohol dependence",
    "hiv": "human immunodeficiency virus", "ileal": "small intestine",
    "aecopd": "chronic obstructive pulmonary disease with acute exacerbation", "ileitis": "crohn small intestine",
    "hcv": "hepatitis c", "hbv": "hepatitis b", "ra": "rheumatoid arthritis", "uc": "ulcerative colitis",
    "sle": "systemic lupus erythematosus", "ms": "multiple sclerosis", "als": "amyotrophic lateral sclerosis",
    "ild": "interstitial lung disease", "nash": "nonalcoholic steatohepatitis", "mds": "myelodysplastic syndrome",
    "w/": "with", "w/o": "without", "htn": "hypertension", "hld": "hyperlipidemia", "osa": "obstructive sleep apnea",
    "hep": "hepatitis", "af": "atrial fibrillation", "dkd": "diabetic kidney disease",
    "dpn": "diabetic polyneuropathy", "etoh": "alcohol", "ihd": "ischemic heart disease",
    "hf": "heart failure", "fib": "fibrillation", "bmi": "body mass index bmi",
    # severity and course shorthand of a problem list ("MDD, recurrent, mod severity", "COPD exac")
    "mod": "moderate", "exac": "exacerbation",
}  # fmt: skip
_STEM = {"diabetic": "diabetes", "renal": "kidney", "kidneys": "kidney", "depressive": "depressive",
         "cardiac": "heart", "hepatic": "liver", "pulmonary": "pulmonary", "neuropathy": "neuropathy",
         "polyneuropathy": "polyneuropathy", "stage": "stage", "obstructive": "obstructive",
         "depression": "depressive"}  # fmt: skip
_STOP = frozenset(
    {"a", "an", "the", "of", "and", "or", "in", "on", "with", "due", "to",
     "by", "as", "for", "not", "elsewhere", "classified", "type", "disorder", "disease", "diseases", "without",
     "complications", "mention", "current", "episode", "use", "status", "is", "at", "goal", "stable",
     "uncomplicated", "s", "w", "tx", "pt", "severity", "illness", "condition"}
)  # fmt: skip
# a decimal number, or a range of them, is one word ("Body mass index [BMI] 40.0-44.9, adult"; "BMI 41.3")
_WORD = re.compile(r"\d+\.\d+(?:-\d+\.\d+)?|[a-z0-9]+(?:-[a-z0-9]+)?|w/o|w/")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)")
# Scores within this of the best approximate one are recomputed exactly (covers float error and 6-place rounding).
_TIE_MARGIN = 1e-5
NAMED_COVERAGE = 0.8  # see ConditionMatch.named; validation data (synth --phrasing validation, seed 404)
_MEMO_SIZE = 50_000  # item word sets whose best title is remembered (notes repeat their problem names)


# Where an item's condition name ends: " - " (or "--", an en or em dash), " | ", an arrow (" >> ", " -> ", " => ",
# "→"), ":", "(", a full stop, ";",
# "status" (not "status post", nor a status that ends the name or its part before a comma: "amputation status,
# left"), a bracketed remark ("AECOPD [not controlled]", "CKD 3a [1]"), a relative clause ("chronic hepatitis C,
# which is uncontrolled") or the verb of a sentence that has the condition as its subject ("the alcohol use disorder,
# moderate is slipping").
_NAME_END = re.compile(
    r"\s(?:--?|[|\u2013\u2014\u2192]|>>|->|=>)\s|:|\(|\[|\.\s|;|\bstatus\b(?!\s*(?:post\b|,|$))|"
    r",?\s+(?:which|that|who)\s+(?:is|are|was|were|remains?|has|have)\b|"
    r"\s(?:is|are|was|were|remains?|seems?|appears?|looks?)\s",
    re.IGNORECASE,
)
# An item lettered or numbered under a heading's number, which the E/M item reader leaves among the item's words:
# the letter or numeral closed by a full stop was read as the whole name ("I. paroxysmal AF, at goal").
_ITEM_LETTER = re.compile(rf"^\s*(?:{ITEM_LETTER}|{NESTED_ITEM_NUMBER})\s+", re.IGNORECASE)
# Words that lead into the condition in a sentence ("As for the X", "With regard to the X", "I think the X"): the
# name is read from after the article as well
_LEAD_IN = re.compile(r"^(?:[\w']+\s+){0,4}?the\s+", re.IGNORECASE)
# A lead-in phrase a writer opens every item with, with or without the article ("Regarding X:", "Re: X", "As for X"):
# its words are no name, though titles have some of them ("Counseling regarding ...")
_LEAD_PHRASE = re.compile(
    r"^(?:(?:as\s+)?for|with\s+(?:regard|respect)\s+to|regarding|concerning|re:?)\s+(?:the\s+)?", re.IGNORECASE
)
# "X on Y": what follows "on" is usually the treatment ("opioid dependence on maintenance therapy"), but can be part
# of the name ("acute on chronic", "dependence on dialysis"): the name is read with and without it. The treatment
# may also be put as a setting ("in a methadone program", "under maintenance therapy", "receiving dialysis"); the
# classification's own qualifiers ("in remission", "in pregnancy") have no treatment word, so they stay in the name.
_ON_TREATMENT = re.compile(
    r"\s+on\s+(?!chronic\b)|"
    r"\s+(?:in|under|receiving|with|undergoing)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:treatment|therapy|maintenance|program(?:me)?|replacement|substitution)\b",
    re.IGNORECASE,
)


_LAST_WORD = re.compile(r"(\w+)\W*$")
_UNSPECIFIED_WHETHER = re.compile(r"\bunspecified whether\b[^,;]*", re.IGNORECASE)
_MANIFESTATION = re.compile(r"\b(?:with|w/)\s+[^,;]+", re.IGNORECASE)
# DSM-5 severity wording -> ICD-10-CM index terms (Disorder, alcohol use, mild -> abuse; moderate/severe -> dependence)
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    # "d/o" is the disorder of "EtOH use d/o, moderate"
    (re.compile(r"\bd/o\b"), "disorder"),
    (re.compile(r"\buse disorder,?\s*(?:moderate|severe)"), "dependence"),
    (re.compile(r"\buse disorder,?\s*mild"), "abuse"),
    (re.compile(r"\b(?:moderate|severe)\s+((?:[a-z]+\s+){1,2})use disorder\b"), r"\1dependence"),
    (re.compile(r"\bmild\s+((?:[a-z]+\s+){1,2})use disorder\b"), r"\1abuse"),
    # ICD-10-CM index cross-references: "Addiction - see Dependence", "Alcoholism" is alcohol dependence,
    # "Insufficiency, renal, chronic" is chronic kidney disease
    (re.compile(r"\baddiction\b"), "dependence"),
    (re.compile(r"\balcoholism\b"), "alcohol dependence"),
    (re.compile(r"\b(?:renal|kidney) insufficiency\b"), "kidney disease"),
    # "complicated by" links a condition to its manifestation as "with" does (guideline I.A.15): "DM type 2
    # complicated by chronic kidney disease, stage 3A" is E11.22 with N18.31
    (re.compile(r"\bcomplicated by\b"), "with"),
    # "secondary to", "caused by" link a manifestation to its cause as "due to" does: "CKD 3a secondary to T2DM"
    # names no secondary diabetes (E08-E13's "secondary" is a type of diabetes, a word of the name)
    (re.compile(r"\b(?:secondary to|caused by|attributed to)\b"), "due to"),
    # "acute on chronic" (I50.23; "acute and chronic" in J96.2-) is one value of the acuity axis, not "acute" beside
    # a stopword
    (re.compile(r"\bacute (?:on|and) chronic\b"), "acuteonchronic"),
    # "angina-free", "symptom-free" state an absence, as the classification words it ("without angina pectoris")
    (re.compile(r"\b([a-z]+)-free\b"), r"without \1"),
    # ICD-10-CM index: "Status (post), amputation - see Absence, by site, acquired" (Z89.-): an amputation done is
    # the limb's acquired absence; one planned ("scheduled for amputation") is neither
    (re.compile(r"\bbka\b"), "below knee amputation"),
    (re.compile(r"\b(?:status post|s/p)\s+((?:[a-z-]+\s+){0,3}?)amputation\b"), r"acquired absence \1"),
    (re.compile(r"\bamputation status\b"), "acquired absence"),
    # KDIGO GFR categories: "CKD G3a" is chronic kidney disease stage 3a
    (re.compile(r"\bg([1-5][ab]?)\b"), r"stage \1"),
    # What a "without" clause names is absent: it is the default of its axis, so in a title it is no word an item
    # must state ("severe without psychotic features" is what "severe" says, F32.2), and in an item it states no
    # value ("COPD without exacerbation" is not J44.1). The clause runs to a comma, a "with" or an "in" ("without
    # complications in remission", E11.A).
    (re.compile(r"\b(?:without|w/o)\b(?:(?!\b(?:with|in)\b)[^,;])*"), " "),
    # "unspecified whether with hypoxia or hypercapnia" (J96.-0) names the axis, no value of it: the code is what an
    # item that states none says ("chronic respiratory failure" is J96.10, not P28.5 "Respiratory failure of newborn")
    (_UNSPECIFIED_WHETHER, "unspecified"),
)
# Number words and Roman numerals as the digits titles mostly write ("class three obesity", "type II diabetes").
_NUMBERS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "iiia": "3a",
    "iiib": "3b",
}
# Word endings of the same condition in another form: adjective for noun ("schizophrenic", "psychotic",
# "alcoholic"), British for American spelling ("anaemia", "oesophagitis", "haemorrhage", "behavioural",
# "generalised").
# Also the adjective of a condition named by its noun ("hypertensive" hypertension, "obese" obesity). Adverbs are
# left alone: most are status words, and some fold onto a title's axis value ("essentially", "partially").
_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("otic", ("osis",)),
    ("ic", ("ia", "ism", "y")),
    ("ed", ("e", "")),
    ("ive", ("ion",)),
    ("e", ("ity",)),
)
_SPELLING = (("ae", "e"), ("oe", "e"), ("our", "or"), ("ise", "ize"), ("isa", "iza"))
# ICD-10-CM index: diabetes "out of control", "poorly controlled", "inadequately controlled" is diabetes with
# hyperglycemia (E11.65); the same words about another condition name no manifestation.
_DIABETES = re.compile(r"diabet|\bt[12]dm\b|\bdm[12]?\b|\bniddm\b|\biddm\b")
_OUT_OF_CONTROL = re.compile(
    r"\b(?:uncontrolled|out of control|(?:poorly|inadequately|not) controlled|not at (?:treatment )?goal|"
    r"above (?:goal|target))\b"
)


# Heart failure "decompensated" or "exacerbated" is an acute worsening of the chronic failure: acute on chronic
# (I50.23, I50.33, I50.43), as coders read it
_HEART_FAILURE = re.compile(r"heart failure|\b(?:chf|hfref|hfpef|hfmref|hf)\b")
_WORSENED = re.compile(r"\b(?:acute(?:ly)?\s+)?(?:decompensat|exacerbat)\w*")


def _name_part(name: str) -> tuple[str, tuple[int, int] | None]:
    """The condition name of an item and the span of status words inside it to leave out of matching.

    A comma that starts a status ends the name ("alcohol use disorder, moderate, worsening despite treatment" ->
    "alcohol use disorder, moderate"): status words are not part of a code's title. A manifestation after the status
    still is ("T2DM, uncontrolled with hyperglycemia": the name keeps "with hyperglycemia", ", uncontrolled" is left
    out), so that the evidence stays one span of the note.
    """
    statuses = default_cues().problem_status
    diabetes = _DIABETES.search(name.lower()) is not None
    for comma in re.finditer(r",", name):
        end = name.find(",", comma.end())
        segment = name[comma.end() : end if end >= 0 else len(name)]
        if diabetes and _OUT_OF_CONTROL.search(segment.lower()):
            continue  # "T2DM on basal insulin, above goal": the control words name the hyperglycemia
        if any(label.pattern.search(segment.lower()) for label in statuses):
            manifestation = _MANIFESTATION.search(segment)
            if manifestation is None:
                return name[: comma.start()], None
            return name[: comma.end() + manifestation.end()], (comma.start(), comma.end() + manifestation.start())
    return name, None


def _essential_and_optional(title: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A title's (or other name's) essential words and the words of its parentheses (nonessential modifiers) that
    are not also essential."""
    words = tuple(dict.fromkeys(_words(re.sub(r"\([^)]*\)", " ", title))))
    optional = dict.fromkeys(_words(" ".join(re.findall(r"\(([^)]*)\)", title))))
    return words, tuple(w for w in optional if w not in words)


# A "with" clause of a title names a second condition the code stands for together with the first: the
# code is a reading of an item only where the item states something of each ("morbid obesity" is not "Morbid
# (severe) obesity with alveolar hypoventilation", E66.2; "rectal bleeding" is not "Crohn's disease, unspecified, with
# rectal bleeding", K50.911). A clause that offers "unspecified" is stated by its absence.
_WITH = re.compile(r"\bwith\b|\bw/(?!o)", re.IGNORECASE)
_NO_VALUE = frozenset({"unspecified", "other", "specified"})
# Acuity words: "chronic" picks a code where the classification splits the condition by acuity (I82.4- acute,
# I82.5- chronic DVT) and says nothing where it does not ("chronic schizophrenia" is F20.9): it counts against a
# row only where the row has an acuity word itself.
# A row's acuity words are its code title's, "without" clauses included ("Other pulmonary embolism without acute cor
# pulmonale" is no reading of "chronic pulmonary embolism", I27.82).
_ACUITY = re.compile(r"\b(?:acute|chronic|subacute)\b", re.IGNORECASE)
_SOFT = "chronic"


def _combination(text: str) -> tuple[frozenset[str], tuple[frozenset[str], ...]]:
    """A title's (or other name's) head words and the words each of its "with" clauses adds to them; both empty
    where it has no clause an item has to state."""
    pieces = _WITH.split(_UNSPECIFIED_WHETHER.sub("unspecified", re.sub(r"\([^)]*\)|\[[^]]*\]", " ", text)))
    named = set(_words(pieces[0]))
    clauses: list[frozenset[str]] = []
    for piece in pieces[1:]:
        words = set(_words(piece))
        own = words - named - _NO_VALUE
        if own and "unspecified" not in words:
            clauses.append(frozenset(own))
        named |= words
    head = frozenset(_words(pieces[0])) - _NO_VALUE
    return (head, tuple(clauses)) if clauses else (frozenset(), ())


def _none(code: str) -> list[tuple[str, str]]:
    return []


# A stage or type written against the abbreviation it qualifies ("CKD3b", "CKD4") is a word of its own
_GLUED = re.compile(r"\b([a-z]{2,5})(\d[ab]?)\b")


def _unglued(match: re.Match[str]) -> str:
    letters, number = match.groups()
    known = letters in _ABBREVIATIONS and match.group(0) not in _ABBREVIATIONS  # "dm2" is an abbreviation of its own
    return f"{letters} {number}" if known else match.group(0)


def _words(text: str) -> list[str]:
    out: list[str] = []
    text = text.lower()
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    if _DIABETES.search(text):
        text = _OUT_OF_CONTROL.sub(" with hyperglycemia ", text)
    if _HEART_FAILURE.search(text):
        text = _WORSENED.sub(" acuteonchronic ", text)
    text = _GLUED.sub(_unglued, text)
    for raw in _WORD.findall(text):
        expanded = _ABBREVIATIONS.get(raw) or _NUMBERS.get(raw)
        for word in expanded.split() if expanded else [raw]:
            word = _STEM.get(word, word)
            if word.endswith("s") and len(word) > 4 and not word.endswith(("ss", "us", "is")):
                word = word[:-1]
            if word not in _STOP:
                out.append(word)
    return out


_DIABETES_WORDS = frozenset(_words("diabetes"))
_DIABETES_CATEGORIES = frozenset({"E08", "E09", "E10", "E11", "E13"})
_KIDNEY_STAGE_WORDS = frozenset(_words("chronic kidney disease"))
_DIABETES_TYPED = frozenset(_words("type 1 type 2 secondary drug induced gestational pregnancy neonatal"))
_TYPE_2_WORDS = frozenset(_words("type 2 diabetes mellitus"))
# words that state a diabetes type other than 2 (guideline I.C.4.a.2: of unstated type it is type 2)
_NOT_TYPE_2_WORDS = frozenset(_words("1 secondary drug induced other"))


@dataclass(frozen=True)
class ConditionMatch:
    """A documented condition: the best HCC-mapped ICD-10-CM code for an assessment item, with its coverage."""

    icd10cm: str
    title: str
    coverage: float
    evidence: Evidence
    # every word of the name read is a word of the classification (a title's or an inclusion term's): no word
    # the matcher could not weigh ("I would call this still unexplained" reads only "still", as Still's disease)
    known: bool = False
    # every essential word of the title (or other name) matched is stated: a match that leaves one out is a
    # lookalike however close ("primary hypertension" is not "Primary pulmonary hypertension", I27.0)
    complete: bool = True

    @property
    def named(self) -> bool:
        """Whether the item names the condition plainly enough to count as a mention of it where the condition-term
        table has no word for the name ("DKD stage 3a", "regional enteritis"): all its words known, every essential
        word of what it matched stated, and a strong match. Weaker readings are lookalike titles ("combined
        hyperlipidemia" as combined immunodeficiency)."""
        return self.known and self.complete and self.coverage >= NAMED_COVERAGE


def as_suggestions(matches: Iterable[ConditionMatch]) -> tuple[list[tuple[str, float]], dict[str, list[Evidence]]]:
    """Condition matches as the mapper takes them: (code, coverage) suggestions, and where each code was read
    strongly enough to stand for a mention of it (:func:`models.hcc.meat.find_support`)."""
    matches = list(matches)
    named: dict[str, list[Evidence]] = {}
    for match in matches:
        if match.named:
            named.setdefault(match.icd10cm, []).append(match.evidence)
    return [(m.icd10cm, m.coverage) for m in matches], named


class HccConditionFinder:
    """Title matcher over the HCC-mapped codes (see module docstring).

    Args:
        titles: ``(code, title)`` pairs of billable ICD-10-CM codes.
        models: HCC models whose mapped codes are kept.
        min_coverage: minimum F-measure of IDF-weighted word overlap between item and title.
        other_names: a code's other names (its inclusion terms and its ancestors'), each with the code it is listed
            under; each is matched like a title and answers with its code (an ancestor's, with one of the ancestor's
            codes: see the comment in the body). Word weights come from the titles alone.
    """

    def __init__(
        self,
        titles: Iterable[tuple[str, str]],
        models: Iterable[HccModel],
        min_coverage: float = 0.6,
        other_names: Callable[[str], Iterable[tuple[str, str]]] | None = None,
    ):
        self.min_coverage = min_coverage
        models = list(models)
        # Every billable code is indexed so that "psoriasis vulgaris" finds its own (non-HCC) code instead of the
        # closest HCC one; only HCC-mapped results are returned.
        self.codes: list[tuple[str, str, tuple[str, ...]]] = []
        # ICD-10-CM conventions: words in parentheses are nonessential modifiers, "supplementary words that may be
        # present or absent ... without affecting the code" ("Essential (primary) hypertension"). A row's essential
        # words are the ones a reading must state; its optional ones count where the item states them (they explain
        # its words) and cost nothing where it does not, so "primary hypertension" states all of I10 and only part
        # of "Primary pulmonary hypertension".
        self.optional: list[tuple[str, ...]] = []
        self.mapped: list[bool] = []
        self.by_code: dict[str, int] = {}
        combinations: list[tuple[frozenset[str], tuple[frozenset[str], ...]]] = []
        acuity: list[bool] = []
        for code, title in titles:
            try:
                mapped = any(m.hccs_for(code) for m in models)
            except ValueError:
                continue
            words, optional = _essential_and_optional(title)
            if words:
                self.by_code[code] = len(self.codes)
                self.codes.append((code, title, words))
                self.optional.append(optional)
                self.mapped.append(mapped)
                combinations.append(_combination(title))
                acuity.append(_ACUITY.search(title) is not None)
        df: Counter[str] = Counter(w for _, _, ws in self.codes for w in ws)
        n = len(self.codes) or 1
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}
        # a word only ever in parentheses is weighed by how often it is (the essential words' weights stay as they
        # are: they do not depend on how the modifiers are read)
        df_optional: Counter[str] = Counter(w for ws in self.optional for w in ws if w not in self.idf)
        self.idf.update({w: math.log(1 + n / c) for w, c in df_optional.items()})
        self.title_vocabulary = frozenset(self.idf)  # what an item's word forms are folded to
        # a value an item states falls in a range a title states ("BMI 42" is "BMI 40.0-44.9", Z68.41): each range
        # with the words of the titles it is in, so that a value is read as a range of what the item names
        self.ranges: dict[str, tuple[float, float, frozenset[str]]] = {}
        for _, _, words in self.codes:
            for w in words:
                if (bounds := _RANGE.fullmatch(w)) is not None:
                    low, high, context = self.ranges.get(w, (float(bounds[1]), float(bounds[2]), frozenset()))
                    self.ranges[w] = (low, high, context | {c for c in words if not c[0].isdigit()})
        self.n_titles = len(self.codes)
        # other names follow the titles, so that a title wins a tie; a word no title has gets the rarest weight
        rarest = math.log(1 + n)
        names = other_names or _none
        listed = [(row, owner, phrase) for row in range(self.n_titles) if self.mapped[row] for owner, phrase in
                  names(self.codes[row][0])]  # fmt: skip
        # A term listed under a category or subcategory names the category's condition as such, with no value of
        # the axes its codes split it by: it answers with the code whose title adds least to the category's (fewest
        # essential words besides "unspecified", and on a tie the one without it), HCC-mapped or not. So "coronary
        # (artery) disease" (I25.1) is I25.10, not I25.110 "... with unstable angina pectoris", and "chronic
        # obstructive lung disease" (J44) is J44.9, not J44.1 "... with (acute) exacerbation".
        codes = sorted((code, row) for row, (code, _, _) in enumerate(self.codes))
        default: dict[str, int] = {}
        for owner in {owner for row, owner, _ in listed if owner != self.codes[row][0]}:
            first = bisect.bisect_left(codes, (owner, -1))
            last = bisect.bisect_left(codes, (owner + "\uffff", -1))
            default[owner] = min(
                (len(set(words) - {"unspecified"}), "unspecified" in words, row)
                for row in (r for _, r in codes[first:last])
                for words in (self.codes[row][2],)
            )[2]
        seen: set[tuple[int, tuple[str, ...], tuple[str, ...]]] = set()
        # an other name listed under a category answers with the category's default code where the item states no
        # value of its axes; where it states the words that set one of the category's codes apart from the default
        # ("chronic DVT of right femoral vein": "right"), with that code (see _stated_sibling)
        self.siblings: dict[int, tuple[int, ...]] = {}
        for row, owner, phrase in listed:
            siblings: tuple[int, ...] = ()
            if owner != self.codes[row][0]:
                row = default[owner]
                first = bisect.bisect_left(codes, (owner, -1))
                siblings = tuple(r for _, r in codes[first : bisect.bisect_left(codes, (owner + "\uffff", -1))])
            code, title, title_words = self.codes[row]
            name = re.sub(r"\[[^]]*\]|\bNOS\b", " ", phrase)
            words, optional = _essential_and_optional(name)
            if not words or (words, optional) == (title_words, self.optional[row]) or (row, words, optional) in seen:
                continue
            seen.add((row, words, optional))
            if siblings:
                self.siblings[len(self.codes)] = siblings
            self.codes.append((code, title, words))
            self.optional.append(optional)
            self.mapped.append(self.mapped[row])
            combinations.append(_combination(name))
            acuity.append(acuity[row] or _ACUITY.search(name) is not None)
            for w in words + optional:
                self.idf.setdefault(w, rarest)
        index: dict[str, list[int]] = {}
        for i, (_, _, ws) in enumerate(self.codes):
            for w in ws:
                index.setdefault(w, []).append(i)
        self.index = {w: np.asarray(rows, dtype=np.int64) for w, rows in index.items()}
        optional_index: dict[str, list[int]] = {}
        for i, ws in enumerate(self.optional):
            for w in ws:
                optional_index.setdefault(w, []).append(i)
        self.optional_index = {w: np.asarray(rows, dtype=np.int64) for w, rows in optional_index.items()}
        # rows with "with" clauses: each clause's own words, and each such row's head words (see _combination)
        clause_index: dict[str, list[int]] = {}
        clause_rows: list[int] = []
        head_index: dict[str, list[int]] = {}
        self.has_head = np.zeros(len(self.codes), dtype=bool)
        self.combinations = combinations
        for i, (head, clauses) in enumerate(combinations):
            for clause in clauses:
                for w in clause:
                    clause_index.setdefault(w, []).append(len(clause_rows))
                clause_rows.append(i)
            if clauses and head:
                self.has_head[i] = True
                for w in head:
                    head_index.setdefault(w, []).append(i)
        self.clause_rows = np.asarray(clause_rows, dtype=np.int64)
        self.clause_index = {w: np.asarray(ids, dtype=np.int64) for w, ids in clause_index.items()}
        self.head_index = {w: np.asarray(rows, dtype=np.int64) for w, rows in head_index.items()}
        self.acuity = np.asarray(acuity, dtype=bool)
        # each title's IDF weight, summed in title order as the exact score below sums it
        self.title_weight = np.asarray([sum(self.idf[w] for w in ws) for _, _, ws in self.codes], dtype=np.float64)
        self._memo: dict[tuple[frozenset[str], bool], tuple[str, str, float, int] | None] = {}
        self.category_rows: dict[str, list[int]] = {}  # title rows of each three-character category
        for i in range(self.n_titles):
            self.category_rows.setdefault(self.codes[i][0][:3], []).append(i)
        # category -> (the words all its titles share, its default row: see _answer)
        self._category_defaults: dict[str, tuple[frozenset[str], int]] = {}
        self._words_memo: dict[str, frozenset[str]] = {}  # item text -> its words (notes repeat their names)

    def _item_words(self, text: str) -> set[str]:
        """An item's words, each one no title has read as the title word it is a form of (if any).

        The clinical wordings the audit's other readers know ("T2D", "pAF", lay terms, index cross-references:
        ``models/audit/data/clinical_terms_v1.csv``) are read as the wording they stand for first, so that a name
        the diagnosis and specificity readers understand is one this finder understands too."""
        words = self._words_memo.get(text)
        if words is None:
            from models.audit.terms import fold_text  # models.audit imports this module: imported on first use

            if len(self._words_memo) >= _MEMO_SIZE:
                self._words_memo.clear()
            folded = {f for w in _words(fold_text(text)) for f in self._folds(w)}
            words = self._words_memo[text] = frozenset(self._in_ranges(folded))
        return set(words)

    def _in_ranges(self, words: set[str]) -> set[str]:
        """``words`` with each number that falls in a range of a title that shares another of the words read as
        that range (of those, the ones whose titles share the most)."""
        out = set(words)
        for w in words:
            if _NUMBER.fullmatch(w):
                value = float(w)
                # the ranges whose titles share most with the item ("BMI 42": the BMI range, not an age group's)
                shared = {
                    r: len(context & words) for r, (low, high, context) in self.ranges.items() if low <= value <= high
                }
                most = max(shared.values(), default=0)
                if most:
                    out = (out - {w}) | {r for r, n in shared.items() if n == most}
        return out

    def _folds(self, word: str) -> list[str]:
        """``word`` as title words: its form (:meth:`_fold`), or for a hyphenated word no title has, its parts
        ("below-knee", "left-sided": titles write "below knee", "Left sided colitis")."""
        folded = self._fold(word)
        if folded in self.title_vocabulary or "-" not in word:
            return [folded]
        parts = [self._fold(p) for p in word.split("-") if p and p not in _STOP]
        return parts if parts and all(p in self.title_vocabulary for p in parts) else [folded]

    def _fold(self, word: str) -> str:
        vocabulary = self.title_vocabulary
        if word in vocabulary:
            return word
        for old, new in _SPELLING:
            if old in word and (spelled := word.replace(old, new)) in vocabulary:
                word = spelled
                break
        for ending, forms in _FORMS:
            if word.endswith(ending):
                stem = word[: -len(ending)]
                return next((stem + f for f in forms if stem + f in vocabulary), word)
        return word

    def match_text(self, text: str) -> tuple[str, str, float] | None:
        """Best (code, title, coverage) for one item's text, or None below ``min_coverage``."""
        best = self._best(self._item_words(text))
        return None if best is None else best[:3]

    def names_any(self, text: str) -> bool:
        """Whether the words of ``text`` name some billable code's condition above ``min_coverage`` (HCC-mapped or
        not): what the lexical reading leaves unnamed is for a semantic reader to try."""
        return self._best(self._item_words(text)) is not None

    def match_all(self, text: str, limit: int = 2) -> list[tuple[str, str, float]]:
        """Up to ``limit`` codes for one item: the best match, then the best for the words it left unexplained.

        ICD-10-CM guideline I.A.15 ("with"): diabetes and CKD or polyneuropathy in one item are linked, so
        "T2DM w/ CKD stage 3a" gives the combination code E11.22 beside N18.31.
        """
        return [(code, title, coverage) for code, title, coverage, _ in self._matches(text, limit)]

    def _matches(self, text: str, limit: int = 2) -> list[tuple[str, str, float, bool]]:
        """:meth:`match_all`'s codes, each with whether the item states every essential word of what matched."""
        words = self._item_words(text)
        found: list[tuple[str, str, float, bool]] = []
        for attempt in range(limit + 1):
            if not words or len(found) >= limit:
                break
            if words & _DIABETES_WORDS and not words & _DIABETES_TYPED:
                # guideline I.C.4.a.2: diabetes of unstated type is type 2 ("diabetic CKD stage 3a" -> E11.22)
                words |= _TYPE_2_WORDS
            # the words a match left over are read against titles only: other names are short, and any leftover
            # fits one ("infection" of "hepatitis C, chronic infection" is not "Infection of bone NOS")
            best = self._best(words, titles_only=attempt > 0)
            if best is None:
                break
            title_words = set(self.codes[best[3]][2])
            if self.mapped[best[3]]:
                # "unspecified" is what a title says where the item states no value of the axis; "chronic" is often
                # left unsaid of a condition chronic by its nature ("DKD stage 3a" is staged chronic kidney disease):
                # the score weighs it, a plain naming does not need it
                found.append((*best[:3], title_words - {"unspecified", _SOFT} <= words))
            title_words |= set(self.optional[best[3]])  # what it explains: its stated modifiers too
            if not words & title_words:
                break
            if best[0][:3] in _DIABETES_CATEGORIES and words & _KIDNEY_STAGE_WORDS:
                # E08-E13 .22 "with diabetic chronic kidney disease": the tabular's "use additional code to identify
                # the stage of chronic kidney disease" (N18.1-N18.6): the kidney words stay for the stage's own code
                # ("CKD 3a secondary to T2DM" is E11.22 and N18.31)
                title_words -= _KIDNEY_STAGE_WORDS
            words -= title_words
        codes = [c for c, _, _, _ in found]
        for diabetes in [c for c in codes if c[:3] in ("E10", "E11", "E13")]:
            for other in codes:
                suffix = {"N18": "22", "G62": "42", "G63": "42"}.get(other[:3])
                # a combination code read directly is stated by both parts as well ("T2DM with diabetic
                # nephropathy, CKD 3a": E11.22 and N18.31)
                if suffix and (diabetes.endswith(suffix) or not diabetes.endswith(("22", "42"))):
                    combined = f"{diabetes[:3]}.{suffix}"
                    found = [
                        (combined, "combination", 1.0, k) if c == diabetes else (c, t, v, k) for c, t, v, k in found
                    ]
        return found

    def _best(self, words: set[str], titles_only: bool = False) -> tuple[str, str, float, int] | None:
        key = (frozenset(words), titles_only)
        if key not in self._memo:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = self._score(words, self.n_titles if titles_only else len(self.codes))
        return self._memo[key]

    def _score(self, words: set[str], searched: int) -> tuple[str, str, float, int] | None:
        """Best (code, title, coverage, row) for an item's words among the first ``searched`` rows (the row: the
        title or other name that matched)."""
        # sorted words and fsum: set order follows the per-process hash seed, and float sums must not (a run
        # resumed in another process has to give the same codes)
        weight = {w: self.idf.get(w, 0.0) for w in sorted(words)}
        item_total = math.fsum(weight.values())
        soft = weight.get(_SOFT, 0.0)  # what a row without an acuity word leaves of the item unexplained less
        # F-measure of precision got/item_total and recall got/title_weight is 2*got/(title_weight + item_total):
        # one vector pass over the posting lists finds the titles that can win; only those are scored exactly
        # (title-order sums, as ranked before), so the answer and its coverage do not change
        got = np.zeros(len(self.codes), dtype=np.float64)
        for w in weight:
            rows = self.index.get(w)
            if rows is not None:
                got[rows] += weight[w]
        # a stated optional word adds to both what the row explains and what it has
        stated = [w for w in weight if w in self.optional_index]
        extra = np.zeros(len(self.codes), dtype=np.float64) if stated else None
        if extra is not None:
            for w in stated:
                extra[self.optional_index[w]] += weight[w]
            got += extra
        hit = np.flatnonzero(got[:searched])
        hit = hit[~self._unstated_combination(words)[hit]]
        if not len(hit):
            return None
        weight_hit = self.title_weight[hit] if extra is None else self.title_weight[hit] + extra[hit]
        approx = 2 * got[hit] / (weight_hit + item_total - soft * ~self.acuity[hit])
        best: tuple[float, int, int] | None = None
        for i in hit[approx >= approx.max() - _TIE_MARGIN].tolist():
            _, _, title_words = self.codes[i]
            optional = sum(self.idf[w] for w in self.optional[i] if w in words)
            total = sum(self.idf[w] for w in title_words) + optional
            got_i = sum(self.idf[w] for w in title_words if w in words) + optional
            recall = got_i / total if total else 0.0  # how much of the title the item states
            explained = item_total if self.acuity[i] else item_total - soft
            precision = got_i / explained if explained else 0.0  # how much of the item the title explains
            score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            key = (round(score, 6), -len(title_words), -i)
            if best is None or key > best:
                best = key
        if best is None or best[0] < self.min_coverage:
            return None
        row = self._answer(-best[2], words)
        code, title, _ = self.codes[row]
        twin = self._unstated_type_twin(code, words)
        if twin is not None:
            code, title, row = self.codes[twin][0], self.codes[twin][1], twin
        return code, title, best[0], row

    def _unstated_combination(self, words: set[str]) -> np.ndarray:
        """Rows that name a combination the item does not state: a "with" clause none of whose own words it states,
        or none of the words of the condition the clause goes with (see _combination)."""
        stated = np.zeros(len(self.clause_rows), dtype=np.int64)
        head = np.zeros(len(self.codes), dtype=np.int64)
        for w in words:
            if (ids := self.clause_index.get(w)) is not None:
                stated[ids] += 1
            if (rows := self.head_index.get(w)) is not None:
                head[rows] += 1
        out = self.has_head & (head == 0)
        out[self.clause_rows[stated == 0]] = True
        return out

    def _answer(self, row: int, words: set[str]) -> int:
        """The row whose code answers for the best-matching ``row``: the code of an other name's category whose own
        words the item states (:meth:`_stated_sibling`); for an item that states nothing but words of its category's
        name, and not all of the row's, the category's default code ("lupus" is M32.9, not M32.14 "Glomerular
        disease in systemic lupus erythematosus", whose other name "lupus renal disease" it half states: it names no
        organ)."""
        row = self._stated_sibling(row, words)
        if set(self.codes[row][2]) - {"unspecified", _SOFT} <= words:
            return row
        category = self.codes[row][0][:3]
        if category not in self._category_defaults:
            rows = self.category_rows.get(category, [])
            common = frozenset.intersection(*(frozenset(self.codes[r][2]) for r in rows)) if rows else frozenset()
            default = min((len(set(self.codes[r][2]) - {"unspecified"}), "unspecified" in self.codes[r][2], r) for r in
                          rows)[2] if rows else row  # fmt: skip
            self._category_defaults[category] = (common, default)
        common, default = self._category_defaults[category]
        return default if words and words <= common else row

    def _stated_sibling(self, row: int, words: set[str]) -> int:
        """``row``, or for an other name that answers with its category's default code, the row of the category's
        code whose words besides the default's the item states (the most of them by weight)."""
        siblings = self.siblings.get(row)
        if siblings is None:
            return row
        default = set(self.codes[self.by_code[self.codes[row][0]]][2])
        best: tuple[float, int, int] | None = None
        for sibling in siblings:
            own = set(self.codes[sibling][2]) - default - _NO_VALUE
            if own and own <= words:
                key = (math.fsum(self.idf[w] for w in sorted(own)), -len(self.codes[sibling][2]), -sibling)
                best = key if best is None or key > best else best
        return row if best is None else -best[2]

    def _unstated_type_twin(self, code: str, words: set[str]) -> int | None:
        """Row of the type 2 code for a diabetes code of another type whose type the item's words do not state."""
        if code[:3] in ("E08", "E09", "E10", "E13") and not words & _NOT_TYPE_2_WORDS:
            # ICD-10-CM guideline I.C.4.a.2: diabetes of unstated type is type 2 (E11)
            return self.by_code.get("E11" + code[3:])
        return None

    def stated_type(self, code: str, text: str) -> str:
        """``code``, or its type 2 twin where it is a diabetes code of a type ``text`` does not state (guideline
        I.C.4.a.2), for a code read from ``text`` by other means than the titles' words."""
        twin = self._unstated_type_twin(code, self._item_words(text))
        return code if twin is None else self.codes[twin][0]

    def find(self, doc: ClinicalDocument) -> list[ConditionMatch]:
        """Documented conditions of the assessment/plan (one per item; the item's name part is matched)."""
        out: list[ConditionMatch] = []
        for line in lines(doc, PLAN_SECTIONS):
            lettered = _ITEM_LETTER.match(line.text)
            body = item_body(line.text[lettered.end() :] if lettered else line.text)
            # the name opens the item, or follows a label that opens it with the status ("stable, no changes:
            # paroxysmal AF on warfarin"): the part after the first colon is read when the part before names nothing
            colon = body.find(":")
            for start in (0, colon + 1) if colon >= 0 else (0,):
                found = self._item_matches(doc, line, body, start)
                if found:
                    out.extend(found)
                    break
        return out

    def _names_something(self, words: str) -> bool:
        """Whether ``words`` hold a word of 3+ letters that titles use."""
        return bool({w for w in self._item_words(words) if len(w) > 2} & self.title_vocabulary)

    def _item_matches(self, doc: ClinicalDocument, line: Line, body: str, start: int) -> list[ConditionMatch]:
        """The conditions the name part of ``body[start:]`` (an assessment item without its markers) states.

        Where the name ends is read several ways, and the reading the classification explains best wins (on a tie
        one that names the condition plainly, then the one listed first: the one that states more): a parenthesis
        right after the name may qualify it ("chronic kidney disease (stage 3a)") or report a finding ("HFrEF (EF
        30%)"); "on" may start the treatment ("PAF on warfarin"); a sentence may lead into the name ("As for the
        decompensated HFrEF, ...").
        """
        segment = body[start:].lstrip()
        best: list[ConditionMatch] = []
        texts = [segment]
        if (phrase := _LEAD_PHRASE.match(segment)) is not None:
            texts.append(segment[phrase.end() :])
        elif (lead := _LEAD_IN.match(segment)) is not None and not self._names_something(lead.group(0)):
            texts.append(segment[lead.end() :])  # the words before "the" name nothing ("irritated skin tags of the")
        for text in texts:
            readings = _readings(text)
            # a comma may end the name before words no title has ("BPAD type 2, euthymic"): a reading up to it is
            # tried where all it leaves off is such words (a status word or a remark, never a stage or a site)
            # (where it leaves off stopwords only, it reads the same words: not tried again)
            for name, rest in _comma_ends(text):
                left_off = self._item_words(rest)
                if left_off and not left_off & self.title_vocabulary:
                    readings.append((name, ()))
            for raw, blanks in readings:
                found = self._name_matches(doc, line, text, raw, blanks)
                # "paroxysmal atrial fib on Coumadin": the drug weighs nothing in the coverage, but leaves the
                # longer reading unable to stand for a mention
                if found and (not best or (found[0].coverage, found[0].named) > (best[0].coverage, best[0].named)):
                    best = found
        if best and best[0].named:
            return best
        # a word no title has that no comma sets off ("DKD stage 3a eGFR 52", "COPD mostly controlled on
        # tiotropium") or a status ("atrial fibrillation rate controlled on metoprolol"): a value, a drug, a lay or
        # status word, after which the rest of the line is about the condition, not its name. The name is read up to
        # it; it stands for a mention where it is read plainly and answers with codes the whole item does (or the
        # whole item answers nothing): the cut may only make a reading plain, never change what it reads
        for text in texts:
            for cut in self._name_cuts(text):
                if len(self._item_words(text[:cut])) < 2:
                    continue  # one word before words no title has is too little to name ("Course: still a puzzle")
                found = self._name_matches(doc, line, text, text[:cut].rstrip(" ,"))
                if found and found[0].named and (not best or {m.icd10cm for m in found} <= {m.icd10cm for m in best}):
                    return found
        return best

    def _name_cuts(self, text: str) -> list[int]:
        """Where the name opening ``text`` may end before words that are not part of it, after at least one word
        titles have: its first word no title has, and its first status word ("stable", "rate controlled"); last
        first."""
        cut = _NAME_END.search(text)
        name = text if cut is None else text[: cut.start()]
        cuts: set[int] = set()
        first_known: int | None = None
        for token in re.finditer(r"[^\s,]+", name):
            words = self._item_words(token.group(0))
            if not words:
                continue
            if words <= self.idf.keys():
                if first_known is None:
                    first_known = token.end()
                continue
            if first_known is not None:
                cuts.add(token.start())
            break
        if first_known is not None:
            lowered = name.lower()
            for label in default_cues().problem_status:
                status = label.pattern.search(lowered, first_known)
                if status is not None and name[: status.start()].strip():
                    cuts.add(status.start())
        return sorted(cuts, reverse=True)

    def _name_matches(
        self, doc: ClinicalDocument, line: Line, segment: str, raw: str, blanks: Blanks = ()
    ) -> list[ConditionMatch]:
        """The conditions one reading ``raw`` of an item's name (a prefix of ``segment``) states, its ``blanks``
        (spans of ``raw``) left out."""
        name, status_words = _name_part(raw)
        last = _LAST_WORD.search(name)
        if last is None or qualifies_a_test(last.group(1)):
            return []  # "low-dose CT lung cancer screening" orders a test
        offset = line.start + (len(line.text) - len(segment))
        if not assert_span(doc, offset, offset + len(name), use_section=False).present:
            return []
        # the typo-repaired text in the note's own case: some shorthand is read in capitals only ("T2D", "OM")
        stop = offset + len(name)
        repaired = "".join(
            o if o.lower() == n else n for o, n in zip(doc.text[offset:stop], doc.norm[offset:stop], strict=True)
        )
        for start, end in blanks:
            if start < len(repaired):
                repaired = repaired[:start] + " " * (min(end, len(repaired)) - start) + repaired[end:]
        if status_words is not None:
            repaired = repaired[: status_words[0]] + " " + repaired[status_words[1] :]
        repaired = re.sub(r"^(?:dx|diagnosis)\s*", "", repaired, flags=re.IGNORECASE)
        known = self._item_words(repaired) <= self.idf.keys()
        return [
            ConditionMatch(code, title, score, Evidence(offset, offset + len(name), name), known, complete)
            for code, title, score, complete in self._matches(repaired)
        ]


Blanks = tuple[tuple[int, int], ...]


def _readings(segment: str) -> list[tuple[str, Blanks]]:
    """Where the condition name opening ``segment`` may end (see :meth:`HccConditionFinder._item_matches`), each
    with the spans inside it to leave out of matching."""
    cut = _NAME_END.search(segment)
    name = segment if cut is None else segment[: cut.start()]
    # (reading, its blanks, where a treatment after it may start), longest first: on a tie the one that states more
    through: list[tuple[str, Blanks, int]] = []
    parenthesis: list[tuple[str, Blanks]] = []
    if cut is not None and cut.group(0) == "(" and (close := segment.find(")", cut.end())) > 0:
        parenthesis.append((segment[: close + 1], ()))
        # a parenthesis inside a name is a remark or an abbreviation of what precedes it, and the name goes on after
        # it ("CKD (biopsy-proven), stage 4", "recurrent MDD (major depression), severe"): read through to where the
        # name ends after it, with the parenthesised words and without them (ICD-10-CM puts supplementary words in
        # parentheses, nonessential modifiers that may be present or absent)
        after = _NAME_END.search(segment, close + 1)
        end = len(segment) if after is None else after.start()
        if segment[close + 1 : end].strip(" ,"):
            whole = segment[:end]
            through = [(whole, (), close + 1), (whole, ((cut.start(), close + 1),), close + 1)]
    out = [(reading, blanks) for reading, blanks, _ in through] + parenthesis + [(name, ())]
    for reading, blanks, start in [*through, (name, (), 0)]:
        on = _ON_TREATMENT.search(reading, start)
        if on is not None:
            # the name may go on after the treatment ("T2DM on basal insulin, above goal", "type 2 diabetes on
            # insulin with hyperglycemia"): read with the treatment left out as well, before the reading cut at it
            after = _AFTER_TREATMENT.search(reading, on.end())
            if after is not None and reading[after.end() :].strip(" ,"):
                out.append((reading, (*blanks, (on.start(), after.start()))))
            out.append((reading[: on.start()], blanks))
    return out


_AFTER_TREATMENT = re.compile(r",|\bwith\b|\bw/(?!o)", re.IGNORECASE)


def _comma_ends(segment: str) -> list[tuple[str, str]]:
    """The condition name opening ``segment`` cut at each of its first commas, last first: (name, what it leaves
    off)."""
    cut = _NAME_END.search(segment)
    name = segment if cut is None else segment[: cut.start()]
    commas = [m.start() for m in re.finditer(",", name)][:3]
    return [(name[:comma], name[comma:]) for comma in reversed(commas) if name[:comma].strip()]
