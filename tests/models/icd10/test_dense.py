"""Dense retrieval: what is encoded, which sentences, which titles come back, and the exported encoder itself."""

from __future__ import annotations

import numpy as np
import pytest

from configs.icd10 import DenseSettings
from models.icd10.assertion import ContextAnnotator
from models.icd10.dense import (
    DenseQueries,
    PieceEncoder,
    TitleIndex,
    encode_note,
    retrieve,
    select_sentences,
    sentence_query,
)
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


def _one_title_per_cluster(n: int) -> TitleIndex:
    titles = np.eye(n, dtype=np.float32)
    return TitleIndex.from_clusters(titles, titles.copy(), np.arange(n, dtype=np.int32))


def test_retrieve_takes_top_titles_per_sentence_above_the_floor() -> None:
    queries = DenseQueries((3, 7), np.asarray([[0.9, 0.4, 0.1, 0.0], [0.0, 0.2, 0.3, 0.5]], np.float32))
    index = _one_title_per_cluster(4)
    hits = retrieve(queries, index, DenseSettings(top_k=2, min_similarity=0.35, rank_depth=2, probe=4))
    assert list(hits.retrieved) == [0, 3, 1]  # best first; code 2 is second for sentence 7 but below the floor
    assert hits.retrieved == {0: 3, 3: 7, 1: 3}
    assert hits.rank == {0: 0, 3: 1}
    codes = np.asarray([0, 1, 2, 3], np.int32)
    assert hits.similarity(codes, index).tolist() == pytest.approx([0.9, 0.4, 0.3, 0.5])


def test_retrieve_searches_only_the_probed_clusters() -> None:
    # Titles 0 and 1 form cluster 0, titles 2 and 3 cluster 1; the query is nearest to cluster 0's centroid.
    titles = np.asarray([[1, 0, 0], [0.8, 0.6, 0], [0, 0.6, 0.8], [0, 0.5, 0.866]], np.float32)
    centroids = np.asarray([[0.95, 0.3, 0], [0, 0.55, 0.83]], np.float32)
    index = TitleIndex.from_clusters(titles, centroids, np.asarray([0, 0, 1, 1], np.int32))
    assert index.cluster_of.tolist() == [0, 0, 1, 1]
    queries = DenseQueries((0,), np.asarray([[0.6, 0.8, 0.0]], np.float32))
    one = retrieve(queries, index, DenseSettings(top_k=4, min_similarity=0.0, rank_depth=4, probe=1))
    assert set(one.retrieved) == {0, 1}
    both = retrieve(queries, index, DenseSettings(top_k=4, min_similarity=0.0, rank_depth=4, probe=2))
    assert set(both.retrieved) == {0, 1, 2, 3}
    # Candidate similarities are exact whatever was probed.
    assert one.similarity(np.asarray([2], np.int32), index).tolist() == pytest.approx([0.48])


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


def _piece_encoder(max_tokens: int) -> PieceEncoder:
    from training.icd10.encoder import export_encoder
    from training.icd10.run import dense_cache_dir

    tokenizer = export_encoder(dense_cache_dir()).tokenizer
    pieces = np.random.default_rng(0).normal(size=(30522, 8)).astype(np.float32)
    return PieceEncoder(pieces, tokenizer, max_tokens)


def test_piece_encoder_reads_the_pieces_minilm_reads() -> None:
    from tokenizers import Tokenizer

    from training.icd10.encoder import export_encoder
    from training.icd10.run import dense_cache_dir

    tokenizer = Tokenizer.from_file(str(export_encoder(dense_cache_dir()).tokenizer))
    tokenizer.no_padding()  # the shipped tokenizer.json pads to 128
    tokenizer.enable_truncation(12)
    encoder = _piece_encoder(12)
    texts = ["known chf", "hemoglobin a1c 7.5 hyperlipidaemia nephrolithiasis", "pain right lower quadrant " * 4]
    for text in texts:
        minilm = tokenizer.encode(text).ids  # [CLS] pieces [SEP]
        assert encoder.piece_ids(text) == minilm[1:-1]
        assert encoder.piece_ids(text) == encoder.piece_ids(text)  # the cached word pieces give the same ids
    assert len(encoder.piece_ids(texts[2])) == 10


def test_piece_encoder_embeds_the_normalised_mean_of_its_pieces() -> None:
    encoder = _piece_encoder(24)
    vectors = encoder(["heart failure", "", "heart failure heart failure"])
    ids = encoder.piece_ids("heart failure")
    mean = encoder._pieces[ids].mean(axis=0)
    assert vectors[0] == pytest.approx(mean / np.linalg.norm(mean), abs=1e-6)
    assert vectors[1].tolist() == [0.0] * 8  # nothing to read
    assert vectors[2] == pytest.approx(vectors[0], abs=1e-6)
