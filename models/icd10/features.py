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


def analyze_note(text: str, kb: KnowledgeIndex, annotator: ContextAnnotator) -> NoteAnalysis:
    """Split, assert and index a note once; ``affirmed_text`` (normalised affirmed words) feeds the classifier."""
    sentences = tuple(split_sentences(text))
    excluded: list[tuple[bool, ...]] = []
    historical: list[tuple[bool, ...]] = []
    words: list[tuple[int, ...]] = []
    historical_words: list[frozenset[int]] = []
    affirmed: list[str] = []
    n_words = 0
    for sentence in sentences:
        flags = annotator.annotate(sentence)
        excluded.append(flags.excluded)
        historical.append(flags.historical)
        ids: list[int] = []
        for token, is_excluded in zip(sentence.tokens, flags.excluded, strict=True):
            if token.norm in PUNCT:
                continue
            n_words += 1
            if is_excluded or token.norm in STOPWORDS:
                continue
            affirmed.append(token.norm)
            word = kb.word_id.get(token.norm)
            if word is not None:
                ids.append(word)
        words.append(tuple(ids))
        historical_words.append(
            frozenset(
                kb.word_id[t.norm]
                for t, h in zip(sentence.tokens, flags.historical, strict=True)
                if h and t.norm in kb.word_id
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


def _prior(hits: float, total: float, base: float, smoothing: float) -> float:
    return (hits + smoothing * base) / (total + smoothing)


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
    sup_of_code: dict[int, int] = {int(c): j for j, c in enumerate(sup_code_index.tolist())}
    candidates: dict[int, None] = {}
    ranked_matches = sorted(matches.values(), key=lambda m: (-m.coverage, -m.weight))
    for ranked in ranked_matches[: config.max_candidates]:
        candidates.setdefault(ranked.code_index, None)
    sentence_words_sets = [set(ws) for ws in note.sentence_words]
    for j in order[: config.sup_top_k].tolist():
        # No evidence, no suggestion: a classifier candidate needs an affirmed sentence with one of its key words.
        if any(sup_top_words[j] & ws for ws in sentence_words_sets):
            candidates.setdefault(int(sup_code_index[j]), None)
    for code in dense.retrieved:
        candidates.setdefault(code, None)
    codes = np.fromiter(candidates, dtype=np.int32, count=len(candidates))
    dense_similarity = dense.similarity(codes, title_index)
    features = np.zeros((len(codes), N_FEATURES), dtype=np.float32)
    base = float(priors.matched_gold_docs.sum() / max(priors.matched_docs.sum(), 1.0))

    # Category aggregates over this note's candidates.
    cat_count: dict[int, int] = {}
    cat_sup: dict[int, float] = {}
    cat_cov: dict[int, float] = {}
    for code in codes.tolist():
        cat = int(category_of[code])
        cat_count[cat] = cat_count.get(cat, 0) + 1
        j = sup_of_code.get(code)
        if j is not None:
            cat_sup[cat] = max(cat_sup.get(cat, 0.0), float(sup_probs[j]))
        found = matches.get(code)
        if found is not None:
            cat_cov[cat] = max(cat_cov.get(cat, 0.0), found.coverage)

    sup_sentence: dict[int, int] = {}
    n_sentences = max(len(note.sentences), 1)
    for row, code in enumerate(codes.tolist()):
        f = features[row]
        m = matches.get(code)
        if m is not None:
            f[0] = m.coverage
            f[1] = m.weight
            f[2] = m.n_words
            f[3] = float(m.coverage >= 0.999)
            f[4] = float(m.kind == KIND_TITLE)
            f[5] = float(m.kind == KIND_INCLUSION)
            f[6] = float(m.kind == KIND_LEARNED)
            f[7] = m.n_sentences
            f[8] = m.sentence / n_sentences
            f[9] = float(_is_historical(note, m, kb))
            matched = float(priors.matched_docs[code])
            matched_gold = float(priors.matched_gold_docs[code])
            phrase_matched = float(priors.phrase_matched[m.phrase])
            phrase_gold = float(priors.phrase_gold[m.phrase])
            f[10] = _prior(matched_gold, matched, base, config.prior_smoothing)
            f[11] = math.log1p(max(matched, 0.0))
            f[12] = _prior(phrase_gold, phrase_matched, base, config.prior_smoothing)
        j = sup_of_code.get(code)
        if j is not None:
            f[13] = float(sup_probs[j])
            f[14] = 1.0 / (1.0 + float(sup_rank[j]))
            f[15] = 1.0
            top = sup_top_words[j]
            if top:
                overlaps = [len(top & ws) for ws in sentence_words_sets]
                best = overlaps.index(max(overlaps)) if overlaps else 0  # the first best sentence
                f[16] = (overlaps[best] / len(top)) if overlaps else 0.0
                sup_sentence[code] = best
        f[17] = math.log1p(float(priors.gold_docs[code]))
        cat = int(category_of[code])
        f[18] = math.log1p(float(priors.category_docs[cat]))
        f[19] = cat_count.get(cat, 0)
        f[20] = cat_sup.get(cat, 0.0)
        f[21] = cat_cov.get(cat, 0.0)
        f[22:25] = code_info[code]
        f[25] = math.log1p(note.n_words)
        f[26] = dense_similarity[row]
        rank = dense.rank.get(code)
        f[27] = 0.0 if rank is None else 1.0 / (1.0 + rank)
        f[28] = float(code in dense.retrieved)
    return CandidateSet(codes, features, matches, sup_sentence, dense)


def _is_historical(note: NoteAnalysis, match: PhraseMatch, kb: KnowledgeIndex) -> bool:
    """True when a word of the matched phrase lies in a HISTORICAL scope of its sentence ("history of ...")."""
    hist = note.historical_words[match.sentence]
    return bool(hist) and any(w in hist for w in kb.phrase_word_ids(match.phrase).tolist())


def evidence_span(note: NoteAnalysis, sentence_index: int, word_ids: set[int], kb: KnowledgeIndex) -> tuple[int, int]:
    """Character span of the affirmed tokens of a sentence whose words are in ``word_ids`` (the whole sentence when
    none is)."""
    sentence = note.sentences[sentence_index]
    excluded = note.excluded[sentence_index]
    hits = [
        t
        for t, ex in zip(sentence.tokens, excluded, strict=True)
        if not ex and t.norm not in STOPWORDS and kb.word_id.get(t.norm, -1) in word_ids
    ]
    if not hits:
        return sentence.start, sentence.end
    return min(t.start for t in hits), max(t.end for t in hits)
