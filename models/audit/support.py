"""Documentation support of a billed diagnosis: where the note states the condition, and how.

An auditor reads each billed ICD-10-CM code against the note: the code is supported when the visit's assessment and
plan documents the condition affirmatively (ICD-10-CM Official Guidelines, Section IV.J: code the conditions the
visit addresses). Mentions that do not support it: negated ("no evidence of heart failure"), uncertain ("rule out
pneumonia", "concern for melanoma": Section IV.H), family or resolved history, and the copied-forward problem list
or past history with no assessment or plan today.

Finding the condition is knowledge matching, never a list of the note's own phrases: a line mentions a code when
(a) the curated condition-term table of the HCC module matches it, or (b) the line's words cover, by IDF weight,
the title or an inclusion term of the code or of one of its ancestors down to the three-character category (so
"T2DM with hyperglycemia" mentions E11.9 through the E11 category title). Words are folded by the ICD-10-CM
suggester's normalisation (synonyms, abbreviations, plurals) on the typo-repaired note.

Status codes whose support is a med list, a vital sign, a procedure or a screening form rather than a condition
statement (long-term drug therapy, BMI, immunization, general examination, infectious agents, social
determinants: ``configs/audit.yaml`` ``documentation.not_judged``) are not judged from the text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from configs.audit import DocumentationConfig
from datasets.codesets import CodeSets, Icd10cm
from models.audit.inputs import DxStatus, Span
from models.audit.terms import fold_tokens, index_terms
from models.audit.wordforms import content_key, word_key
from models.clinical.assertion import qualifies_a_test
from models.icd10.knowledge import clean_title
from models.icd10.text import Token, tokenize

HISTORY_SECTIONS = frozenset({"pmh", "psh", "family", "social"})
ADDRESSED_SECTIONS = frozenset({"assessment", "plan", "preventive"})
# A drug on the medication list names no condition statement ("buprenorphine-naloxone film" is not "opioid use
# disorder, today"): those lines are not read as mentions.
DRUG_SECTIONS = frozenset({"medications", "allergies"})
# Hedges that make a diagnosis uncertain when they precede it in the same clause (NegEx/ConText possible-existence
# lexicon, outpatient wording): "r/o", "concern for", "cannot exclude", "evaluate for", "question of"; a test or
# search "for" a condition ("check for", "test for", "look for") is looking for it, not finding it.
# Section IV.H also names "likely", "consistent with", "compatible with" and "working diagnosis"; "unclear whether"
# and "not clear if" leave the condition open as well.
UNCERTAIN_BEFORE = re.compile(
    r"\b(?:r/o|rule[- ]?out|ruling out|to exclude|exclude|excluding|possible|possibly|probable|probably|suspected|"
    r"suspect|"
    r"suspicion|suspicious for|concern(?:ing)? for|worrisome for|worry for|suggestive of|question(?:able)? (?:of|for)|"
    r"questionable|evaluat(?:e|ion|ing) for|eval for|work-?up for|assess for|screen(?:ing)? for|consider(?:ing)?|"
    r"(?:check|test|look|search)(?:ing|s)? for|"
    r"differential|ddx|vs\.?|versus|may have|might have|presumed|presumptive|presumably|doubt|unlikely|likely|"
    r"consistent with|compatible with|working (?:diagnosis|dx)|(?:unclear|uncertain|not (?:yet )?clear|unsure) "
    r"(?:whether|if)|whether (?:this|it|these) (?:is|are|represents?|reflects?)|query|"
    r"not (?:yet )?(?:confirmed|proven|established)|unconfirmed|(?:possibility|chance) of|"
    r"(?:see|find out|determine|establish) (?:if|whether))\b|\?"
)
# ... and when they follow it: "melanoma not excluded", "pneumonia cannot be ruled out", "fracture has not been
# excluded yet", "CHF vs COPD", "angina?",
# "cirrhosis is also on the differential, felt less likely", "sepsis felt to be unlikely".
UNCERTAIN_AFTER = re.compile(
    r"^\W{0,3}(?:\?|(?:is |was |has |have )?(?:not|cannot be|can't be|to be)(?: yet| fully)?(?: been)? "
    r"(?:yet |fully )?(?:excluded|ruled out)|vs\.?\b|"
    r"versus\b|(?:(?:is|was|remains?|still) )+(?:also )?(?:possible|suspected|questionable)\b|"
    # without a copula the adjective is predicative only where no noun follows it: "pneumonia possible, CXR
    # ordered" hedges the pneumonia, "chest pain, possible ACS" hedges the ACS
    r"(?:also )?(?:possible|suspected|questionable|probable)\b(?!\s+(?!(?:but|and|or|though|although|pending|until|"
    r"given|at|on|per|so|for|if|yet|as|to|in)\b)[A-Za-z])|"
    r"(?:(?:is|was|remains?|still) )?(?:also )?(?:in question|unlikely|"
    r"less likely|(?:on|in) the differential|a consideration|a possibility|under consideration|being considered|"
    r"not (?:yet )?(?:confirmed|proven|established)|unconfirmed|(?:yet )?to be (?:confirmed|determined|excluded|"
    r"ruled out))\b|"
    r"(?:is |was )?(?:felt|thought|considered) (?:to be )?(?:less |more )?(?:likely|unlikely|possible)\b|in mind\b)"
)
# Past conditions the assertion cues do not cover: "remote ...", "prior ...", "Past: ...", "... no longer an active
# issue", "... as a child", "..., cleared" ("quiescent" and "in remission" are current: the disease is still there).
HISTORICAL_BEFORE = re.compile(
    r"\b(?:remote|former|past (?:history|hx) of|hx of|history of|status post|s/p)\b|\b(?:previous|prior|past)\W*$"
)
HISTORICAL_AFTER = re.compile(
    r"^[^.;:]{0,25}?(?:\b(?<!not )(?<!yet )(?:(?:now |since |long )?resolved|cleared|cured|healed)|"
    r"\bno longer (?:an? )?(?:active|present|issue|problem)|\b(?:a few |many |several |\d+ )?years? ago|"
    r"\bas a (?:child|teen(?:ager)?)|\bin (?:childhood|the past))\b"
)
# A relative named right after the condition: "colon cancer in mother", "stroke (father)".
_RELATIVES = (
    r"(?:mother|father|sister|brother|son|daughter|sibling|parent|(?:maternal|paternal) \w+|grand(?:mother|father)|"
    r"aunt|uncle|cousin)s?"
)
RELATIVE_AFTER = re.compile(
    rf"^[^.;:]{{0,25}}?(?:\b(?:in|of|affecting) (?:his |her |the patient's )?{_RELATIVES}\b|\({_RELATIVES}\))"
)
# ... or as the subject of the clause: "sister is known to have breast cancer", "mother had a stroke"; or a "Family:"
# label.
FAMILY_BEFORE = re.compile(
    rf"\b(?:family (?:history|hx)|fhx?|fam hx)\b|\bfamily\W*$|"
    rf"\b{_RELATIVES}\b[^.;:]{{0,30}}?\b(?:has|had|have|with)\b(?: an?| the)?\W*$"
)
_CLAUSE_END = re.compile(r"[.;:]\s|\s-\s|\bbut\b|\bhowever\b")
# a mark between two clauses of one line: the comma of "coronary atherosclerosis, no angina" and the clause ends
_CLAUSE_MARK = re.compile(r",|[.;:]\s|\s-\s")
# A label that names what follows it ("Rule out: X", "Not yet confirmed: X", "Past: X", "Family: X").
_LABEL = re.compile(r"([^.;:]{1,40}):\s*[-*]?\s*$")
MAX_GAP = 2  # words of other content a mention may span beyond its own (a name is written together)
# Title words that name no particular condition or only qualify it, like the nonessential modifiers of the
# ICD-10-CM index: optional in a mention, and never enough alone ("chronic ... disease" of "Crohn disease, stable
# chronic" does not mention chronic kidney disease).
OPTIONAL_WORDS = ("disease", "disorder", "syndrome", "chronic", "acute", "condition", "state", "neoplasm",
                  "malignant", "mellitus", "essential", "primary", "cutaneous", "nonrheumatic")  # fmt: skip
_UNCERTAIN_WINDOW = 60  # characters before a mention that a hedge reaches (about eight words), within its clause


@dataclass(frozen=True)
class Mention:
    """One line stating a billed code's condition, with what the line says about it."""

    status: DxStatus
    span: Span


@lru_cache(maxsize=4)
def site_words(icd: Icd10cm) -> frozenset[str]:
    """Folded words of the injury chapter's titles (S00-S99, initial encounters): the body's sites and the kinds
    of injury, which name where a condition is, never which condition it is. About 1 s CPU, once per code set."""
    return frozenset(
        word
        for record in icd.billable_codes()
        if record.code.startswith("S") and (len(record.code) < 8 or record.code.endswith("A"))
        for word in words_of(clean_title(record.title))
    )


@lru_cache(maxsize=4)
def title_vocabulary(icd: Icd10cm) -> frozenset[str]:
    """The normalised words of the billable codes' titles, whole (not their matching keys): the classification's
    own word forms. About 2 s CPU, once per code set; callers that can, pay for it at load."""
    return frozenset(norm for norms in _title_norms(icd) for norm in norms)


@lru_cache(maxsize=4)
def _title_norms(icd: Icd10cm) -> tuple[tuple[str, ...], ...]:
    """The normalised words of each billable code's title (tokenised once for the vocabulary and the weights)."""
    return tuple(tuple(token.norm for token in tokenize(clean_title(record.title))) for record in icd.billable_codes())


# A relational adjective names its noun's condition ("migrainous headache" is a migraine, "a keloidal scar" a keloid):
# the adjective's stem, before the suffix that derives it from the noun, with the noun's own ending back. Read only
# for a note word the titles never use as such (their adjectives, "spinal" or "nervous", keep their meaning as
# written), and only onto a title word, so that the classification's vocabulary decides which noun is meant.
_ADJECTIVE_SUFFIXES = ("ous", "al", "ic", "ar")
_NOUN_ENDINGS = ("", "e", "a", "y", "ia", "is", "us", "um")
_DERIVED_STEM = 5  # letters a stem keeps ("renal", "venous", "viral" are too short to say which noun they derive from)


def derived_noun(norm: str, vocabulary: frozenset[str]) -> str | None:
    """The title word a note's relational adjective derives from ("migrainous" -> "migraine"), or None where the
    word is a title word itself, no such adjective, or its stem leads to no single title word."""
    if norm in vocabulary:
        return None
    for suffix in _ADJECTIVE_SUFFIXES:
        if norm.endswith(suffix) and len(norm) - len(suffix) >= _DERIVED_STEM:
            stem = norm[: -len(suffix)]
            nouns = {word_key(stem + ending) for ending in _NOUN_ENDINGS if stem + ending in vocabulary}
            return nouns.pop() if len(nouns) == 1 else None
    return None


@lru_cache(maxsize=4)
def title_word_weights(icd: Icd10cm) -> dict[str, float]:
    """Inverse document frequency of each folded word over the billable codes' titles: computed once per code set
    and process (every title is tokenised, about 4 s CPU); callers that can, pay for it at load."""
    df: Counter[str] = Counter()
    titles = _title_norms(icd)
    for norms in titles:
        df.update({key for norm in norms if (key := content_key(norm)) is not None})
    n = len(titles) or 1
    return {w: math.log((n + 1) / (c + 1)) + 1.0 for w, c in df.items()}


class ConditionKnowledge:
    """Word sets of a code's titles and inclusion terms (and its ancestors' down to the category), IDF-weighted.

    Args:
        codesets: ICD-10-CM titles, inclusion terms and hierarchy.
    """

    def __init__(self, codesets: CodeSets) -> None:
        self.icd = codesets.icd10cm
        self._phrases: dict[str, list[tuple[frozenset[str], float]]] = {}
        self._naming: dict[str, frozenset[str]] = {}

    @cached_property
    def idf(self) -> dict[str, float]:
        """Inverse document frequency of each folded word over the billable codes' titles."""
        return title_word_weights(self.icd)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """The titles' whole words (see :func:`derived_noun`)."""
        return title_vocabulary(self.icd)

    @cached_property
    def sites(self) -> frozenset[str]:
        """Words that name a body site (or injury) rather than a condition."""
        return site_words(self.icd)

    def phrases(self, code: str) -> list[tuple[frozenset[str], float]]:
        """(words, total weight) of every phrase naming ``code``'s condition."""
        if code not in self._phrases:
            texts: list[str] = []
            for item_code in [code, *self.icd.ancestors(code)]:
                item = self.icd.find_code(item_code)
                if item is None or len(item_code) < 3 or "-" in item_code:
                    continue
                texts.append(item.title)
                texts.extend(item.inclusion_terms)
                # the Alphabetic Index entries that lead to the code and that its tabular lacks ("chest discomfort" is
                # R07.89) name it too
                texts.extend(index_terms().get(item_code, ()))
            idf = self.idf
            out: list[tuple[frozenset[str], float]] = []
            for text in dict.fromkeys(texts):
                words = frozenset(words_of(clean_title(text))) - _CLASSIFICATION_WORDS
                if words:
                    out.append((words, math.fsum(idf.get(w, 1.0) for w in words)))
            self._phrases[code] = out
        return self._phrases[code]

    def naming_words(self, code: str) -> frozenset[str]:
        """The words of all ``code``'s phrases that can name it (optional words aside): a text with none of them
        covers no phrase."""
        if code not in self._naming:
            self._naming[code] = frozenset().union(*(phrase for phrase, _ in self.phrases(code))) - _OPTIONAL
        return self._naming[code]

    def coverage(self, code: str, words: set[str] | frozenset[str]) -> tuple[float, frozenset[str]]:
        """Best IDF-weighted share of one phrase's words present in ``words``, and the words matched."""
        best, matched = 0.0, frozenset[str]()
        # most lines of a note name none of a code's words: no phrase needs looking at
        if self.naming_words(code).isdisjoint(words):
            return best, matched
        idf = self.idf
        for phrase, total in self.phrases(code):
            shared = phrase & words
            if not shared - _OPTIONAL:
                continue
            # an optional word the line leaves out does not count against it ("hypertension" names "Essential
            # (primary) hypertension"; "melanoma" names "Malignant melanoma of skin") unless the line then states
            # only where the condition is: "lung" is no "malignant neoplasm of lung"
            dropped = (phrase - words) & _OPTIONAL
            if dropped and not shared - self.sites:
                continue
            left_out = math.fsum(idf.get(w, 1.0) for w in dropped)
            # fsum: a set's order changes with the hash seed, and a plain float sum with it; the share must not
            share = math.fsum(idf.get(w, 1.0) for w in shared) / (total - left_out)
            if share > best:
                best, matched = share, frozenset(shared)
        return best, matched


# Number words the transposed-letter repair takes for others ("three" -> "there"): a stage or class in words
_NUMBER_WORDS = re.compile(r"\bthree\b", re.I)
_ASCII_CAPITALS = re.compile(r"[A-Z]+")


def restored_text(text: str, norm: str) -> str:
    """A note line's typo-repaired text (``norm``) with the capitals of its ``text`` back ("HTN" expands to
    hypertension, "cap" stays a word), and its number words as written."""
    if text.isascii() and len(text) == len(norm):
        # the capitals of ASCII text are A-Z: the runs under them are upper-cased whole, not one character at a
        # time (a long line has hundreds of characters and a few capitals)
        parts: list[str] = []
        position = 0
        for run in _ASCII_CAPITALS.finditer(text):
            parts += (norm[position : run.start()], norm[run.start() : run.end()].upper())
            position = run.end()
        parts.append(norm[position:])
        restored = "".join(parts)
    else:
        restored = "".join(n.upper() if t.isupper() else n for t, n in zip(text, norm, strict=True))
    for number in _NUMBER_WORDS.finditer(text):
        restored = restored[: number.start()] + number.group() + restored[number.end() :]
    return restored


def clinical_tokens(text: str) -> list[Token]:
    """Tokens of a text (the ICD-10-CM suggester's normalisation) with lay terms, eponyms and index "see" terms read
    as the title wording they stand for (:mod:`models.audit.terms`)."""
    return fold_tokens(text, tokenize(text))


def words_of(text: str) -> list[str]:
    """Matching keys of the content words of a text such as a code title (the ICD-10-CM suggester's normalisation,
    shorthand spelled out, then :func:`word_key`); a note's lines also read clinical terms (:func:`clinical_tokens`)."""
    return [key for t in tokenize(text) if (key := content_key(t.norm)) is not None]


_OPTIONAL = frozenset(word_key(w) for w in OPTIONAL_WORDS)
# "NEC" (not elsewhere classified) qualifies an inclusion term in the classification; no note writes it
_CLASSIFICATION_WORDS = frozenset({word_key("nec")})


# A prefix of time is said in a note as a preposition before the noun ("bleeding after the menopause" is the title's
# "postmenopausal bleeding", "pain after the procedure" its "postprocedural pain"): the prefixed title word stands for
# the noun the preposition governs, where the rest of the title word is that noun's word form (same matching key).
_PREFIX_PREPOSITIONS = {"post": frozenset({"after", "following"}), "pre": frozenset({"before", "prior"})}
_TIME_PREPOSITIONS = frozenset().union(*_PREFIX_PREPOSITIONS.values())
_PREPOSITION_GAP = frozenset({"the", "a", "an", "her", "his", "their", "to"})  # "prior to", "after the"


@lru_cache(maxsize=4)
def prefixed_forms(vocabulary: frozenset[str]) -> dict[tuple[str, str], str]:
    """(preposition, matching key of a noun) -> matching key of the prefixed title word it stands for
    (("after", "menopaus") -> "postmeno"), from the title words made of a time prefix and another title word."""
    out: dict[tuple[str, str], str] = {}
    for word in vocabulary:
        for prefix, prepositions in _PREFIX_PREPOSITIONS.items():
            rest = word[len(prefix) :]
            if word.startswith(prefix) and len(rest) >= _DERIVED_STEM and rest in vocabulary:
                for preposition in prepositions:
                    out[(preposition, word_key(rest))] = word_key(word)
    return out


@lru_cache(maxsize=4096)  # a note's lines are read once per billed code and per specific code the finder tries
def _line_words(
    text: str, norm: str, vocabulary: frozenset[str]
) -> tuple[tuple[Token, ...], tuple[str, ...], tuple[str | None, ...], frozenset[str]]:
    """A note line's content tokens, their matching keys in order, the key of the title noun each relational
    adjective derives from (:func:`derived_noun`, None for other words), and the set of all those keys."""
    tokens: list[Token] = []
    keys: list[str] = []
    governed: list[str | None] = []  # the time preposition before each content token, if any
    preposition: str | None = None
    prefixed = prefixed_forms(vocabulary)
    for token in clinical_tokens(restored_text(text, norm)):
        if (key := content_key(token.norm)) is not None:
            tokens.append(token)
            keys.append(key)
            governed.append(preposition)
        if token.norm in _TIME_PREPOSITIONS:
            preposition = token.norm
        elif token.norm not in _PREPOSITION_GAP:
            preposition = None
    nouns = tuple(
        (prefixed.get((p, k)) if p is not None else None) or derived_noun(t.norm, vocabulary)
        for t, k, p in zip(tokens, keys, governed, strict=True)
    )
    return tuple(tokens), tuple(keys), nouns, frozenset(keys) | {noun for noun in nouns if noun is not None}


class DiagnosisSupport:
    """Why a billed ICD-10-CM code is or is not supported by the note (see module docstring).

    Status (:data:`models.audit.inputs.DxStatus`) of the best mention, in this order: ``supported`` (affirmed in the
    assessment/plan), ``ruled_out``, ``negated``, ``not_addressed`` (affirmed elsewhere: HPI, exam, an unlabelled
    list), ``history_only`` (past history, problem list, family or resolved) and ``absent`` (no mention found).

    Args:
        codesets: ICD-10-CM titles and hierarchy.
        config: mention coverage and the codes not judged from the text.
    """

    # A condition stated as current today (history, exam) is not history-only because the problem list carries it
    # too: "not_addressed" outranks "history_only".
    _ORDER: tuple[DxStatus, ...] = ("supported", "ruled_out", "negated", "not_addressed", "history_only")

    def __init__(self, codesets: CodeSets, config: DocumentationConfig) -> None:
        self.knowledge = ConditionKnowledge(codesets)
        self.config = config
        self._patterns: dict[str, re.Pattern[str] | None] = {}

    def judged(self, code: str) -> bool:
        """Whether the note text can support or refute ``code`` (status codes are documented elsewhere)."""
        return not code.upper().startswith(tuple(self.config.not_judged))

    def pattern(self, code: str) -> re.Pattern[str] | None:
        """The curated condition-term pattern of the code's longest listed prefix of three or more characters (HCC
        module table), if any."""
        if code not in self._patterns:
            from models.hcc.meat import condition_terms

            compact = code.upper().replace(".", "")
            table = condition_terms()
            # a row keyed above the category ("C": any cancer) names a family of conditions, not this code's
            self._patterns[code] = next(
                (table[compact[:n]] for n in range(len(compact), 2, -1) if compact[:n] in table), None
            )
        return self._patterns[code]

    def locate(self, line: Any, code: str) -> tuple[int, int] | None:
        """Character span (within the line) of the code's condition in one note line, or None (also where the name
        only qualifies a test: "lung cancer screening")."""
        found = self._find(line, code)
        if found is not None and qualifies_a_test(line.norm[found[1] :]):
            return None
        return found

    def _find(self, line: Any, code: str) -> tuple[int, int] | None:
        """The first naming of the code's condition in the line, by the curated pattern or the classification's
        words: the pattern of a category names its related conditions too (I25's "angina"), and in "coronary
        atherosclerosis, no angina" the condition is the one named in the clause before it, the angina only a
        qualifier of its own clause. Within one clause ("coronary atherosclerosis without anginal symptoms") the
        pattern's match is the naming, with its qualifier."""
        found: tuple[int, int] | None = None
        pattern = self.pattern(code)
        if pattern is not None:
            match = pattern.search(line.norm)
            if match is not None:
                found = match.start(), match.end()
                if not _CLAUSE_MARK.search(line.norm, 0, found[0]):
                    return found
        tokens, keys, nouns, words = _line_words(line.text, line.norm, self.knowledge.vocabulary)
        share, matched = self.knowledge.coverage(code, words)
        if share < self.config.mention_coverage:
            return found
        window = self._window(code, tokens, keys, matched, nouns)
        if found is None or (window is not None and _CLAUSE_MARK.search(line.norm, window[1], found[0])):
            return window or found
        # in the same clause or overlapping, the pattern's span is the name whole ("atrial fibrillation" of
        # "paroxysmal atrial ...")
        return found

    def _window(
        self,
        code: str,
        tokens: tuple[Token, ...],
        keys: tuple[str, ...],
        matched: frozenset[str],
        nouns: tuple[str | None, ...] = (),
    ) -> tuple[int, int] | None:
        """The shortest run of words that still reaches the coverage threshold (the name as written), or None when
        the matched words lie scattered over the line. A word counts by its own key or by its derived noun's."""
        nouns = nouns or (None,) * len(keys)
        best: tuple[int, int] | None = None
        for i, key in enumerate(keys):
            if key not in matched and nouns[i] not in matched:
                continue
            for j in range(i, min(len(keys), i + len(matched) + MAX_GAP)):
                if keys[j] not in matched and nouns[j] not in matched:
                    continue
                run = {*keys[i : j + 1], *(noun for noun in nouns[i : j + 1] if noun is not None)}
                share, _ = self.knowledge.coverage(code, run)
                if share >= self.config.mention_coverage:
                    if best is None or j - i < best[1] - best[0]:
                        best = (i, j)
                    break
        if best is None:
            return None
        return tokens[best[0]].start, tokens[best[1]].end

    def mentions(self, doc: Any, code: str) -> list[Mention]:
        """Every line of the note that names the code's condition, with its status."""
        from models.em.components._lines import lines

        out: list[Mention] = []
        for line in lines(doc):
            if line.section in DRUG_SECTIONS:
                continue
            found = self.locate(line, code)
            if found is None:
                continue
            start, end = line.start + found[0], line.start + found[1]
            out.append(Mention(self.status(doc, line, found), Span(start, end, doc.text[start:end])))
        return out

    def affirmed(self, doc: Any, line: Any, code: str) -> bool:
        """Whether ``line`` names the code's condition as present (not negated, hedged, past or a relative's)."""
        found = self.locate(line, code)
        return found is not None and self.status(doc, line, found) in ("supported", "not_addressed")

    @staticmethod
    def status(doc: Any, line: Any, found: tuple[int, int]) -> DxStatus:
        """What the line says about the condition named at ``found`` (character span within the line)."""
        from models.clinical.assertion import assert_span

        # hedges and negation are read up to the mention's last word, its head noun ("scaphoid fracture" in
        # "wrist sprain, no fracture"; "ankle ... rule out ankle fracture")
        head = line.norm.rfind(" ", found[0], found[1] - 1) + 1 or found[0]
        if _uncertain(line.norm, head, found[1]):
            return "ruled_out"
        assertion = assert_span(doc, line.start + head, line.start + found[1], use_section=False)
        if assertion.has("negated"):
            return "negated"
        if (
            line.section in HISTORY_SECTIONS
            or assertion.has("historical")
            or assertion.has("family")
            or _past_or_family(line.norm, head, found[1])
        ):
            return "history_only"
        if assertion.has("uncertain") or assertion.has("hypothetical"):
            return "ruled_out"
        return "supported" if line.section in ADDRESSED_SECTIONS else "not_addressed"

    def classify(self, doc: Any, code: str) -> tuple[DxStatus, tuple[Span, ...]]:
        """The support status of ``code`` in the parsed note, with up to three mentions behind it."""
        found = self.mentions(doc, code)
        for status in self._ORDER:
            spans = tuple(m.span for m in found if m.status == status)
            if spans:
                return status, spans[:3]
        return "absent", ()


def _clause_before(line: str, start: int) -> str:
    """The words before ``line[start:]`` in its clause; for a mention right after a label, the label."""
    window = line[max(0, start - _UNCERTAIN_WINDOW) : start]
    clause = _CLAUSE_END.split(window)[-1]
    label = _LABEL.search(window) if not clause.strip(" \t-*") else None
    return label.group(1) if label is not None else clause


def _past_or_family(line: str, start: int, end: int) -> bool:
    """Whether the mention ``line[start:end]`` is a past condition or a relative's (before it in its clause, or
    right after it)."""
    clause, after = _clause_before(line, start), line[end : end + 40]
    return bool(
        HISTORICAL_BEFORE.search(clause)
        or FAMILY_BEFORE.search(clause)
        or HISTORICAL_AFTER.search(after)
        or RELATIVE_AFTER.search(after)
    )


def _uncertain(line: str, start: int, end: int) -> bool:
    """Whether a hedge governs the mention ``line[start:end]`` (before it in its clause, or right after it)."""
    return bool(UNCERTAIN_BEFORE.search(_clause_before(line, start)) or UNCERTAIN_AFTER.search(line[end : end + 40]))
