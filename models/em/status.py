"""Learned problem status: which course a clause of an assessment item says a problem takes.

The AMA table grades a problem by its status (stable chronic, worsening, severe exacerbation, new with an uncertain
outcome, acute with systemic symptoms, threat to life ...), and physicians word it in endless ways ("in good order on
the existing regimen", "drifting above target", "acute, with rigors and systemic upset"). A cue list only knows the
wordings it was written from; this model reads word and word-piece features of a clause, so a synonym or another
inflection of a known wording ("deteriorating", "decompensating") still points to the status it shares words or
stems with. It is a multinomial logistic regression fitted by :mod:`training.coding.em_status` on the status wordings
of the synthetic train and validation phrasing families (one example per wording) against clauses that state no
status (findings, plans, history sentences: class ``none``); see ``data/em_status_v1.json`` for the families used.

Example: ``classify_clause("in good order on the existing regimen")`` -> ``("chronic_stable", 0.8...)``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

NONE = "none"
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")
# clause boundaries inside an item: sentence and list marks, brackets, a dash set off by spaces, a line break
_CLAUSE = re.compile(r"[.;:()\[\]|\n]+|\s-{1,2}\s|\s->\s")


def features(text: str) -> list[str]:
    """The clause's features: words, word pairs and the 3- to 5-letter pieces of each word (with its boundaries),
    so that "deteriorating" shares pieces with "deterioration" and "decompensating" with "decompensated"."""
    words = WORD.findall(text.lower())
    out = [f"w:{w}" for w in words]
    out += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
    for word in words:
        out += word_pieces(word)
    return out


def word_pieces(word: str) -> list[str]:
    """The 3- to 5-letter pieces of one word, its boundaries marked (``<dete``, ``ing>``)."""
    padded = f"<{word}>"
    return [f"c:{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]


def clauses(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the clauses of ``text`` that hold a word."""
    position = 0
    for boundary in [*_CLAUSE.finditer(text), None]:
        stop = len(text) if boundary is None else boundary.start()
        chunk = text[position:stop]
        if WORD.search(chunk):
            lead = len(chunk) - len(chunk.lstrip())
            yield position + lead, position + len(chunk.rstrip())
        if boundary is not None:
            position = boundary.end()


@dataclass(frozen=True)
class StatusModel:
    """Fitted weights: feature -> row of ``weights`` (one column per label), plus the bias per label."""

    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    weights: np.ndarray
    bias: np.ndarray
    threshold: float

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> StatusModel:
        labels = tuple(payload["labels"])
        vocabulary = {name: i for i, name in enumerate(payload["features"])}
        weights = np.asarray(payload["weights"], dtype=np.float64).reshape(len(vocabulary), len(labels))
        return cls(labels, vocabulary, weights, np.asarray(payload["bias"], dtype=np.float64), payload["threshold"])

    def probabilities(self, text: str) -> dict[str, float]:
        """Probability of each label (``none`` included) for one clause."""
        rows = [self.vocabulary[f] for f in set(features(text)) if f in self.vocabulary]
        scores = self.bias + (self.weights[rows].sum(axis=0) if rows else 0.0)
        exp = np.exp(scores - scores.max())
        return dict(zip(self.labels, (exp / exp.sum()).tolist(), strict=True))

    def classify_clause(self, text: str) -> tuple[str, float]:
        """The clause's most probable label and its probability."""
        probs = self.probabilities(text)
        label = max(probs, key=probs.__getitem__)
        return label, probs[label]

    def status(self, text: str, start: int = 0) -> tuple[str, int, int] | None:
        """The status the clauses of ``text[start:]`` state, with the span of the clause that states it: the clause
        most surely stating a status, when its probability reaches the fitted threshold; None when none does."""
        best: tuple[float, str, int, int] | None = None
        for a, b in clauses(text[start:]):
            label, prob = self.classify_clause(text[start + a : start + b])
            if label != NONE and prob >= self.threshold and (best is None or prob > best[0]):
                best = (prob, label, start + a, start + b)
        return None if best is None else (best[1], best[2], best[3])


@lru_cache(maxsize=1)
def default_status_model() -> StatusModel:
    """The shipped model (``models/em/data/em_status_v1.json``)."""
    text = (resources.files("models.em") / "data" / "em_status_v1.json").read_text(encoding="utf-8")
    return StatusModel.from_dict(json.loads(text))
