"""Knowledge entries, learned phrases, priors and code tables for the ICD-10-CM suggester (training side)."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from datasets.codesets import Icd10cm
from models.icd10.features import NoteAnalysis, Priors
from models.icd10.knowledge import KIND_INCLUSION, KIND_LEARNED, KIND_TITLE, KnowledgeIndex, keep_code
from models.icd10.text import STOPWORDS, tokenize

Entry = tuple[str, str, int]


def nearest_item_title(icd: Icd10cm, code: str) -> tuple[str, tuple[str, ...]] | None:
    """Title and inclusion terms of ``code`` or, for codes the release lacks (``T68.XXX``, retired codes), of its
    nearest existing prefix."""
    key = code
    while key:
        item = icd.find_code(key)
        if item is not None:
            return item.title, item.inclusion_terms
        key = key[:-1].rstrip(".")
    return None


def knowledge_entries(icd: Icd10cm, extra_codes: Iterable[str]) -> tuple[list[Entry], dict[str, str]]:
    """Title and inclusion-term entries of every billable code (initial encounters) plus ``extra_codes`` (codes of
    the training data that are not billable in this release), and each code's title."""
    entries: list[Entry] = []
    titles: dict[str, str] = {}
    for item in icd.billable_codes():
        if not keep_code(item.code, item.title):
            continue
        titles[item.code] = item.title
        entries.append((item.code, item.title, KIND_TITLE))
        entries.extend((item.code, term, KIND_INCLUSION) for term in item.inclusion_terms)
    for code in sorted(set(extra_codes) - set(titles)):
        found = nearest_item_title(icd, code)
        if found is None:
            continue
        title, inclusion = found
        titles[code] = title
        entries.append((code, title, KIND_TITLE))
        entries.extend((code, term, KIND_INCLUSION) for term in inclusion)
    return entries, titles


def note_vocabulary(texts: Iterable[str]) -> list[str]:
    """Normalised content words of notes (so that phrases learned later share the index's word ids)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(t.norm for t in tokenize(text) if t.norm not in STOPWORDS and t.norm.isalnum())
    return sorted(w for w, n in counts.items() if n >= 2)


def mine_phrases(
    kb: KnowledgeIndex,
    notes: Sequence[NoteAnalysis],
    golds: Sequence[set[int]],
    *,
    min_support: int,
    min_precision: float,
    max_per_code: int,
    min_lift: float = 2.0,
    max_doc_share: float = 0.5,
) -> list[Entry]:
    """Phrases (one word or two adjacent affirmed content words) that predict a code in the training notes.

    A phrase is kept for a code when at least ``min_support`` notes carry both and at least ``min_precision`` of
    the notes with the phrase carry the code, that share is at least ``min_lift`` times the code's overall rate,
    and the phrase occurs in at most ``max_doc_share`` of the notes (words like "patient" predict nothing); the best
    ``max_per_code`` per code (by precision, then support).
    """
    doc_freq: Counter[tuple[int, ...]] = Counter()
    co: Counter[tuple[int, tuple[int, ...]]] = Counter()
    for note, gold in zip(notes, golds, strict=True):
        grams: set[tuple[int, ...]] = set()
        for words in note.sentence_words:
            grams.update((w,) for w in words)
            grams.update(tuple(sorted(pair)) for pair in itertools.pairwise(words) if pair[0] != pair[1])
        doc_freq.update(grams)
        for code in gold:
            co.update((code, g) for g in grams)
    n_notes = max(len(notes), 1)
    code_docs: Counter[int] = Counter(code for gold in golds for code in gold)
    per_code: dict[int, list[tuple[float, int, tuple[int, ...]]]] = {}
    for (code, gram), support in co.items():
        if support < min_support or doc_freq[gram] > max_doc_share * n_notes:
            continue
        precision = support / doc_freq[gram]
        if precision >= min_precision and precision >= min_lift * code_docs[code] / n_notes:
            per_code.setdefault(code, []).append((precision, support, gram))
    entries: list[Entry] = []
    for code, found in per_code.items():
        found.sort(key=lambda item: (-item[0], -item[1], item[2]))
        for _, _, gram in found[:max_per_code]:
            entries.append((kb.codes[code], " ".join(kb.vocab[w] for w in gram), KIND_LEARNED))
    return entries


def compute_priors(
    kb: KnowledgeIndex, notes: Sequence[NoteAnalysis], golds: Sequence[set[int]], min_coverage: float
) -> Priors:
    """How often each code (and each phrase) matched in the training notes, and how often it was then gold."""
    categories = category_index(kb.codes)
    gold_docs = np.zeros(len(kb.codes), np.float32)
    category_docs = np.zeros(int(categories.max()) + 1, np.float32)
    matched = np.zeros(len(kb.codes), np.float32)
    matched_gold = np.zeros(len(kb.codes), np.float32)
    phrase_matched = np.zeros(kb.n_phrases, np.float32)
    phrase_gold = np.zeros(kb.n_phrases, np.float32)
    for note, gold in zip(notes, golds, strict=True):
        for code in gold:
            gold_docs[code] += 1
        for cat in {int(categories[c]) for c in gold}:
            category_docs[cat] += 1
        for m in kb.match(note.sentence_words, min_coverage):
            matched[m.code_index] += 1
            phrase_matched[m.phrase] += 1
            if m.code_index in gold:
                matched_gold[m.code_index] += 1
                phrase_gold[m.phrase] += 1
    return Priors(gold_docs, category_docs, matched, matched_gold, phrase_matched, phrase_gold, len(notes))


def category_index(codes: Sequence[str]) -> npt.NDArray[np.int32]:
    """Index of each code's 3-character category (in order of first appearance)."""
    seen: dict[str, int] = {}
    return np.asarray([seen.setdefault(c[:3], len(seen)) for c in codes], dtype=np.int32)


def code_info(codes: Sequence[str], titles: Sequence[str], billable: set[str]) -> npt.NDArray[np.float32]:
    """Per code ``[depth (characters), title says unspecified, billable in this release]``."""
    return np.asarray(
        [
            [len(c.replace(".", "")), float("unspecified" in t.lower()), float(c in billable)]
            for c, t in zip(codes, titles, strict=True)
        ],
        dtype=np.float32,
    )
