"""The ICD-10-CM suggestion pipeline, independent of how its two learned parts are executed.

``Icd10Core`` runs analysis -> dense retrieval -> candidates -> features -> ranker -> calibration -> routing ->
evidence. The serving suggester plugs in ONNX Runtime sessions (``suggester.py``); the reference implementation in
``training/`` plugs in the scikit-learn estimators they were exported from, so parity tests and the speed benchmark
compare exactly the learned parts. Both use the same exported sentence encoder: it is a fixed pretrained model, not
fitted here (``training/icd10/encoder.py`` checks the export against PyTorch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from configs.icd10 import CandidateSettings, DenseSettings
from models.icd10.assertion import ContextAnnotator
from models.icd10.calibration import IsotonicCalibrator, Tier, route
from models.icd10.dense import EncodeFn, TitleIndex, encode_note, retrieve
from models.icd10.features import NoteAnalysis, Priors, analyze_note, candidate_features, evidence_span
from models.icd10.knowledge import KnowledgeIndex
from models.icd10.text import content_words

SupervisedFn = Callable[[list[str]], npt.NDArray[np.float32]]
RankerFn = Callable[[npt.NDArray[np.float32]], npt.NDArray[np.float32]]


@dataclass(frozen=True)
class Evidence:
    """Where the note supports a code: ``text[start:end] == quote``."""

    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class CodeSuggestion:
    """One ranked ICD-10-CM suggestion with its calibrated probability, evidence and routing tier."""

    code: str
    title: str
    rank: int
    probability: float
    score: float
    tier: Tier
    evidence: Evidence
    # "knowledge" (title, inclusion term or learned phrase matched), "dense" (title retrieved by sentence embedding)
    # or "classifier"
    source: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Icd10Tables:
    """The non-learned-in-ONNX arrays a suggester needs (all stored in the bundle)."""

    kb: KnowledgeIndex
    titles: Sequence[str]
    sup_code_index: npt.NDArray[np.int32]
    sup_top_words: Sequence[frozenset[int]]
    priors: Priors
    code_info: npt.NDArray[np.float32]
    category_of: npt.NDArray[np.int32]
    title_index: TitleIndex  # code-title embeddings (knowledge index order) and their clusters


class Icd10Core:
    """Suggest ICD-10-CM codes for a note with pluggable supervised and ranker executors.

    Args:
        tables: knowledge index, priors and label tables.
        supervised: texts -> probabilities over the supervised labels.
        encode: texts -> sentence embeddings (the exported encoder).
        ranker: feature matrix -> ranker scores in [0, 1].
        calibrator: score -> calibrated probability.
        candidates: candidate generation settings.
        dense: dense retrieval settings.
        decision_threshold: probability above which a suggestion counts as predicted (for F1).
        auto_threshold: probability at or above which a suggestion is routed to the auto tier.
        max_suggestions: length of the returned ranked list.
    """

    def __init__(
        self,
        tables: Icd10Tables,
        supervised: SupervisedFn,
        encode: EncodeFn,
        ranker: RankerFn,
        calibrator: IsotonicCalibrator,
        candidates: CandidateSettings,
        dense: DenseSettings,
        decision_threshold: float,
        auto_threshold: float,
        max_suggestions: int,
    ) -> None:
        self.tables = tables
        self.supervised = supervised
        self.encode = encode
        self.ranker = ranker
        self.calibrator = calibrator
        self.candidates = candidates
        self.dense = dense
        self.decision_threshold = decision_threshold
        self.auto_threshold = auto_threshold
        self.max_suggestions = max_suggestions
        self.annotator = ContextAnnotator()
        # evidence lookups per suggestion (~100 a note): the supervised label of a code (its first), and the
        # knowledge word ids of a code title's content words (read once per code)
        self._label_of: dict[int, int] = {}
        for j, code in enumerate(tables.sup_code_index.tolist()):
            self._label_of.setdefault(code, j)
        self._title_words: dict[int, set[int]] = {}

    def _title_word_ids(self, code: int) -> set[int]:
        if code not in self._title_words:
            word_id = self.tables.kb.word_id
            self._title_words[code] = {word_id[w] for w in content_words(self.tables.titles[code]) if w in word_id}
        return self._title_words[code]

    def analyze(self, text: str) -> NoteAnalysis:
        return analyze_note(text, self.tables.kb, self.annotator)

    def suggest_text(self, text: str) -> list[CodeSuggestion]:
        """Ranked suggestions for one note's text (best first)."""
        t = self.tables
        note = self.analyze(text)
        sup_probs = self.supervised([note.affirmed_text])[0]
        queries = encode_note(note.sentences, note.excluded, note.sentence_words, self.encode, self.dense)
        hits = retrieve(queries, t.title_index, self.dense)
        cands = candidate_features(
            note, t.kb, sup_probs, t.sup_code_index, t.sup_top_words, t.priors, t.code_info, t.category_of, hits,
            t.title_index, self.candidates,
        )  # fmt: skip
        if len(cands.codes) == 0:
            return []
        scores = self.ranker(cands.features)
        probs = self.calibrator.predict(scores)
        order = np.lexsort((cands.codes, -scores))[: self.max_suggestions]
        codes, prob_list, score_list = cands.codes.tolist(), probs.tolist(), scores.tolist()
        out: list[CodeSuggestion] = []
        for rank, row in enumerate(order.tolist(), start=1):
            code = codes[row]
            match = cands.matches.get(code)
            if match is not None:
                words = set(t.kb.phrase_word_ids(match.phrase).tolist())
                start, end = evidence_span(note, match.sentence, words)
                source = "knowledge"
            elif code in hits.retrieved:
                start, end = evidence_span(note, hits.retrieved[code], self._title_word_ids(code))
                source = "dense"
            else:
                j = self._label_of[code]
                sentence = cands.sup_sentence.get(code, 0)
                start, end = evidence_span(note, sentence, set(t.sup_top_words[j])) if note.sentences else (0, 0)
                source = "classifier"
            p = prob_list[row]
            out.append(
                CodeSuggestion(
                    code=t.kb.codes[code],
                    title=t.titles[code],
                    rank=rank,
                    probability=p,
                    score=score_list[row],
                    tier=route(p, self.auto_threshold),
                    evidence=Evidence(start, end, text[start:end]),
                    source=source,
                )
            )
        return out
