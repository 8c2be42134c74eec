"""Semantic fallback of the HCC condition finder: the payment condition of an assessment item written in words no
title or term table has (synonyms, eponyms, lay terms: "opiate addiction on Suboxone", "acute flare of chronic
obstructive lung disease").

Items and ICD-10-CM titles meet in the MiniLM sentence-embedding space of the ICD-10-CM suggester bundle: every
title's embedding is precomputed there (``title_embeddings.npy``, with its k-means clusters), and an item's name is
embedded by the bundle's static word-piece table (:class:`models.icd10.dense.PieceEncoder`: well under a
millisecond, numpy only; no torch and no ONNX session). Only items the lexical finder names nothing for are read, and
an answer is taken only where the ``agree`` nearest titles all map to one HCC with the nearest at ``condition_floor``
or above: a lookalike of another HCC, or of a condition outside the model, breaks the agreement.

The same space does not tell an unspecified code's more specific siblings apart. Tried for ``unspecified_code``
(billed code's title against its category siblings' titles, a sibling taken when it beat the billed title and every
other sibling by a margin): on validation notes (seed 505, 600, + family F seed 512, 400) no margin reached a
precision above .04 (2 right of 50 answers); the static piece vectors weigh the condition's words, shared by every
sibling, far above the one detail word that sets a sibling apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from models.clinical.assertion import qualifies_a_test
from models.icd10.dense import (
    QUERY_PIECES_FILE,
    TITLE_CLUSTERS_FILE,
    TITLE_EMBEDDINGS_FILE,
    TOKENIZER_FILE,
    PieceEncoder,
)

KNOWLEDGE, TITLES = "knowledge.json", "titles.json"  # the code and the title of each embedding row
MAX_QUERY_TOKENS = 48  # the bundle's dense query budget (configs/icd10.py DenseSettings.max_tokens)
PROBE = 8  # title clusters searched per statement (of 256), as the suggester's dense retrieval probes
# Where the name of an item's condition ends: a comma, a parenthesis or a dash sets off its status or detail, a verb
# starts a sentence about it ("..., this is worsening"); the agreement of the nearest titles is read on the name alone
_NAME_END = re.compile(r",|;|\(|\[|\s[-\u2013\u2014]+\s|\s(?:is|are|was|were|remains?)\s", re.IGNORECASE)
# Words that lead into the name in a sentence ("For the ...", "With regard to the ...", "Concerning the ..."), not a
# name's own "of the" ("abscess of the left axilla")
_LEAD_IN = re.compile(
    r"^(?:(?:as\s+)?for|with\s+(?:regard|respect)\s+to|regarding|concerning|about|re:?)\s+(?:the\s+)?",
    re.IGNORECASE,
)
_CONTENT_WORD = re.compile(r"[A-Za-z]{3,}")
# How near a plain title must be to the nearest to stand for the name ("opiate addiction": Opioid dependence, in
# remission .611, uncomplicated .599; "paroxysmal auricular fibrillation": Paroxysmal atrial fibrillation .83, Chronic
# atrial fibrillation, unspecified .66)
PLAIN_TIE = 0.02
MEMO_SIZE = 20_000  # names whose nearest titles are remembered
MIN_NAME_WORDS = 2  # a lone word the word-piece table cuts into pieces ("SDOH") averages to noise near any title
# A title with no detail of its axes: the code of a condition named plainly ("opioid dependence, uncomplicated")
_PLAIN_TITLE = re.compile(r"\bunspecified\b|\buncomplicated\b|\bwithout complications?\b", re.IGNORECASE)


@dataclass(frozen=True)
class SemanticSettings:
    """How clearly an answer must win (fitted on validation families with ``evaluation/semantic_fit.py``; never on
    the held-out or the names-test family).

    Attributes:
        agree: how many of the nearest titles must map to the one HCC.
        condition_floor: similarity of the nearest title below which an item names no condition the titles know.
        confidence: precision of the answers at these thresholds on the fitting data (the findings' confidence).
    """

    # validation seed 505 (600 notes, all families) + family F seed 512 (400): 9 answers, all of the note's gold
    # HCC; agreement of two titles was not counted a priori, and lower floors answered lookalikes ("ETOH
    # dependence" as Crohn disease at .67, "left cerumen impaction" as a brain injury at .61)
    agree: int = 3
    condition_floor: float = 0.80
    confidence: float = 0.9


@dataclass(frozen=True)
class ClusteredTitles:
    """Title embeddings stored cluster by cluster: rows ``offsets[c]:offsets[c + 1]`` of ``blocks`` are cluster
    ``c``'s titles, ``members`` their rows in the bundle's code order. Only the cluster-ordered copy is kept, in
    float32 (62 MB for the ~40k titles), as the suggester's :class:`models.icd10.dense.TitleIndex` keeps both."""

    centroids: npt.NDArray[np.float32]  # [clusters, dim]
    members: npt.NDArray[np.int32]  # [codes]
    offsets: npt.NDArray[np.int64]  # [clusters + 1]
    blocks: npt.NDArray[np.float32]  # [codes, dim], L2-normalised

    @classmethod
    def build(
        cls, embeddings: npt.NDArray[np.floating], centroids: npt.NDArray[np.float32], cluster_of: npt.NDArray[np.int32]
    ) -> ClusteredTitles:
        """Titles ``embeddings`` (any float type) whose row ``i`` belongs to cluster ``cluster_of[i]``."""
        members = np.argsort(cluster_of, kind="stable").astype(np.int32)
        offsets = np.zeros(len(centroids) + 1, np.int64)
        np.cumsum(np.bincount(cluster_of, minlength=len(centroids)), out=offsets[1:])
        blocks = np.ascontiguousarray(embeddings[members], dtype=np.float32)
        return cls(np.asarray(centroids, np.float32), members, offsets, blocks)


@dataclass(frozen=True)
class SemanticMatch:
    """The code an item's condition name stands for, the name read, and its similarity to the code's title and to
    the nearest title."""

    code: str
    name: str
    similarity: float
    nearest: float


class TitleSpace:
    """Statements against ICD-10-CM titles in the suggester bundle's embedding space (see module docstring).

    Args:
        encoder: the bundle's word-piece encoder (statements -> L2-normalised embeddings).
        codes: the code of each title row.
        titles: the title of each row.
        index: the title embeddings by cluster.
        settings: the win thresholds.
    """

    def __init__(
        self,
        encoder: PieceEncoder,
        codes: Sequence[str],
        titles: Sequence[str],
        index: ClusteredTitles,
        settings: SemanticSettings | None = None,
    ) -> None:
        self.encoder = encoder
        self.codes = list(codes)
        self.titles = list(titles)
        self.row = {code: i for i, code in enumerate(self.codes)}
        self.index = index
        self.settings = settings or SemanticSettings()
        self._offsets: list[int] = index.offsets.tolist()
        self._nearest: dict[tuple[str, int], list[tuple[str, float]]] = {}  # notes repeat their problems' names

    @classmethod
    def from_bundle(cls, folder: Path, settings: SemanticSettings | None = None) -> TitleSpace | None:
        """The title space of an ICD-10-CM suggester bundle folder, or None where the bundle lacks the dense files
        (a bundle from before dense retrieval: retrain it with ``medcode train --task icd10`` to enable this)."""
        needed = (QUERY_PIECES_FILE, TOKENIZER_FILE, TITLE_EMBEDDINGS_FILE, TITLE_CLUSTERS_FILE, KNOWLEDGE, TITLES)
        if not all((folder / name).is_file() for name in needed):
            return None
        codes = json.loads((folder / KNOWLEDGE).read_text(encoding="utf-8"))["codes"]
        titles = json.loads((folder / TITLES).read_text(encoding="utf-8"))
        clusters = np.load(folder / TITLE_CLUSTERS_FILE)
        index = ClusteredTitles.build(
            np.load(folder / TITLE_EMBEDDINGS_FILE), clusters["centroids"], clusters["cluster_of"]
        )
        # the piece table stays float16 as stored (23 MB, not 47): a name's mean of a few pieces loses nothing
        pieces = np.load(folder / QUERY_PIECES_FILE)
        encoder = PieceEncoder(pieces, folder / TOKENIZER_FILE, MAX_QUERY_TOKENS)
        return cls(encoder, codes, titles, index, settings)

    def embed(self, statements: Sequence[str]) -> npt.NDArray[np.float32]:
        return self.encoder([text.lower() for text in statements])

    def nearest(self, statement: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest titles of one statement (searched in its ``PROBE`` nearest clusters), nearest first."""
        key = (statement, k)
        if key not in self._nearest:
            if len(self._nearest) >= MEMO_SIZE:
                self._nearest.clear()
            self._nearest[key] = self._search(statement, k)
        return self._nearest[key]

    def _search(self, statement: str, k: int) -> list[tuple[str, float]]:
        query = self.embed([statement])[0]
        index = self.index
        probe = min(PROBE, len(index.centroids))
        clusters = np.argpartition(-(index.centroids @ query), probe - 1)[:probe]
        offsets = self._offsets
        # slices of ``blocks`` are views: each probed cluster's titles are scored where they lie, none copied
        spans = [(offsets[c], offsets[c + 1]) for c in clusters.tolist()]
        scores = np.concatenate([index.blocks[start:stop] @ query for start, stop in spans])
        rows = np.concatenate([np.arange(start, stop) for start, stop in spans])
        k = min(k, len(scores))
        head = np.argpartition(-scores, k - 1)[:k]
        top = head[np.argsort(-scores[head], kind="stable")]
        return [(self.codes[int(index.members[rows[i]])], float(scores[i])) for i in top.tolist()]

    def condition(self, statement: str, hcc_of: Callable[[str], tuple[str, ...]]) -> SemanticMatch | None:
        """The HCC-mapped code one statement's condition name names, or None: its ``agree`` nearest titles all map
        to one HCC and the nearest reaches ``condition_floor``. The code is the nearest title's, or a plain one's
        (unspecified, uncomplicated) as near within ``PLAIN_TIE``: the piece vectors do not tell a detail the name
        leaves out from one it states, and a name with no detail codes to the plain title."""
        s = self.settings
        name = condition_name(statement)
        if name is None:
            return None
        near = self.nearest(name, s.agree + 1)
        if len(near) < s.agree or near[0][1] < s.condition_floor:
            return None
        hccs = {hcc_of(code) for code, _ in near[: s.agree]}
        if len(hccs) != 1 or not next(iter(hccs)):
            return None
        agreeing = near[: s.agree]
        code, similarity = next(
            (
                (c, v)
                for c, v in agreeing
                if v >= agreeing[0][1] - PLAIN_TIE and _PLAIN_TITLE.search(self.titles[self.row[c]])
            ),
            agreeing[0],
        )
        return SemanticMatch(code, name, similarity, near[0][1])


def condition_name(statement: str) -> str | None:
    """The condition name opening an assessment statement: after a lead-in ("For the"), before its status or
    detail ("opiate addiction on Suboxone, stable" -> "opiate addiction on Suboxone"); None where it is too short
    to read or names the object of a test ("SDOH screen")."""
    lead = _LEAD_IN.match(statement)
    name = statement[lead.end() :] if lead is not None else statement
    end = _NAME_END.search(name)
    name = (name[: end.start()] if end is not None else name).strip()
    words = _CONTENT_WORD.findall(name)
    if len(words) < MIN_NAME_WORDS or qualifies_a_test(words[-1]):
        return None
    return name
