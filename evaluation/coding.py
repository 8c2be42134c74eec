"""E/M, service and HCC metrics with exactly the DESIGN.md ``evaluate`` keys.

- em: ``n, exact_accuracy, within_one_accuracy, confusion`` ({gold: {predicted: count}}). Within one level means the
  same E/M family (category and patient status) and at most one step apart; a preventive or absent code counts as
  within one only when exact.
- services, hcc: ``n, precision, recall, f1`` (micro over encounters). A service matches on (code, units); an HCC
  on its V28 category.

Predictions are made from the encounter without its labels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from datasets.codesets.em import em_rank
from datasets.schema import Encounter

EM_KEYS: tuple[str, ...] = ("n", "exact_accuracy", "within_one_accuracy", "confusion")
PRF_KEYS: tuple[str, ...] = ("n", "precision", "recall", "f1")


def within_one(gold: str | None, predicted: str | None) -> bool:
    """Same E/M family and at most one level apart (exact match for codes outside the level tables)."""
    if gold == predicted:
        return True
    if gold is None or predicted is None:
        return False
    g, p = em_rank(gold), em_rank(predicted)
    if g is None or p is None:
        return False
    return g[0] == p[0] and g[1] == p[1] and abs(g[2] - p[2]) <= 1


def em_metrics(pairs: Sequence[tuple[str | None, str | None]]) -> dict[str, Any]:
    """E/M metrics over (gold, predicted) code pairs; ``None`` is written ``"none"`` in the confusion table."""
    confusion: dict[str, dict[str, int]] = {}
    exact = near = 0
    for gold, predicted in pairs:
        exact += gold == predicted
        near += within_one(gold, predicted)
        row = confusion.setdefault(gold or "none", {})
        row[predicted or "none"] = row.get(predicted or "none", 0) + 1
    n = len(pairs)
    return {
        "n": n,
        "exact_accuracy": exact / n if n else 0.0,
        "within_one_accuracy": near / n if n else 0.0,
        "confusion": confusion,
    }


def prf(pairs: Iterable[tuple[Counter[Any], Counter[Any]]]) -> dict[str, Any]:
    """Micro precision/recall/F1 over (gold multiset, predicted multiset) pairs."""
    tp = n_pred = n_gold = n = 0
    for gold, predicted in pairs:
        n += 1
        tp += sum((gold & predicted).values())
        n_pred += sum(predicted.values())
        n_gold += sum(gold.values())
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": n, "precision": precision, "recall": recall, "f1": f1}


def evaluate_em(encounters: Sequence[Encounter], predict: Callable[[Encounter], str | None]) -> dict[str, Any]:
    """E/M metrics of ``predict`` (called on each encounter without labels)."""
    pairs = [(e.gold.em_code if e.gold else None, predict(e.without_labels())) for e in encounters]
    return em_metrics(pairs)


def evaluate_services(
    encounters: Sequence[Encounter], predict: Callable[[Encounter], list[tuple[str, int]]]
) -> dict[str, Any]:
    """Service metrics: a predicted line is right when its code and units equal a gold service line's."""
    pairs = []
    for e in encounters:
        gold = Counter((s.code, s.units) for s in (e.gold.services if e.gold else []))
        pairs.append((gold, Counter(predict(e.without_labels()))))
    return prf(pairs)


def evaluate_hcc(encounters: Sequence[Encounter], predict: Callable[[Encounter], list[str]]) -> dict[str, Any]:
    """HCC metrics on V28 categories (gold ``hcc_v28``)."""
    pairs = []
    for e in encounters:
        gold = Counter(set(e.gold.hcc_v28 if e.gold else []))
        pairs.append((gold, Counter(set(predict(e.without_labels())))))
    return prf(pairs)
