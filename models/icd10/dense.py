"""Dense retrieval: code titles near a note's sentences in the MiniLM sentence-embedding space.

Knowledge matching needs a title's words in the note; the encoder also finds codes whose titles are phrased
differently ("fracture of the radius" for "broken wrist bone"). Only affirmed content words are encoded (a negated,
family or hypothetical mention is gone before the encoder sees the sentence), and only the sentences richest in
clinical vocabulary, each capped in length.

Titles and queries are embedded differently. Every code title's MiniLM embedding is computed once at training time
(``training/icd10/encoder.py``: ``encoder.onnx``, int8, mean pooling and L2 normalisation inside the graph) and is a
row of ``title_embeddings.npy``, in the knowledge index's code order; ``title_clusters.npz`` holds their k-means
centroids and each title's cluster (:class:`TitleIndex`). A note's sentences are embedded at serving time by
:class:`PieceEncoder`: the normalised mean of static per-word-piece vectors (``query_pieces.npy``) fitted so that
this mean lands near the sentence's MiniLM embedding. Running MiniLM on 8 sentences cost ~16-20 ms of CPU per note;
the piece table costs well under a millisecond. Serving needs ``tokenizers`` and numpy only.
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
TITLE_CLUSTERS_FILE = "title_clusters.npz"
QUERY_PIECES_FILE = "query_pieces.npy"
DENSE_FILES = (QUERY_PIECES_FILE, TOKENIZER_FILE, TITLE_EMBEDDINGS_FILE, TITLE_CLUSTERS_FILE)
# [CLS] and [SEP]: MiniLM's ``max_tokens`` counts them, the piece encoder reads the same word pieces without them.
SPECIAL_TOKENS = 2
MAX_CACHED_WORDS = 200_000  # words whose piece ids a PieceEncoder remembers (bounds memory on unusual text)

# ONNX Runtime's fused SkipLayerNormalization (residual add + layer norm in one kernel) is slower on this int8 graph
# than the Add and LayerNormalization it replaces: without it the encoder takes ~15% less CPU (onnxruntime 1.30,
# 8 sentences x 24 tokens). The fusion changes rounding before the int8 quantisation, so title embeddings are
# computed with the same session settings as queries (the training cache key includes this tuple).
DISABLED_OPTIMIZERS = ("SkipLayerNormFusion",)

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
        self._session = ort.InferenceSession(
            str(encoder_path),
            options,
            providers=["CPUExecutionProvider"],
            disabled_optimizers=list(DISABLED_OPTIMIZERS),
        )
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
            out.append(self.embed_ids(ids, np.asarray([e.attention_mask for e in encoded], np.int64)))
        return np.vstack(out)

    def embed_ids(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """Embeddings of already tokenised, padded rows (``ids`` and ``mask`` [texts, tokens])."""
        result: Any = self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        return np.asarray(result, np.float32)


class PieceEncoder:
    """Texts -> L2-normalised mean of their word pieces' static vectors (``query_pieces.npy``).

    BERT's tokenizer splits text at spaces and punctuation before cutting words into pieces, so a text's pieces are
    its words' pieces in order: each word is tokenised once and remembered.

    Args:
        pieces: [vocabulary, dim] vector of every word piece.
        tokenizer_path: the MiniLM ``tokenizer.json`` (defines the piece ids).
        max_tokens: MiniLM's token budget per text; the first ``max_tokens - SPECIAL_TOKENS`` pieces are read.
    """

    def __init__(self, pieces: npt.NDArray[np.float32], tokenizer_path: Path, max_tokens: int) -> None:
        from tokenizers import Tokenizer

        self._pieces = pieces
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._max_pieces = max(max_tokens - SPECIAL_TOKENS, 1)
        self._word_pieces: dict[str, list[int]] = {}

    def piece_ids(self, text: str) -> list[int]:
        """The word-piece ids the encoder averages for ``text`` (special tokens excluded)."""
        ids: list[int] = []
        for word in text.split():
            pieces = self._word_pieces.get(word)
            if pieces is None:
                pieces = self._tokenizer.encode(word, add_special_tokens=False).ids
                if len(self._word_pieces) < MAX_CACHED_WORDS:
                    self._word_pieces[word] = pieces
            ids.extend(pieces)
            if len(ids) >= self._max_pieces:
                break
        return ids[: self._max_pieces]

    def __call__(self, texts: list[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self._pieces.shape[1]), np.float32)
        for row, text in enumerate(texts):
            ids = self.piece_ids(text)
            if ids:
                mean = self._pieces[ids].mean(axis=0)
                out[row] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        return out


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
class TitleIndex:
    """The code-title embeddings grouped into k-means clusters (an inverted-file index).

    Scoring a sentence against all ~40k titles costs more than the rest of the suggester; scoring it against the
    centroids and then the titles of its ``probe`` best clusters finds nearly the same nearest titles for a few
    percent of the work. ``blocks`` holds the titles cluster by cluster (rows ``offsets[c]:offsets[c + 1]`` are
    cluster ``c``, whose code indices are ``members`` over the same rows), so a probe reads contiguous memory.
    """

    embeddings: npt.NDArray[np.float32]  # [codes, dim], L2-normalised, knowledge index order
    centroids: npt.NDArray[np.float32]  # [clusters, dim]
    members: npt.NDArray[np.int32]  # [codes]: code index of each row of ``blocks``
    offsets: npt.NDArray[np.int64]  # [clusters + 1]
    blocks: npt.NDArray[np.float32]  # embeddings[members]

    @classmethod
    def from_clusters(
        cls, embeddings: npt.NDArray[np.float32], centroids: npt.NDArray[np.float32], cluster_of: npt.NDArray[np.int32]
    ) -> TitleIndex:
        """Index ``embeddings`` whose row ``i`` belongs to cluster ``cluster_of[i]``."""
        members = np.argsort(cluster_of, kind="stable").astype(np.int32)
        counts = np.bincount(cluster_of, minlength=len(centroids))
        offsets = np.zeros(len(centroids) + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(embeddings, centroids, members, offsets, np.ascontiguousarray(embeddings[members]))

    @property
    def cluster_of(self) -> npt.NDArray[np.int32]:
        """Cluster of each code (knowledge index order)."""
        out = np.empty(len(self.members), np.int32)
        out[self.members] = np.repeat(np.arange(len(self.centroids), dtype=np.int32), np.diff(self.offsets))
        return out


@dataclass(frozen=True)
class DenseHits:
    """What dense retrieval found for one note.

    Attributes:
        queries: the encoded sentences.
        retrieved: code -> sentence for the ``top_k`` titles of each sentence that reach ``min_similarity``.
        rank: code -> rank of its best similarity among the titles the index probed (the ``rank_depth`` best).
    """

    queries: DenseQueries
    retrieved: dict[int, int]
    rank: dict[int, int]

    def similarity(self, codes: npt.NDArray[np.int32], index: TitleIndex) -> npt.NDArray[np.float32]:
        """Exact best cosine similarity of each code's title to an encoded sentence (only the candidates of a note
        need it, so it is computed for them rather than for every title)."""
        if len(self.queries.sentences) == 0 or len(codes) == 0:
            return np.zeros(len(codes), np.float32)
        scores = self.queries.embeddings @ index.embeddings[codes].T  # [sentences, codes]
        return np.asarray(scores.max(axis=0), np.float32)


def retrieve(queries: DenseQueries, index: TitleIndex, settings: DenseSettings) -> DenseHits:
    """The ``top_k`` titles of each encoded sentence that reach ``min_similarity`` (searched in the sentence's
    ``probe`` nearest clusters), and the rank of the best-scoring probed titles."""
    if len(queries.sentences) == 0:
        return DenseHits(queries, {}, {})
    n_probe = min(settings.probe, len(index.centroids))
    centroid_scores = queries.embeddings @ index.centroids.T  # [sentences, clusters]
    probed = np.argpartition(-centroid_scores, n_probe - 1, axis=1)[:, :n_probe]
    depth = max(settings.top_k, settings.rank_depth)
    offsets = index.offsets.tolist()
    probed_clusters = probed.tolist()
    # Sentences of a note probe many of the same clusters: each cluster's titles are scored against all the
    # sentences probing it while they are in cache. Slices of ``blocks`` are views: no title row is copied.
    sentences_of: dict[int, list[int]] = {}
    for row, clusters in enumerate(probed_clusters):
        for c in clusters:
            sentences_of.setdefault(c, []).append(row)
    cluster_scores: dict[tuple[int, int], npt.NDArray[np.float32]] = {}
    for c, rows in sentences_of.items():
        block = index.blocks[offsets[c] : offsets[c + 1]]
        for row in rows:
            cluster_scores[row, c] = block @ queries.embeddings[row]
    head_scores: list[npt.NDArray[np.float32]] = []  # per sentence, its best ``depth`` probed titles, best first
    head_codes: list[npt.NDArray[np.int32]] = []
    for row, clusters in enumerate(probed_clusters):
        scores = np.concatenate([cluster_scores[row, c] for c in clusters])
        codes = np.concatenate([index.members[offsets[c] : offsets[c + 1]] for c in clusters])
        k = min(depth, len(codes))
        head = np.argpartition(-scores, k - 1)[:k] if k < len(codes) else np.arange(len(codes))
        head = head[np.lexsort((codes[head], -scores[head]))]  # best first, ties by code
        head_scores.append(scores[head])
        head_codes.append(codes[head])
    sizes = [len(h) for h in head_codes]
    score = np.concatenate(head_scores)
    code = np.concatenate(head_codes).astype(np.int64)
    sentence = np.repeat(np.asarray(queries.sentences, dtype=np.int64), sizes)
    position = np.concatenate([np.arange(n) for n in sizes])
    # Each code's best similarity over the probed titles (the earliest sentence on ties) ranks it ...
    best_code, best_score, _ = _best_per_code(code, score, sentence)
    ranked = np.lexsort((best_code, -best_score))[: settings.rank_depth]
    rank = dict(zip(best_code[ranked].tolist(), range(len(ranked)), strict=True))
    # ... and its best similarity among the ``top_k`` of some sentence that reach the floor retrieves it.
    top = (position < settings.top_k) & (score >= settings.min_similarity)
    top_code, top_score, top_sentence = _best_per_code(code[top], score[top], sentence[top])
    by_similarity = np.lexsort((top_code, -top_score))
    retrieved = dict(zip(top_code[by_similarity].tolist(), top_sentence[by_similarity].tolist(), strict=True))
    return DenseHits(queries, retrieved, rank)


def _best_per_code(
    code: npt.NDArray[np.int64], score: npt.NDArray[np.float32], sentence: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Per distinct code (ascending), its highest score and that entry's sentence; the first entry wins ties."""
    order = np.lexsort((np.arange(len(code)), -score, code))
    first = order[np.r_[True, code[order][1:] != code[order][:-1]]] if len(order) else order
    return code[first], score[first], sentence[first]


def encode_note(
    sentences: tuple[Sentence, ...],
    excluded: tuple[tuple[bool, ...], ...],
    sentence_words: tuple[tuple[int, ...], ...],
    encode: EncodeFn,
    settings: DenseSettings,
) -> DenseQueries:
    """Encode the selected sentences of a note (their affirmed content words); empty sentences are skipped."""
    queries = [(i, sentence_query(sentences[i], excluded[i])) for i in select_sentences(sentence_words, settings)]
    chosen = [(i, query) for i, query in queries if query]
    if not chosen:
        return DenseQueries((), np.zeros((0, 0), np.float32))
    return DenseQueries(tuple(i for i, _ in chosen), encode([query for _, query in chosen]))
