"""A second opinion on the MDM level, read from the whole note's words rather than from cue wordings.

The E/M readers (:mod:`models.em.components`) recognise the problems, data and risk of a note by cue wordings. A
writer whose wording they have not met can make them miss one moderate element, and the level then reads one step low;
the confidence model, fitted on notes the readers read right, cannot know that. Each new writer family showed this at
first (false ``em_overcoded`` flags), so the audit asks a second reader that does not depend on any cue list before it
says a claim is overcoded: a multinomial logistic regression over the note's words, word pairs and word pieces, fitted
by :mod:`training.coding.em_second_opinion` on the gold level of each MDM element (problems, data, risk) of
synthetic notes of many writers. Only features
that many writers share are kept (the conditions, drugs, tests, results and orders a note documents, not one writer's
turn of phrase), so that it reads what is documented, not how.

Example: ``default_second_opinion().probability_below(note, "moderate", {"problems": "low", "data": "moderate",
"risk": "low"})`` is near 0 for a note documenting two chronic problems whose wording the problems reader missed,
a lab review and prescription drug management.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from models.em.status import WORD, word_pieces

MDM_ORDER: tuple[str, ...] = ("straightforward", "low", "moderate", "high")
# an element's levels, in the order of MDM_ORDER (a straightforward MDM needs a minimal element)
ELEMENT_ORDER: tuple[str, ...] = ("minimal", "low", "moderate", "high")
ELEMENTS: tuple[str, ...] = ("problems", "data", "risk")


def note_features(text: str) -> set[str]:
    """The note's features, present or not: words, adjacent word pairs and the 3- to 5-letter pieces of each word
    (with its boundaries), so that another inflection of a documented term still shares most of its features."""
    words = WORD.findall(text.lower())
    out = {f"w:{w}" for w in words}
    out.update(f"b:{a}_{b}" for a, b in itertools.pairwise(words))
    for word in set(words):
        out.update(word_pieces(word))
    return out


_WORD_CACHE_LIMIT = 100_000


@dataclass(frozen=True)
class MdmSecondOpinion:
    """Fitted weights: feature -> row of ``weights``, whose columns are the levels of :data:`ELEMENT_ORDER` for each
    element of :data:`ELEMENTS` in turn, plus the bias of each column."""

    version: str
    vocabulary: dict[str, int]
    weights: np.ndarray
    bias: np.ndarray
    # word -> the rows of its word and word-piece features: a note's words mostly recur from note to note, and the
    # pieces are most of the cost of reading a note
    _word_rows: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> MdmSecondOpinion:
        if tuple(payload["levels"]) != ELEMENT_ORDER:
            raise ValueError(f"EM130 second-opinion levels {payload['levels']} must be {ELEMENT_ORDER}; refit it.")
        vocabulary = {name: i for i, name in enumerate(payload["features"])}
        shape = (len(vocabulary), len(ELEMENT_ORDER))
        weights = np.hstack([np.asarray(payload["weights"][e], dtype=np.float64).reshape(shape) for e in ELEMENTS])
        bias = np.concatenate([np.asarray(payload["bias"][e], dtype=np.float64) for e in ELEMENTS])
        return cls(payload["version"], vocabulary, weights, bias)

    def _rows(self, text: str) -> list[int]:
        """The rows of the note's features (as :func:`note_features` lists them) that the model knows."""
        words = WORD.findall(text.lower())
        vocabulary = self.vocabulary
        rows: set[int] = set()
        if len(self._word_rows) > _WORD_CACHE_LIMIT:
            self._word_rows.clear()
        for word in set(words):
            known = self._word_rows.get(word)
            if known is None:
                names = [f"w:{word}", *word_pieces(word)]
                known = self._word_rows[word] = tuple(i for n in names if (i := vocabulary.get(n)) is not None)
            rows.update(known)
        rows.update(i for a, b in itertools.pairwise(words) if (i := vocabulary.get(f"b:{a}_{b}")) is not None)
        return list(rows)

    def element_probabilities(self, text: str) -> dict[str, dict[str, float]]:
        """Element -> probability of each of its levels, for the note."""
        rows = self._rows(text)
        scores = self.bias + (self.weights[rows].sum(axis=0) if rows else 0.0)
        out: dict[str, dict[str, float]] = {}
        width = len(ELEMENT_ORDER)
        for k, element in enumerate(ELEMENTS):
            column = scores[k * width : (k + 1) * width]
            exp = np.exp(column - column.max())
            out[element] = dict(zip(ELEMENT_ORDER, (exp / exp.sum()).tolist(), strict=True))
        return out

    def probability_below(self, text: str, level: str, read: dict[str, str] | None = None) -> float:
        """Probability that the note's MDM is below ``level`` (one of :data:`MDM_ORDER`): that fewer than two of
        the three elements reach it (AMA 2-of-3).

        ``read`` holds the element levels the rule readers found: their failure on an unseen wording is a missed
        element, seldom an invented one, so an element they read at ``level`` or above counts as met and the
        second opinion only weighs the elements they may have missed. Elements are taken as independent.
        """
        if level not in MDM_ORDER:
            raise ValueError(f"EM131 unknown MDM level {level!r}; use one of {MDM_ORDER}.")
        rank = MDM_ORDER.index(level)
        probs = self.element_probabilities(text)
        meets = []
        for element in ELEMENTS:
            found = (read or {}).get(element)
            if found in ELEMENT_ORDER and ELEMENT_ORDER.index(found) >= rank:
                meets.append(1.0)
            else:
                meets.append(sum(probs[element][name] for name in ELEMENT_ORDER[rank:]))
        a, b, c = meets
        return 1.0 - (a * b + a * c + b * c - 2.0 * a * b * c)


@lru_cache(maxsize=1)
def default_second_opinion() -> MdmSecondOpinion:
    """The shipped model (``models/em/data/em_second_opinion_v1.json``)."""
    text = (resources.files("models.em") / "data" / "em_second_opinion_v1.json").read_text(encoding="utf-8")
    return MdmSecondOpinion.from_dict(json.loads(text))
