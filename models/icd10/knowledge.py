"""Candidate generation from knowledge: ICD-10-CM titles and inclusion terms matched against a note's sentences.

Every phrase (a code's title, its inclusion terms, and phrases learned from training data) becomes a bag of
normalised content words, each weighted by its rarity among all phrases (IDF). A sentence matches a phrase with
*coverage* = matched weight / total weight, in any word order, so "failure of the left heart, congestive" and
"congestive heart failure" meet. Only words that are not negated, uncertain, hypothetical, family history or resolved
take part (``assertion.py``), so such mentions never produce a code.

The index is plain numpy arrays (saved in the model bundle as ``knowledge.npz`` + ``knowledge.json``): building it
needs the code sets, matching needs only numpy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from models.icd10.text import content_words

PhraseKind = int  # 0 title, 1 inclusion term, 2 learned from training data
KIND_TITLE, KIND_INCLUSION, KIND_LEARNED = 0, 1, 2
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WITHOUT = re.compile(r"\bwithout\b[^,;]*", re.IGNORECASE)
# "Pneumonia, unspecified organism", "Endocarditis, valve unspecified": the qualified word is never stated in a note.
_UNSPECIFIED = re.compile(
    r"\bunspecified\s+(?:organism|site|type|part|cause|side|region|location|agent|origin|degree|stage|severity|"
    r"etiology|substance|intent|level|morphology|laterality|trimester|kind)\b",
    re.IGNORECASE,
)
_LATER_ENCOUNTER = re.compile(r"subsequent encounter|sequela", re.IGNORECASE)


def clean_title(title: str, keep_absent: bool = False) -> str:
    """Drop what a note never states: nonessential parentheticals and "without ..." clauses (kept with
    ``keep_absent``, where the absence tells two codes apart: "with esophagitis, without bleeding").

    ``"Type 2 diabetes mellitus without complications"`` -> ``"Type 2 diabetes mellitus "``;
    ``"Pneumonia, unspecified organism"`` -> ``"Pneumonia,  "``.
    """
    text = _PARENS.sub(" ", title)
    return _UNSPECIFIED.sub(" ", text if keep_absent else _WITHOUT.sub(" ", text))


def keep_code(code: str, title: str) -> bool:
    """Skip 7th-character variants for subsequent encounters and sequelae (a note's first mention is the initial
    encounter); every other billable code takes part."""
    return not (len(code) == 8 and code[-1].isalpha() and _LATER_ENCOUNTER.search(title) is not None)


class PhraseMatch(NamedTuple):
    """The best match of one code in a note (a named tuple: a note matches a few hundred codes, and a tuple is built
    in a fraction of the time of a frozen dataclass)."""

    code_index: int
    coverage: float
    weight: float
    n_words: int
    kind: int
    sentence: int
    n_sentences: int
    phrase: int


class KnowledgeIndex:
    """Phrase -> words (CSR) and word -> phrases (CSC) weight arrays over a fixed code list.

    Args:
        codes: the code of each code index.
        vocab: the normalised word of each word id.
        phrase_code: code index of each phrase.
        phrase_kind: 0 title, 1 inclusion term, 2 learned.
        phrase_ptr, phrase_words: CSR layout of each phrase's word ids.
        word_weight: IDF weight of each word id.
    """

    def __init__(
        self,
        codes: list[str],
        vocab: list[str],
        phrase_code: npt.NDArray[np.int32],
        phrase_kind: npt.NDArray[np.int8],
        phrase_ptr: npt.NDArray[np.int64],
        phrase_words: npt.NDArray[np.int32],
        word_weight: npt.NDArray[np.float32],
    ) -> None:
        self.codes = codes
        self.vocab = vocab
        self.word_id = {w: i for i, w in enumerate(vocab)}
        self.phrase_code = phrase_code
        self.phrase_kind = phrase_kind
        self.phrase_ptr = phrase_ptr
        self.phrase_words = phrase_words
        self.word_weight = word_weight
        lengths = np.diff(phrase_ptr)
        owner = np.repeat(np.arange(len(phrase_code), dtype=np.int32), lengths)
        weights = word_weight[phrase_words]
        self.phrase_total = np.bincount(owner, weights=weights, minlength=len(phrase_code)).astype(np.float32)
        self.phrase_len = lengths.astype(np.int32)
        order = np.argsort(phrase_words, kind="stable")
        self._col_phrases = owner[order]
        self._col_values = (weights[order] / self.phrase_total[owner[order]]).astype(np.float32)
        self._col_ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(phrase_words, minlength=len(vocab)), out=self._col_ptr[1:])

    @property
    def n_phrases(self) -> int:
        return len(self.phrase_code)

    @classmethod
    def build(
        cls, entries: Iterable[tuple[str, str, int]], *, min_words: int = 1, extra_vocab: Sequence[str] = ()
    ) -> KnowledgeIndex:
        """Index ``(code, phrase, kind)`` entries; phrases are reduced to content words, duplicates dropped.

        Learned phrases (``KIND_LEARNED``) are already normalised words separated by spaces. ``extra_vocab`` fixes
        the first word ids, so that indexes built from different phrase sets share one vocabulary.
        """
        codes: dict[str, int] = {}
        vocab: dict[str, int] = {w: i for i, w in enumerate(dict.fromkeys(extra_vocab))}
        seen: set[tuple[int, tuple[int, ...]]] = set()
        phrase_code: list[int] = []
        phrase_kind: list[int] = []
        ptr: list[int] = [0]
        words: list[int] = []
        for code, phrase, kind in entries:
            code_index = codes.setdefault(code, len(codes))
            content = phrase.split() if kind == KIND_LEARNED else content_words(clean_title(phrase))
            if len(content) < min_words:
                continue
            ids = tuple(sorted(vocab.setdefault(w, len(vocab)) for w in content))
            if (code_index, ids) in seen:
                continue
            seen.add((code_index, ids))
            phrase_code.append(code_index)
            phrase_kind.append(kind)
            words.extend(ids)
            ptr.append(len(words))
        words_array = np.asarray(words, dtype=np.int32)
        df = np.bincount(words_array, minlength=len(vocab)).astype(np.float64)
        n = max(len(phrase_code), 1)
        weight = np.log((n + 1) / (df + 1)) + 1.0
        return cls(
            list(codes),
            list(vocab),
            np.asarray(phrase_code, dtype=np.int32),
            np.asarray(phrase_kind, dtype=np.int8),
            np.asarray(ptr, dtype=np.int64),
            words_array,
            weight.astype(np.float32),
        )

    def phrase_word_ids(self, phrase: int) -> npt.NDArray[np.int32]:
        return self.phrase_words[self.phrase_ptr[phrase] : self.phrase_ptr[phrase + 1]]

    def coverage(self, word_ids: Iterable[int]) -> npt.NDArray[np.float32]:
        """Coverage of every phrase by a set of word ids (weighted share of each phrase's words present)."""
        unique = sorted(set(word_ids))
        if not unique:
            return np.zeros(self.n_phrases, dtype=np.float32)
        idx = np.concatenate([self._col_phrases[self._col_ptr[w] : self._col_ptr[w + 1]] for w in unique])
        val = np.concatenate([self._col_values[self._col_ptr[w] : self._col_ptr[w + 1]] for w in unique])
        return np.bincount(idx, weights=val, minlength=self.n_phrases).astype(np.float32)

    def _sentence_coverage(
        self, sentences_words: Sequence[Sequence[int]]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """(sentence, phrase, coverage) of every phrase holding a word of a sentence, by sentence then phrase: the
        non-zero entries of :meth:`coverage` for all sentences in one pass (the same sums: each phrase's weights
        are added in the same order)."""
        n_vocab = len(self.vocab)
        pairs = np.unique(
            np.fromiter((s * n_vocab + w for s, words in enumerate(sentences_words) for w in words), dtype=np.int64)
        )  # each word of a sentence once, by sentence then word id
        sentence_of_pair, word = np.divmod(pairs, n_vocab)
        starts = self._col_ptr[word]
        lengths = self._col_ptr[word + 1] - starts
        ends = np.cumsum(lengths)
        if len(ends) == 0 or ends[-1] == 0:  # no word of the note is in a phrase
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # Every word's column entries, one word after the other: positions starts[i] .. starts[i] + lengths[i].
        column = np.arange(ends[-1], dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)
        phrase = self._col_phrases[column].astype(np.int64)
        # One sort groups the (sentence, phrase) entries. Keys are bit fields (sentence | phrase | position; shifts
        # cost less than divisions); the position in the low bits keeps each group's entries in their original
        # order, so the sums below add them in that order.
        phrase_bits, position_bits = self.n_phrases.bit_length(), len(column).bit_length()
        pair = (np.repeat(sentence_of_pair, lengths) << phrase_bits) | phrase
        key = np.sort((pair << position_bits) | np.arange(len(column)))
        pair = key >> position_bits
        first = np.empty(len(key), dtype=bool)
        first[0] = True
        np.not_equal(pair[1:], pair[:-1], out=first[1:])
        group = np.cumsum(first) - 1
        values = self._col_values[column[key & ((1 << position_bits) - 1)]]
        cov = np.bincount(group, weights=values).astype(np.float32)
        pair = pair[first]
        sentence, hits = pair >> phrase_bits, pair & ((1 << phrase_bits) - 1)
        return sentence, hits, cov

    def match(self, sentences_words: Sequence[Sequence[int]], min_coverage: float) -> list[PhraseMatch]:
        """Best phrase of every code reaching ``min_coverage`` in some sentence (one entry per code, in the order of
        their first matching sentence and phrase)."""
        if min_coverage - 1e-6 > 0:
            sentence, hits, cov = self._sentence_coverage(sentences_words)
        else:  # every phrase reaches it, untouched ones too
            n = self.n_phrases
            sentence = np.repeat(np.arange(len(sentences_words), dtype=np.int64), n)
            hits = np.tile(np.arange(n, dtype=np.int64), len(sentences_words))
            cov = np.concatenate([self.coverage(ws) for ws in sentences_words] or [np.zeros(0, dtype=np.float32)])
        # A learned phrase (one or two words mined from training notes) only counts when complete.
        keep = (cov >= min_coverage - 1e-6) & ((self.phrase_kind[hits] != KIND_LEARNED) | (cov >= 1.0 - 1e-4))
        sentence, hits, coverage = sentence[keep], hits[keep], cov[keep].astype(np.float64)
        if len(hits) == 0:
            return []
        weight = coverage * self.phrase_total[hits]
        codes, first, entry_code = np.unique(self.phrase_code[hits], return_index=True, return_inverse=True)
        # Rank a code's phrases by coverage, then by matched weight (longer, more specific phrases win ties), then
        # by position (the first such entry).
        ranked = np.lexsort((np.arange(len(hits)), -weight, -coverage, entry_code))
        group_start = np.flatnonzero(np.r_[True, entry_code[ranked][1:] != entry_code[ranked][:-1]])
        best = ranked[group_start]  # per code, in code order
        n_sentences_of = np.bincount(np.unique(entry_code * len(sentences_words) + sentence) // len(sentences_words))
        order = np.argsort(first, kind="stable")
        best = best[order]
        return [
            PhraseMatch(code_index=code, coverage=c, weight=w, n_words=n, kind=k, sentence=s, n_sentences=ns, phrase=p)
            for code, c, w, n, k, s, ns, p in zip(
                codes[order].tolist(),
                coverage[best].tolist(),
                weight[best].tolist(),
                self.phrase_len[hits[best]].tolist(),
                self.phrase_kind[hits[best]].tolist(),
                sentence[best].tolist(),
                n_sentences_of[order].tolist(),
                hits[best].tolist(),
                strict=True,
            )
        ]

    # --- persistence -----------------------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        np.savez_compressed(
            folder / "knowledge.npz",
            phrase_code=self.phrase_code,
            phrase_kind=self.phrase_kind,
            phrase_ptr=self.phrase_ptr,
            phrase_words=self.phrase_words,
            word_weight=self.word_weight,
        )
        (folder / "knowledge.json").write_text(json.dumps({"codes": self.codes, "vocab": self.vocab}))

    @classmethod
    def load(cls, folder: Path) -> KnowledgeIndex:
        arrays = np.load(folder / "knowledge.npz")
        names = json.loads((folder / "knowledge.json").read_text())
        return cls(
            list(names["codes"]),
            list(names["vocab"]),
            arrays["phrase_code"],
            arrays["phrase_kind"],
            arrays["phrase_ptr"],
            arrays["phrase_words"],
            arrays["word_weight"],
        )
