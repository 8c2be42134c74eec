"""Dense retrieval: code titles near a note's sentences in the MiniLM sentence-embedding space.

Knowledge matching needs a title's words in the note; the encoder also finds codes whose titles are phrased
differently ("fracture of the radius" for "broken wrist bone"). Only affirmed content words are encoded (a negated,
family or hypothetical mention is gone before the encoder sees the sentence), and only the sentences richest in
clinical vocabulary, each capped in length, so that a 400-word note costs a bounded number of encoder tokens.

The encoder (``encoder.onnx``, int8, mean pooling and L2 normalisation inside the graph) and its tokenizer are
exported by ``training/icd10/encoder.py``; every code title's embedding is a row of ``title_embeddings.npy``, in the
knowledge index's code order. Serving needs ONNX Runtime, ``tokenizers`` and numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from configs.icd10 import DenseSettings
from models.icd10.text import PUNCT, STOPWORDS, Sentence

ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "encoder_tokenizer.json"
TITLE_EMBEDDINGS_FILE = "title_embeddings.npy"
DENSE_FILES = (ENCODER_FILE, TOKENIZER_FILE, TITLE_EMBEDDINGS_FILE)

EncodeFn = Callable[[list[str]], npt.NDArray[np.float32]]


class SentenceEncoder:
    """Texts -> L2-normalised embeddings through the exported ONNX encoder.

    Args:
        encoder_path: ``encoder.onnx`` (inputs ``input_ids``, ``attention_mask``; output ``embedding``).
        tokenizer_path: the encoder's ``tokenizer.json``.
        max_tokens: word pieces kept per text (special tokens included).
        threads: ONNX Runtime intra-op threads.
    """

    def __init__(self, encoder_path: Path, tokenizer_path: Path, max_tokens: int, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(encoder_path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.enable_padding()

    def __call__(self, texts: list[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 0), np.float32)
        out: list[npt.NDArray[np.float32]] = []
        for i in range(0, len(texts), batch_size):
            encoded = self._tokenizer.encode_batch(texts[i : i + batch_size])
            ids = np.asarray([e.ids for e in encoded], np.int64)
            mask = np.asarray([e.attention_mask for e in encoded], np.int64)
            result: Any = self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
            out.append(np.asarray(result, np.float32))
        return np.vstack(out)


@dataclass(frozen=True)
class DenseQueries:
    """The encoded sentences of one note: ``sentences[i]`` (index into the note's sentences) has row ``i``."""

    sentences: tuple[int, ...]
    embeddings: npt.NDArray[np.float32]


def sentence_query(sentence: Sentence, excluded: tuple[bool, ...]) -> str:
    """The affirmed content words of a sentence in their surface form (each abbreviation once)."""
    words: list[str] = []
    last_start = -1
    for token, is_excluded in zip(sentence.tokens, excluded, strict=True):
        if is_excluded or token.start == last_start or token.norm in PUNCT or token.lower in STOPWORDS:
            continue
        last_start = token.start
        words.append(token.lower)
    return " ".join(words)


def select_sentences(sentence_words: tuple[tuple[int, ...], ...], settings: DenseSettings) -> list[int]:
    """Indices of the sentences worth encoding: the ``max_sentences`` with the most affirmed knowledge words
    (at least ``min_words``), in note order."""
    ranked = sorted(
        (i for i, words in enumerate(sentence_words) if len(words) >= settings.min_words),
        key=lambda i: (-len(sentence_words[i]), i),
    )
    return sorted(ranked[: settings.max_sentences])


@dataclass(frozen=True)
class DenseHits:
    """Per code, its best cosine similarity to an encoded sentence and that sentence; plus the retrieved codes."""

    similarity: npt.NDArray[np.float32]
    sentence: npt.NDArray[np.int32]
    rank: dict[int, int]
    retrieved: tuple[int, ...]


def retrieve(queries: DenseQueries, title_embeddings: npt.NDArray[np.float32], settings: DenseSettings) -> DenseHits:
    """Similarities of all code titles to the note's encoded sentences and the codes retrieved from them: the
    ``top_k`` titles of each sentence that reach ``min_similarity``."""
    n_codes = title_embeddings.shape[0]
    if len(queries.sentences) == 0:
        return DenseHits(np.zeros(n_codes, np.float32), np.zeros(n_codes, np.int32), {}, ())
    scores = queries.embeddings @ title_embeddings.T  # [sentences, codes]
    best_row = np.argmax(scores, axis=0)
    similarity = scores[best_row, np.arange(n_codes)].astype(np.float32)
    sentence = np.asarray(queries.sentences, np.int32)[best_row]
    retrieved: dict[int, None] = {}
    k = min(settings.top_k, n_codes)
    if k > 0:
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        for row in range(scores.shape[0]):
            for code in sorted(top[row].tolist(), key=lambda c: (-scores[row, c], c)):
                if scores[row, code] >= settings.min_similarity:
                    retrieved.setdefault(int(code), None)
    n_ranked = min(settings.rank_depth, n_codes)
    head = np.argpartition(-similarity, n_ranked - 1)[:n_ranked]
    ordered = sorted(head.tolist(), key=lambda c: (-similarity[c], c))
    rank = {int(c): r for r, c in enumerate(ordered)}
    return DenseHits(similarity, sentence, rank, tuple(retrieved))


def encode_note(
    sentences: tuple[Sentence, ...],
    excluded: tuple[tuple[bool, ...], ...],
    sentence_words: tuple[tuple[int, ...], ...],
    encode: EncodeFn,
    settings: DenseSettings,
) -> DenseQueries:
    """Encode the selected sentences of a note (their affirmed content words); empty sentences are skipped."""
    chosen = [i for i in select_sentences(sentence_words, settings) if sentence_query(sentences[i], excluded[i])]
    if not chosen:
        return DenseQueries((), np.zeros((0, 0), np.float32))
    texts = [sentence_query(sentences[i], excluded[i]) for i in chosen]
    return DenseQueries(tuple(chosen), encode(texts))
