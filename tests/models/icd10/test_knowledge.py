"""Phrase index, title cleaning and normalisation (no trained model needed)."""

from __future__ import annotations

import numpy as np

from models.icd10.knowledge import KIND_LEARNED, KIND_TITLE, KnowledgeIndex, clean_title, keep_code
from models.icd10.text import abbreviations, content_words, normalize_word, split_sentences, synonyms


def _words(kb: KnowledgeIndex, text: str) -> list[list[int]]:
    return [[kb.word_id[t.norm] for t in s.tokens if t.norm in kb.word_id] for s in split_sentences(text)]


def test_knowledge_clean_title_drops_what_notes_never_say() -> None:
    assert content_words(clean_title("Pneumonia, unspecified organism")) == ["pneumonia"]
    assert content_words(clean_title("Type 2 diabetes mellitus without complications")) == [
        "type",
        "2",
        "diabetes",
        "mellitus",
    ]
    assert content_words(clean_title("Essential (primary) hypertension")) == ["essential", "hypertension"]


def test_knowledge_match_ignores_word_order_and_folds_synonyms() -> None:
    kb = KnowledgeIndex.build([("N18.9", "Chronic kidney disease, unspecified", KIND_TITLE), ("R50.9", "Fever", 0)])
    matches = {kb.codes[m.code_index]: m for m in kb.match(_words(kb, "Disease of the kidneys, chronic."), 0.99)}
    assert set(matches) == {"N18.9"}
    renal = kb.match(_words(kb, "Chronic renal disease."), 0.99)
    assert [kb.codes[m.code_index] for m in renal] == ["N18.9"]


def test_knowledge_abbreviation_expands_to_title_words() -> None:
    kb = KnowledgeIndex.build(
        [
            ("I50.9", "Heart failure, unspecified", KIND_TITLE),
            ("J44.9", "Chronic obstructive pulmonary disease, unspecified", KIND_TITLE),
        ]
    )
    codes = {kb.codes[m.code_index] for m in kb.match(_words(kb, "Known COPD and CHF."), 0.99)}
    assert codes == {"I50.9", "J44.9"}


def test_knowledge_learned_phrase_needs_every_word() -> None:
    kb = KnowledgeIndex.build([("F10.10", "alcohol habit", KIND_LEARNED)])
    assert kb.match(_words(kb, "Alcohol was not tested."), 0.5) == []
    assert len(kb.match(_words(kb, "Alcohol habit since youth."), 0.5)) == 1


def test_knowledge_index_round_trips(tmp_path) -> None:  # type: ignore[no-untyped-def]
    kb = KnowledgeIndex.build([("R50.9", "Fever, unspecified", KIND_TITLE), ("R05.9", "Cough, unspecified", 0)])
    kb.save(tmp_path)
    again = KnowledgeIndex.load(tmp_path)
    assert again.codes == kb.codes and again.vocab == kb.vocab
    assert np.array_equal(again.phrase_words, kb.phrase_words)


def test_knowledge_keep_code_skips_later_encounters() -> None:
    assert keep_code("S72.001A", "Fracture of unspecified part of neck of right femur, initial encounter")
    assert not keep_code("S72.001D", "Fracture of ..., subsequent encounter for closed fracture with routine healing")


def test_text_tables_load_and_fold() -> None:
    assert normalize_word("kidneys") == "kidney" and normalize_word("renal") == "kidney"
    assert abbreviations()["chf"] == ("congestive", "heart", "failure")
    assert all(k and v for k, v in synonyms().items())


def test_knowledge_match_equals_dense_coverage_of_each_sentence() -> None:
    """The one-pass sparse match reports, per code, the best phrase that the dense per-sentence coverage gives."""
    kb = KnowledgeIndex.build(
        [
            ("N18.9", "Chronic kidney disease, unspecified", KIND_TITLE),
            ("N18.31", "Chronic kidney disease, stage 3a", KIND_TITLE),
            ("I50.9", "Heart failure, unspecified", KIND_TITLE),
            ("I50.22", "Chronic systolic (congestive) heart failure", KIND_TITLE),
            ("E11.22", "Type 2 diabetes mellitus with diabetic chronic kidney disease", KIND_TITLE),
            ("F10.10", "alcohol habit", KIND_LEARNED),
        ]
    )
    text = "Chronic kidney disease stage 3a. Heart failure, chronic. No alcohol habit. T2DM with CKD. Kidney failure."
    sentences = _words(kb, text)
    found = {kb.codes[m.code_index]: m for m in kb.match(sentences, 0.5)}
    for code, match in found.items():
        coverage = kb.coverage(sentences[match.sentence])
        phrases = [p for p in range(kb.n_phrases) if kb.codes[int(kb.phrase_code[p])] == code]
        assert match.coverage == float(coverage[match.phrase]) == max(float(coverage[p]) for p in phrases)
        reached = [s for s, words in enumerate(sentences) if any(kb.coverage(words)[p] >= 0.5 - 1e-6 for p in phrases)]
        assert match.n_sentences == len(reached)
    assert {"N18.31", "I50.22", "E11.22"} <= set(found)


def test_knowledge_match_keeps_the_first_of_equal_phrases_and_orders_codes_by_first_sentence() -> None:
    kb = KnowledgeIndex.build(
        [("I50.9", "Heart failure", KIND_TITLE), ("N18.9", "Kidney disease", KIND_TITLE)], extra_vocab=["lonely"]
    )
    sentences = _words(kb, "Kidney disease. Heart failure. Heart failure again, kidney disease.")
    found = kb.match(sentences, 0.5)
    assert [(kb.codes[m.code_index], m.sentence, m.n_sentences) for m in found] == [("N18.9", 0, 2), ("I50.9", 1, 2)]
    assert kb.match([[kb.word_id["lonely"]], []], 0.5) == []  # a word outside every phrase matches nothing
    assert kb.match([], 0.5) == []
