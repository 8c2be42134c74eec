"""Candidate features against their definitions, written out one candidate at a time (the served code computes
them column by column with numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.icd10.core import Icd10Core
from models.icd10.dense import encode_note, retrieve
from models.icd10.features import FEATURE_NAMES, CandidateSet, NoteAnalysis, candidate_features
from models.icd10.knowledge import KIND_INCLUSION, KIND_LEARNED, KIND_TITLE
from tests.models.icd10.conftest import TinyModel, make_notes

NOTES = [
    *(n.text for n in make_notes(8, seed=5)),
    "The patient has pneumonia and essential hypertension. History of asthma. She denies cough.",
    "Vital signs were stable.",
    "",
]


def _candidates(core: Icd10Core, text: str) -> tuple[NoteAnalysis, np.ndarray, CandidateSet]:
    t = core.tables
    note = core.analyze(text)
    sup_probs = core.supervised([note.affirmed_text])[0]
    hits = retrieve(encode_note(note.sentences, note.excluded, note.sentence_words, core.encode, core.dense),
                    t.title_index, core.dense)  # fmt: skip
    cands = candidate_features(
        note, t.kb, sup_probs, t.sup_code_index, t.sup_top_words, t.priors, t.code_info, t.category_of, hits,
        t.title_index, core.candidates,
    )  # fmt: skip
    return note, sup_probs, cands


def _expected_row(core: Icd10Core, note: NoteAnalysis, sup_probs: np.ndarray, cands: CandidateSet, code: int) -> dict:
    t, p, smoothing = core.tables, core.tables.priors, core.candidates.prior_smoothing
    base = float(p.matched_gold_docs.sum() / max(p.matched_docs.sum(), 1.0))
    row: dict[str, float] = {}
    m = cands.matches.get(code)
    if m is not None:
        phrase_words = set(t.kb.phrase_word_ids(m.phrase).tolist())
        matched, phrase_matched = float(p.matched_docs[code]), float(p.phrase_matched[m.phrase])
        row |= {
            "kb_coverage": m.coverage,
            "kb_weight": m.weight,
            "kb_n_words": m.n_words,
            "kb_full_match": float(m.coverage >= 0.999),
            "kb_kind_title": float(m.kind == KIND_TITLE),
            "kb_kind_inclusion": float(m.kind == KIND_INCLUSION),
            "kb_kind_learned": float(m.kind == KIND_LEARNED),
            "kb_n_sentences": m.n_sentences,
            "kb_first_position": m.sentence / max(len(note.sentences), 1),
            "kb_historical": float(bool(phrase_words & note.historical_words[m.sentence])),
            "kb_code_precision": (float(p.matched_gold_docs[code]) + smoothing * base) / (matched + smoothing),
            "kb_code_matches": math.log1p(matched),
            "kb_phrase_precision": (float(p.phrase_gold[m.phrase]) + smoothing * base) / (phrase_matched + smoothing),
        }
    labels = np.flatnonzero(t.sup_code_index == code)
    if len(labels):
        j = int(labels[0])
        top = t.sup_top_words[j]
        overlaps = [len(top & set(words)) for words in note.sentence_words]
        row |= {
            "sup_prob": float(sup_probs[j]),
            "sup_rank_inv": 1.0
            / (1 + int(np.sum(sup_probs > sup_probs[j])) + int(np.sum(sup_probs[:j] == sup_probs[j]))),
            "sup_known": 1.0,
            "sup_max_sentence_overlap": max(overlaps, default=0) / len(top) if top else 0.0,
        }
        if top:
            assert cands.sup_sentence[code] == (overlaps.index(max(overlaps)) if overlaps else 0)
    category = t.category_of[code]
    same_category = [c for c in cands.codes.tolist() if t.category_of[c] == category]
    sup_of = {int(c): j for j, c in enumerate(t.sup_code_index.tolist())}
    rank = cands.dense.rank.get(code)
    row |= {
        "train_log_freq": math.log1p(float(p.gold_docs[code])),
        "train_category_log_freq": math.log1p(float(p.category_docs[category])),
        "category_candidates": len(same_category),
        "category_best_sup": max((float(sup_probs[sup_of[c]]) for c in same_category if c in sup_of), default=0.0),
        "category_best_coverage": max(
            (cands.matches[c].coverage for c in same_category if c in cands.matches), default=0.0
        ),
        "code_depth": t.code_info[code][0],
        "title_unspecified": t.code_info[code][1],
        "is_billable": t.code_info[code][2],
        "note_log_words": math.log1p(note.n_words),
        "dense_rank_inv": 0.0 if rank is None else 1.0 / (1.0 + rank),
        "dense_retrieved": float(code in cands.dense.retrieved),
    }
    return row


@pytest.mark.parametrize("text", NOTES, ids=[f"note{i}" for i in range(len(NOTES))])
def test_candidate_features_follow_their_definitions(tiny_model: TinyModel, text: str) -> None:
    core = tiny_model.reference
    note, sup_probs, cands = _candidates(core, text)
    assert cands.features.shape == (len(cands.codes), len(FEATURE_NAMES))
    assert len(set(cands.codes.tolist())) == len(cands.codes)
    for row, code in enumerate(cands.codes.tolist()):
        expected = _expected_row(core, note, sup_probs, cands, code)
        got = dict(zip(FEATURE_NAMES, cands.features[row].tolist(), strict=True))
        for name, value in got.items():
            if name != "dense_similarity":  # an embedding product, checked in test_dense
                assert value == np.float32(expected.get(name, 0.0)), (code, name)


def test_candidates_include_every_match_and_only_evidenced_classifier_codes(tiny_model: TinyModel) -> None:
    core = tiny_model.reference
    for text in NOTES:
        note, _, cands = _candidates(core, text)
        codes = set(cands.codes.tolist())
        assert set(cands.matches) <= codes or len(cands.matches) > core.candidates.max_candidates
        assert set(cands.dense.retrieved) <= codes
        affirmed = {w for words in note.sentence_words for w in words}
        for j, code in enumerate(core.tables.sup_code_index.tolist()):
            if code in codes and code not in cands.matches and code not in cands.dense.retrieved:
                assert core.tables.sup_top_words[j] & affirmed
