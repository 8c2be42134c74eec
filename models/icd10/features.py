"""Note analysis and candidate features: what the ranker sees for every (note, candidate code) pair.

One :class:`NoteAnalysis` per note (sentences, assertion, affirmed words) feeds both candidate sources — knowledge
matches (``knowledge.py``) and the supervised classifier's top codes — and :func:`candidate_features` turns their
union into a fixed-width float32 matrix with the columns of :data:`FEATURE_NAMES`. Training (reference path) and
serving (ONNX path) call the same functions, so the two can only differ in the learned parts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from configs.icd10 import CandidateSettings
from models.icd10.assertion import ContextAnnotator
from models.icd10.dense import DenseHits, TitleIndex
from models.icd10.knowledge import KIND_INCLUSION, KIND_LEARNED, KIND_TITLE, KnowledgeIndex, PhraseMatch
from models.icd10.text import PUNCT, STOPWORDS, Sentence, split_sentences

FEATURE_NAMES: tuple[str, ...] = (
    "kb_coverage",
    "kb_weight",
    "kb_n_words",
    "kb_full_match",
    "kb_kind_title",
    "kb_kind_inclusion",
    "kb_kind_learned",
    "kb_n_sentences",
    "kb_first_position",
    "kb_historical",
    "kb_code_precision",
    "kb_code_matches",
    "kb_phrase_precision",
    "sup_prob",
    "sup_rank_inv",
    "sup_known",
    "sup_max_sentence_overlap",
    "train_log_freq",
    "train_category_log_freq",
    "category_candidates",
    "category_best_sup",
    "category_best_coverage",
    "code_depth",
    "title_unspecified",
    "is_billable",
    "note_log_words",
    "dense_similarity",
    "dense_rank_inv",
    "dense_retrieved",
)
N_FEATURES = len(FEATURE_NAMES)


@dataclass(frozen=True)
class NoteAnalysis:
    """A note split into sentences with assertion flags and the affirmed knowledge-vocabulary word ids."""

    text: str
    sentences: tuple[Sentence, ...]
    excluded: tuple[tuple[bool, ...], ...]
    historical: tuple[tuple[bool, ...], ...]
    sentence_words: tuple[tuple[int, ...], ...]
    historical_words: tuple[frozenset[int], ...]
    affirmed_text: str
    n_words: int
    # per sentence, (word id or -1, start, end) of each affirmed non-stopword token: evidence spans of ~100
    # suggestions per note are read from it instead of walking the sentence's tokens for each
    evidence_tokens: tuple[tuple[tuple[int, int, int], ...], ...]


def analyze_note(text: str, kb: KnowledgeIndex, annotator: ContextAnnotator) -> NoteAnalysis:
    """Split, assert and index a note once; ``affirmed_text`` (normalised affirmed words) feeds the classifier."""
    sentences = tuple(split_sentences(text))
    excluded: list[tuple[bool, ...]] = []
    historical: list[tuple[bool, ...]] = []
    words: list[tuple[int, ...]] = []
    historical_words: list[frozenset[int]] = []
    affirmed: list[str] = []
    evidence_tokens: list[tuple[tuple[int, int, int], ...]] = []
    n_words = 0
    word_id = kb.word_id
    for sentence in sentences:
        flags = annotator.annotate(sentence)
        excluded.append(flags.excluded)
        historical.append(flags.historical)
        ids: list[int] = []
        evidence: list[tuple[int, int, int]] = []
        # one pass over the tokens: words counted (punctuation aside), affirmed non-stopwords kept as evidence
        # (punctuation too, with word id -1), and of those the words that feed the classifier and the knowledge match
        for token, is_excluded in zip(sentence.tokens, flags.excluded, strict=True):
            norm = token.norm
            punctuation = norm in PUNCT
            if not punctuation:
                n_words += 1
            if is_excluded or norm in STOPWORDS:
                continue
            word = word_id.get(norm)
            evidence.append((-1 if word is None else word, token.start, token.end))
            if punctuation:
                continue
            affirmed.append(norm)
            if word is not None:
                ids.append(word)
        words.append(tuple(ids))
        evidence_tokens.append(tuple(evidence))
        historical_words.append(
            frozenset(
                word_id[t.norm]
                for t, h in zip(sentence.tokens, flags.historical, strict=True)
                if h and t.norm in word_id
            )
        )
    return NoteAnalysis(
        text,
        sentences,
        tuple(excluded),
        tuple(historical),
        tuple(words),
        tuple(historical_words),
        " ".join(affirmed),
        n_words,
        tuple(evidence_tokens),
    )


@dataclass(frozen=True)
class Priors:
    """Per-code statistics from training data (arrays over the knowledge index's codes).

    Attributes:
        gold_docs: training documents with the code as gold.
        category_docs: training documents with a gold code in the same 3-character category.
        matched_docs: training documents where knowledge matching proposed the code.
        matched_gold_docs: of those, documents where the code was gold.
        phrase_matched: per phrase, documents where it was the code's best match.
        phrase_gold: of those, documents where the code was gold.
        n_docs: training documents.
    """

    gold_docs: npt.NDArray[np.float32]
    category_docs: npt.NDArray[np.float32]
    matched_docs: npt.NDArray[np.float32]
    matched_gold_docs: npt.NDArray[np.float32]
    phrase_matched: npt.NDArray[np.float32]
    phrase_gold: npt.NDArray[np.float32]
    n_docs: int


@dataclass(frozen=True)
class CandidateSet:
    """The candidates of one note: code indices (into the knowledge index) and their feature rows."""

    codes: npt.NDArray[np.int32]
    features: npt.NDArray[np.float32]
    matches: dict[int, PhraseMatch]
    sup_sentence: dict[int, int]
    dense: DenseHits


def _prior(
    hits: npt.NDArray[np.float32], total: npt.NDArray[np.float64], base: float, smoothing: float
) -> npt.NDArray[np.float64]:
    return (hits.astype(np.float64) + smoothing * base) / (total + smoothing)


class _TopWordOverlap:
    """How many of each supervised label's key words each sentence of a note holds (the words of a sentence are
    counted once each, as in set intersection)."""

    def __init__(self, note: NoteAnalysis, sup_top_words: Sequence[frozenset[int]]) -> None:
        vocab = sorted({w for words in note.sentence_words for w in words})
        self._local = {w: i for i, w in enumerate(vocab)}
        self._present = np.zeros((len(note.sentence_words), len(vocab) + 1), dtype=np.int64)  # last: not in note
        for s, words in enumerate(note.sentence_words):
            self._present[s, [self._local[w] for w in words]] = 1
        self._top = sup_top_words

    def sizes(self, labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return np.asarray([len(self._top[j]) for j in labels.tolist()], dtype=np.int64)

    def best(self, labels: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Per label: the first sentence of largest overlap and that overlap (0 and 0 for a note without
        sentences)."""
        missing = len(self._local)
        local = [[self._local.get(w, missing) for w in self._top[j]] for j in labels.tolist()]
        ptr = np.zeros(len(local) + 1, dtype=np.int64)
        np.cumsum([len(ws) for ws in local], out=ptr[1:])
        if len(self._present) == 0 or ptr[-1] == 0:
            return np.zeros(len(local), dtype=np.int64), np.zeros(len(local), dtype=np.int64)
        columns = self._present[:, [w for ws in local for w in ws]]  # [sentences, all key words]
        counts = np.add.reduceat(np.pad(columns, ((0, 0), (0, 1))), ptr[:-1], axis=1)  # [sentences, labels]
        counts[:, ptr[:-1] == ptr[1:]] = 0  # reduceat yields the next column for an empty segment
        return counts.argmax(axis=0), counts.max(axis=0)


def candidate_features(
    note: NoteAnalysis,
    kb: KnowledgeIndex,
    sup_probs: npt.NDArray[np.float32],
    sup_code_index: npt.NDArray[np.int32],
    sup_top_words: Sequence[frozenset[int]],
    priors: Priors,
    code_info: npt.NDArray[np.float32],
    category_of: npt.NDArray[np.int32],
    dense: DenseHits,
    title_index: TitleIndex,
    config: CandidateSettings,
) -> CandidateSet:
    """Candidates (knowledge matches, the classifier's top codes, dense retrieval) and their feature matrix.

    Args:
        note: the analysed note.
        kb: the knowledge index (defines code indices).
        sup_probs: classifier probabilities for the note, one per supervised label.
        sup_code_index: knowledge code index of each supervised label.
        sup_top_words: per supervised label, the knowledge word ids that most support it (for evidence).
        priors: training statistics.
        code_info: per code ``[depth, title_unspecified, is_billable]``.
        category_of: per code, the index of its 3-character category.
        dense: the note's dense retrieval (``dense.retrieve``).
        title_index: the code-title embeddings (exact similarities of the candidates).
        config: candidate counts.

    Training computes the features of each note with priors, phrases and classifier fitted on the other
    cross-validation folds, so that training features look like serving features.
    """
    matches = {m.code_index: m for m in kb.match(note.sentence_words, config.min_coverage)}
    n_sup = len(sup_probs)
    order = np.argsort(-sup_probs, kind="stable")
    sup_rank = np.empty(n_sup, dtype=np.int64)
    sup_rank[order] = np.arange(n_sup)
    label_of = np.full(len(kb.codes), -1, dtype=np.int64)  # supervised label of each code, -1 for none
    label_of[sup_code_index] = np.arange(n_sup)
    overlap = _TopWordOverlap(note, sup_top_words)
    candidates: dict[int, None] = {}
    ranked_matches = sorted(matches.values(), key=lambda m: (-m.coverage, -m.weight))
    for ranked in ranked_matches[: config.max_candidates]:
        candidates.setdefault(ranked.code_index, None)
    top_labels = order[: config.sup_top_k]
    # No evidence, no suggestion: a classifier candidate needs an affirmed sentence with one of its key words.
    for j in top_labels[overlap.best(top_labels)[1] > 0].tolist():
        candidates.setdefault(int(sup_code_index[j]), None)
    for code in dense.retrieved:
        candidates.setdefault(code, None)
    codes = np.fromiter(candidates, dtype=np.int32, count=len(candidates))
    features = np.zeros((len(codes), N_FEATURES), dtype=np.float32)
    base = float(priors.matched_gold_docs.sum() / max(priors.matched_docs.sum(), 1.0))
    smoothing = config.prior_smoothing

    # Knowledge-match columns, for the candidates a phrase matched.
    matched = [(row, matches[code]) for row, code in enumerate(codes.tolist()) if code in matches]
    match_rows = np.asarray([row for row, _ in matched], dtype=np.int64)
    coverage = np.zeros(len(codes), dtype=np.float64)
    if matched:
        found = [m for _, m in matched]
        phrases = np.asarray([m.phrase for m in found], dtype=np.int64)
        kinds = np.asarray([m.kind for m in found])
        coverage[match_rows] = [m.coverage for m in found]
        code_matched = priors.matched_docs[codes[match_rows]].astype(np.float64)
        phrase_matched = priors.phrase_matched[phrases].astype(np.float64)
        m_cols = features[match_rows]
        m_cols[:, 0] = coverage[match_rows]
        m_cols[:, 1] = [m.weight for m in found]
        m_cols[:, 2] = [m.n_words for m in found]
        m_cols[:, 3] = coverage[match_rows] >= 0.999
        m_cols[:, 4] = kinds == KIND_TITLE
        m_cols[:, 5] = kinds == KIND_INCLUSION
        m_cols[:, 6] = kinds == KIND_LEARNED
        m_cols[:, 7] = [m.n_sentences for m in found]
        m_cols[:, 8] = np.asarray([m.sentence for m in found], dtype=np.float64) / max(len(note.sentences), 1)
        m_cols[:, 9] = [_is_historical(note, m, kb) for m in found]
        m_cols[:, 10] = _prior(priors.matched_gold_docs[codes[match_rows]], code_matched, base, smoothing)
        m_cols[:, 11] = np.log1p(np.maximum(code_matched, 0.0))
        m_cols[:, 12] = _prior(priors.phrase_gold[phrases], phrase_matched, base, smoothing)
        features[match_rows] = m_cols

    # Classifier columns, for the candidates that are supervised labels.
    labels = label_of[codes]
    sup_rows = np.flatnonzero(labels >= 0)
    sup_labels = labels[sup_rows]
    sup_prob = np.zeros(len(codes), dtype=np.float32)
    sup_prob[sup_rows] = sup_probs[sup_labels]
    features[sup_rows, 13] = sup_prob[sup_rows]
    features[sup_rows, 14] = 1.0 / (1.0 + sup_rank[sup_labels])
    features[sup_rows, 15] = 1.0
    best_sentence, best_overlap = overlap.best(sup_labels)
    sizes = overlap.sizes(sup_labels)
    has_top = sizes > 0
    features[sup_rows[has_top], 16] = best_overlap[has_top] / sizes[has_top]
    sup_sentence = dict(zip(codes[sup_rows[has_top]].tolist(), best_sentence[has_top].tolist(), strict=True))

    # Category aggregates over this note's candidates.
    cats = category_of[codes].astype(np.int64)
    cat_slot, cat_count = np.unique(cats, return_inverse=True, return_counts=True)[1:]
    cat_sup = np.zeros(len(cat_count), dtype=np.float32)
    np.maximum.at(cat_sup, cat_slot, sup_prob)
    cat_cov = np.zeros(len(cat_count), dtype=np.float64)
    np.maximum.at(cat_cov, cat_slot, coverage)
    features[:, 17] = np.log1p(priors.gold_docs[codes].astype(np.float64))
    features[:, 18] = np.log1p(priors.category_docs[cats].astype(np.float64))
    features[:, 19] = cat_count[cat_slot]
    features[:, 20] = cat_sup[cat_slot]
    features[:, 21] = cat_cov[cat_slot]
    features[:, 22:25] = code_info[codes]
    features[:, 25] = math.log1p(note.n_words)
    features[:, 26] = dense.similarity(codes, title_index)
    dense_rank = np.asarray([dense.rank.get(code, math.inf) for code in codes.tolist()], dtype=np.float64)
    features[:, 27] = 1.0 / (1.0 + dense_rank)  # 0 for a code the index did not rank
    features[:, 28] = [code in dense.retrieved for code in codes.tolist()]
    return CandidateSet(codes, features, matches, sup_sentence, dense)


def _is_historical(note: NoteAnalysis, match: PhraseMatch, kb: KnowledgeIndex) -> bool:
    """True when a word of the matched phrase lies in a HISTORICAL scope of its sentence ("history of ...")."""
    hist = note.historical_words[match.sentence]
    return bool(hist) and any(w in hist for w in kb.phrase_word_ids(match.phrase).tolist())


def evidence_span(note: NoteAnalysis, sentence_index: int, word_ids: set[int]) -> tuple[int, int]:
    """Character span of the affirmed tokens of a sentence whose words are in ``word_ids`` (the whole sentence when
    none is)."""
    hits = [(start, end) for word, start, end in note.evidence_tokens[sentence_index] if word in word_ids]
    if not hits:
        sentence = note.sentences[sentence_index]
        return sentence.start, sentence.end
    return min(start for start, _ in hits), max(end for _, end in hits)
