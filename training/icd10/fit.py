"""Fit the ICD-10-CM suggester: knowledge index, learned phrases, priors, classifier, ranker, calibration, thresholds.

Stacking without leakage: the ranker's training rows for the notes of fold k are computed with phrases, priors and a
classifier fitted on the other folds. The ranker is then cross-validated on those rows (grouped by note) to get
out-of-fold scores, on which the isotonic calibrator and both thresholds are fitted. Nothing here reads dev or test.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GroupKFold, KFold

from configs.icd10 import Icd10Config
from datasets.codesets import Icd10cm
from datasets.schema import Encounter
from evaluation.metrics import ranking_metrics
from models.icd10.assertion import ContextAnnotator
from models.icd10.calibration import IsotonicCalibrator
from models.icd10.core import Icd10Tables
from models.icd10.dense import DenseQueries, PieceEncoder, encode_note, retrieve, sentence_query
from models.icd10.features import NoteAnalysis, Priors, analyze_note, candidate_features
from models.icd10.knowledge import KnowledgeIndex
from training.icd10.encoder import EncoderFiles, export_encoder, fit_query_pieces, title_embeddings, title_index
from training.icd10.supervised import SupervisedModel, fit_supervised, fit_vectorizer
from training.icd10.tables import (
    category_index,
    code_info,
    compute_priors,
    knowledge_entries,
    mine_phrases,
    note_vocabulary,
)

log = logging.getLogger(__name__)


@dataclass
class FittedIcd10:
    """Everything a suggester needs, in reference (scikit-learn) form, plus cross-validation results."""

    tables: Icd10Tables
    supervised: SupervisedModel
    encoder: EncoderFiles
    query_pieces: npt.NDArray[np.float32]  # the serving sentence encoder's word-piece table
    ranker: HistGradientBoostingClassifier
    calibrator: IsotonicCalibrator
    decision_threshold: float
    auto_threshold: float
    cv_metrics: dict[str, float]
    timings: dict[str, float] = field(default_factory=dict)


class PhaseClock:
    """Wall and CPU seconds of consecutive training phases. CPU time (all threads of this process) is logged beside
    wall time because the training machine is shared: wall time mostly measures the other jobs' load."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._wall0 = self._wall = time.perf_counter()
        self._cpu0 = self._cpu = time.process_time()

    def lap(self, phase: str) -> None:
        """Record the time since the previous lap (or the start) as ``phase``."""
        wall, cpu = time.perf_counter(), time.process_time()
        self.timings[f"{phase}_s"] = wall - self._wall
        self.timings[f"{phase}_cpu_s"] = cpu - self._cpu
        self._wall, self._cpu = wall, cpu

    def total(self) -> dict[str, float]:
        """All laps plus the totals since the clock started."""
        return {
            **self.timings,
            "total_s": time.perf_counter() - self._wall0,
            "total_cpu_s": time.process_time() - self._cpu0,
        }


def _gold_indices(encounters: Sequence[Encounter], code_index: dict[str, int]) -> list[set[int]]:
    return [{code_index[c] for c in (e.gold.icd10cm if e.gold else []) if c in code_index} for e in encounters]


def _fit_tables(
    base_entries: list[tuple[str, str, int]],
    vocab: list[str],
    notes: Sequence[NoteAnalysis],
    golds: Sequence[set[int]],
    config: Icd10Config,
) -> tuple[KnowledgeIndex, Priors]:
    base = KnowledgeIndex.build(base_entries, extra_vocab=vocab)
    lp = config.learned_phrases
    learned = mine_phrases(
        base, notes, golds, min_support=lp.min_support, min_precision=lp.min_precision, max_per_code=lp.max_per_code
    )
    kb = KnowledgeIndex.build([*base_entries, *learned], extra_vocab=vocab)
    if kb.codes != base.codes or kb.vocab != base.vocab:
        raise RuntimeError("Learned phrases changed the code list or vocabulary; they must only add phrases.")
    return kb, compute_priors(kb, notes, golds, config.candidates.min_coverage)


def sentence_texts(notes: Sequence[NoteAnalysis], min_words: int) -> list[str]:
    """Distinct sentence queries of ``notes`` with at least ``min_words`` words: the piece encoder's fit data."""
    texts = (sentence_query(s, excluded) for n in notes for s, excluded in zip(n.sentences, n.excluded, strict=True))
    return list(dict.fromkeys(t for t in texts if len(t.split()) >= min_words))


def _rows(
    notes: Sequence[NoteAnalysis],
    queries: Sequence[DenseQueries],
    tables: Icd10Tables,
    sup_probs: npt.NDArray[np.float32],
    config: Icd10Config,
) -> tuple[list[npt.NDArray[np.float32]], list[npt.NDArray[np.int32]]]:
    features, codes = [], []
    for i, note in enumerate(notes):
        hits = retrieve(queries[i], tables.title_index, config.dense)
        cands = candidate_features(
            note, tables.kb, sup_probs[i], tables.sup_code_index, tables.sup_top_words, tables.priors,
            tables.code_info, tables.category_of, hits, tables.title_index, config.candidates,
        )  # fmt: skip
        features.append(cands.features)
        codes.append(cands.codes)
    return features, codes


def make_ranker(config: Icd10Config) -> HistGradientBoostingClassifier:
    r = config.ranker
    return HistGradientBoostingClassifier(
        max_iter=r.max_iter,
        learning_rate=r.learning_rate,
        max_leaf_nodes=r.max_leaf_nodes,
        min_samples_leaf=r.min_samples_leaf,
        l2_regularization=r.l2_regularization,
        random_state=config.cross_validation.seed,
    )


def fit_icd10(
    train: Sequence[Encounter],
    icd: Icd10cm,
    config: Icd10Config,
    *,
    background_texts: Sequence[str] = (),
    dense_cache: Path,
    progress: Callable[[str], None] = log.info,
) -> FittedIcd10:
    """Fit every part of the suggester on labelled encounters (``gold.icd10cm``).

    Args:
        train: labelled training encounters (CodiEsp train, synthetic encounters, coder feedback, ...).
        icd: the ICD-10-CM code set (titles, inclusion terms).
        config: hyper-parameters and routing targets.
        background_texts: unlabelled notes, used only for the TF-IDF vocabulary and IDF.
        dense_cache: folder for the exported sentence encoder and the title embeddings (reused across runs).
        progress: receives one line per stage (no note text).
    """
    clock = PhaseClock()
    train_codes = {c for e in train for c in (e.gold.icd10cm if e.gold else [])}
    entries, titles = knowledge_entries(icd, train_codes)
    billable = {c.code for c in icd.billable_codes()}
    vocab0 = KnowledgeIndex.build(entries).vocab
    vocab = list(dict.fromkeys([*vocab0, *note_vocabulary([e.text for e in train])]))
    kb_base = KnowledgeIndex.build(entries, extra_vocab=vocab)
    annotator = ContextAnnotator()
    notes = [analyze_note(e.text, kb_base, annotator) for e in train]
    background = [analyze_note(t, kb_base, annotator) for t in background_texts]
    background_notes = [n.affirmed_text for n in background]
    code_index = {c: i for i, c in enumerate(kb_base.codes)}
    golds = _gold_indices(train, code_index)
    title_list = [titles[c] for c in kb_base.codes]
    info = code_info(kb_base.codes, title_list, billable)
    categories = category_index(kb_base.codes)
    vectorizer: TfidfVectorizer = fit_vectorizer([n.affirmed_text for n in notes] + background_notes, config.supervised)
    clock.lap("prepare")
    encoder_files = export_encoder(dense_cache, progress)
    title_vectors = title_embeddings(encoder_files, title_list, dense_cache, progress=progress)
    titles_indexed = title_index(
        title_vectors, config.dense.clusters, dense_cache, seed=config.cross_validation.seed, progress=progress
    )
    # The piece table is fitted to the fixed MiniLM on text alone (no labels), like the TF-IDF vocabulary, so each
    # note's sentences are encoded once and shared by all folds.
    dense = config.dense
    query_pieces = fit_query_pieces(
        encoder_files,
        sentence_texts([*notes, *background[: dense.query_background_notes]], dense.min_words),
        dense.max_tokens,
        title_list,
        title_vectors,
        dense.query_ridge,
        dense_cache,
        progress,
    )
    encode = PieceEncoder(query_pieces, encoder_files.tokenizer, dense.max_tokens)
    queries = [encode_note(n.sentences, n.excluded, n.sentence_words, encode, config.dense) for n in notes]
    clock.lap("dense")
    progress(f"prepared {len(train)} notes, {kb_base.n_phrases} knowledge phrases, {len(kb_base.codes)} codes")

    # 1. Out-of-fold candidate rows for the ranker.
    cv = config.cross_validation
    folds = KFold(cv.folds, shuffle=True, random_state=cv.seed)
    row_features: list[npt.NDArray[np.float32]] = [np.zeros((0, 0), np.float32)] * len(train)
    row_codes: list[npt.NDArray[np.int32]] = [np.zeros(0, np.int32)] * len(train)
    fold_of_note = np.zeros(len(train), np.int64)
    for k, (fit_idx, held_idx) in enumerate(folds.split(np.arange(len(train)))):
        fold_of_note[held_idx] = k
        fit_notes = [notes[i] for i in fit_idx]
        fit_golds = [golds[i] for i in fit_idx]
        kb_k, priors_k = _fit_tables(entries, vocab, fit_notes, fit_golds, config)
        sup_k = fit_supervised(vectorizer, [n.affirmed_text for n in fit_notes], fit_golds, config.supervised)
        tables_k = Icd10Tables(
            kb_k,
            title_list,
            np.asarray(sup_k.labels, np.int32),
            sup_k.top_words(kb_k),
            priors_k,
            info,
            categories,
            titles_indexed,
        )
        held_notes = [notes[i] for i in held_idx]
        probs = sup_k.predict_proba([n.affirmed_text for n in held_notes])
        feats, codes = _rows(held_notes, [queries[i] for i in held_idx], tables_k, probs, config)
        for i, f, c in zip(held_idx.tolist(), feats, codes, strict=True):
            row_features[i], row_codes[i] = f, c
        progress(f"fold {k + 1}/{cv.folds}: {len(sup_k.labels)} classifier labels, {kb_k.n_phrases} phrases")
    clock.lap("cross_fit")

    X = np.vstack(row_features)
    y = np.concatenate([np.isin(c, list(g)) for c, g in zip(row_codes, golds, strict=True)]).astype(np.int8)
    groups = np.concatenate([np.full(len(c), i) for i, c in enumerate(row_codes)])

    # 2. Out-of-fold ranker scores -> calibration and thresholds.
    oof = np.zeros(len(y), np.float32)
    for fit_rows, held_rows in GroupKFold(cv.folds).split(X, y, groups):
        ranker_k = make_ranker(config).fit(X[fit_rows], y[fit_rows])
        oof[held_rows] = ranker_k.predict_proba(X[held_rows])[:, 1]
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(oof, y)
    calibrator = IsotonicCalibrator(
        tuple(float(v) for v in iso.X_thresholds_), tuple(float(v) for v in iso.y_thresholds_)
    )
    calibrated = calibrator.predict(oof)
    n_gold = sum(len(g) for g in golds)
    decision = _f1_threshold(calibrated, y, n_gold)
    auto = auto_threshold(
        calibrated, y, fold_of_note[groups], config.routing.auto_target_precision, config.routing.auto_min_support
    )
    ranked = _ranked_lists(row_codes, oof, calibrated, groups, kb_base.codes, config.routing.max_suggestions)
    gold_lists = [[kb_base.codes[c] for c in g] for g in golds]
    cv_metrics = ranking_metrics(ranked, gold_lists, decision, auto)
    # Share of gold codes that became candidates at all: the ceiling on recall (and a cap on MAP).
    cv_metrics["candidate_recall"] = float(y.sum()) / max(n_gold, 1)
    clock.lap("ranker_cv")
    progress(
        f"cross-validated: MAP {cv_metrics['map']:.3f}, micro-F1 {cv_metrics['micro_f1']:.3f}, "
        f"ECE {cv_metrics['ece']:.3f}, candidate recall {cv_metrics['candidate_recall']:.3f}, "
        f"thresholds decision {decision:.3f} auto {auto:.3f}"
    )

    # 3. Final parts on all training notes.
    kb, priors = _fit_tables(entries, vocab, notes, golds, config)
    supervised = fit_supervised(vectorizer, [n.affirmed_text for n in notes], golds, config.supervised)
    ranker = make_ranker(config).fit(X, y)
    tables = Icd10Tables(
        kb,
        title_list,
        np.asarray(supervised.labels, np.int32),
        supervised.top_words(kb),
        priors,
        info,
        categories,
        titles_indexed,
    )
    clock.lap("final_fit")
    timings = clock.total()
    progress("phase times: " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    return FittedIcd10(
        tables, supervised, encoder_files, query_pieces, ranker, calibrator, decision, auto, cv_metrics, timings
    )


def _ranked_lists(
    row_codes: Sequence[npt.NDArray[np.int32]],
    scores: npt.NDArray[np.float32],
    probs: npt.NDArray[np.float32],
    groups: npt.NDArray[np.int64],
    codes: Sequence[str],
    limit: int,
) -> list[list[tuple[str, float]]]:
    out: list[list[tuple[str, float]]] = []
    start = 0
    for doc_codes in row_codes:
        n = len(doc_codes)
        s, p = scores[start : start + n], probs[start : start + n]
        order = np.lexsort((doc_codes, -s))[:limit]
        out.append([(codes[int(doc_codes[j])], float(p[j])) for j in order.tolist()])
        start += n
    del groups
    return out


def _f1_threshold(probs: npt.NDArray[np.float32], y: npt.NDArray[np.int8], n_gold: int) -> float:
    """Probability threshold maximising micro-F1 (gold codes never proposed count as misses)."""
    order = np.argsort(-probs, kind="stable")
    tp = np.cumsum(y[order])
    predicted = np.arange(1, len(order) + 1)
    f1 = 2 * tp / (predicted + n_gold)
    best = int(np.argmax(f1))
    return float(probs[order][best])


def auto_threshold(
    probs: npt.NDArray[np.float32],
    y: npt.NDArray[np.int8],
    folds: npt.NDArray[np.int64],
    target: float,
    min_support: int,
) -> float:
    """Lowest probability whose suggestions at or above it reach ``target`` precision in every cross-validation
    fold (1.0 when none does).

    The worst fold, not the pooled precision, must reach the target: pooled out-of-fold precision overstated what
    held-out notes from another sample see, and the fold-to-fold spread is the margin a new sample needs.
    """
    order = np.argsort(-probs, kind="stable")
    sorted_probs = probs[order]
    predicted = np.arange(1, len(order) + 1)
    fold_ids = np.unique(folds)
    in_fold = folds[order][None, :] == fold_ids[:, None]  # [folds, suggestions]
    fold_predicted = np.cumsum(in_fold, axis=1)
    fold_tp = np.cumsum(in_fold & (y[order][None, :] == 1), axis=1)
    worst = np.min(np.where(fold_predicted > 0, fold_tp / np.maximum(fold_predicted, 1), 1.0), axis=0)
    # Only cut between distinct probabilities, and only where enough suggestions support the estimate.
    last_of_value = np.r_[sorted_probs[1:] != sorted_probs[:-1], True]
    ok = np.flatnonzero((worst >= target) & last_of_value & (predicted >= min_support))
    if ok.size == 0:
        return 1.0
    return float(sorted_probs[ok.max()])
