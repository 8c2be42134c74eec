"""Dense retrieval: what is encoded, which sentences, which titles come back, and the exported encoder itself."""

from __future__ import annotations

import numpy as np
import pytest

from configs.icd10 import DenseSettings
from models.icd10.assertion import ContextAnnotator
from models.icd10.dense import DenseQueries, encode_note, retrieve, select_sentences, sentence_query
from models.icd10.text import split_sentences


def _query(text: str) -> str:
    sentence = split_sentences(text)[0]
    return sentence_query(sentence, ContextAnnotator().annotate(sentence).excluded)


def test_sentence_query_keeps_affirmed_content_words_only() -> None:
    query = _query("She was admitted with pneumonia but denies chest pain.").split()
    assert "pneumonia" in query
    assert not {"she", "with", "denies", "chest", "pain"} & set(query)
    assert _query("Mother has type 2 diabetes.") == ""


def test_sentence_query_writes_an_abbreviation_once() -> None:
    # CHF expands to three knowledge tokens sharing one span; the encoder should read the abbreviation once.
    assert _query("Known CHF.") == "known chf"


def test_select_sentences_prefers_vocabulary_rich_sentences_in_note_order() -> None:
    words = ((1,), (1, 2, 3), (), (4, 5), (6, 7, 8, 9))
    settings = DenseSettings(max_sentences=2, min_words=2)
    assert select_sentences(words, settings) == [1, 4]
    assert select_sentences(words, DenseSettings(max_sentences=10, min_words=2)) == [1, 3, 4]


def test_retrieve_takes_top_titles_per_sentence_above_the_floor() -> None:
    titles = np.eye(4, dtype=np.float32)
    queries = DenseQueries((3, 7), np.asarray([[0.9, 0.4, 0.1, 0.0], [0.0, 0.2, 0.3, 0.5]], np.float32))
    hits = retrieve(queries, titles, DenseSettings(top_k=2, min_similarity=0.35, rank_depth=2))
    assert hits.retrieved == (0, 1, 3)  # code 2 is second for sentence 7 but below the floor
    assert hits.similarity.tolist() == pytest.approx([0.9, 0.4, 0.3, 0.5])
    assert hits.sentence.tolist() == [3, 3, 7, 7]
    assert hits.rank == {0: 0, 3: 1}


def test_encode_note_skips_notes_without_affirmed_content() -> None:
    sentences = tuple(split_sentences("Denies fever."))
    annotator = ContextAnnotator()
    excluded = tuple(annotator.annotate(s).excluded for s in sentences)

    def fail(texts: list[str]) -> np.ndarray:
        raise AssertionError(f"nothing should be encoded, got {texts}")

    queries = encode_note(sentences, excluded, ((1, 2),), fail, DenseSettings(min_words=1))
    assert queries.sentences == ()


def test_exported_encoder_puts_paraphrases_near_their_title() -> None:
    from training.icd10.encoder import TITLE_MAX_TOKENS, export_encoder
    from training.icd10.run import dense_cache_dir

    encoder = export_encoder(dense_cache_dir()).encoder(TITLE_MAX_TOKENS)
    titles = encoder(["Acute myocardial infarction", "Fracture of femur", "Urinary tract infection"])
    notes = encoder(["heart attack with st elevation", "broken thigh bone after a fall", "bladder infection"])
    assert np.allclose(np.linalg.norm(titles, axis=1), 1.0, atol=1e-3)
    assert (notes @ titles.T).argmax(axis=1).tolist() == [0, 1, 2]
