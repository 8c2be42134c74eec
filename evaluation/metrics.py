"""ICD-10-CM suggestion metrics with exactly the DESIGN.md ``evaluate --task icd10`` keys.

Inputs are plain lists so that any suggester (ONNX, reference, baseline) is scored by the same code:
``ranked[d]`` is document d's ranked ``(code, calibrated probability)`` list, best first, and ``gold[d]`` its gold
codes. MAP follows CodiEsp: per document, the precision at the rank of each gold code found, summed and divided by
the number of gold codes; then the mean over documents.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ICD10_METRIC_KEYS: tuple[str, ...] = (
    "n_docs",
    "map",
    "micro_precision",
    "micro_recall",
    "micro_f1",
    "macro_f1",
    "p_at_5",
    "p_at_8",
    "recall_at_15",
    "ece",
    "auto_precision",
    "auto_coverage",
)
Ranked = Sequence[Sequence[tuple[str, float]]]


def average_precision(ranked_codes: Sequence[str], gold: set[str]) -> float:
    """CodiEsp average precision of one ranked list (0 when the document has no gold code)."""
    if not gold:
        return 0.0
    hits, total = 0, 0.0
    for rank, code in enumerate(ranked_codes, start=1):
        if code in gold:
            hits += 1
            total += hits / rank
    return total / len(gold)


def expected_calibration_error(probs: Sequence[float], outcomes: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error with equal-width bins: sum over bins of |accuracy - confidence| x share."""
    if not probs:
        return 0.0
    p = np.asarray(probs, dtype=np.float64)
    o = np.asarray(outcomes, dtype=np.float64)
    index = np.minimum((p * bins).astype(int), bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            ece += abs(o[mask].mean() - p[mask].mean()) * mask.sum() / len(p)
    return float(ece)


def _f1(tp: int, n_pred: int, n_gold: int) -> float:
    return 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0


def ranking_metrics(
    ranked: Ranked, gold: Sequence[Sequence[str]], decision_threshold: float, auto_threshold: float
) -> dict[str, float]:
    """All DESIGN.md icd10 metrics for ranked suggestions.

    Args:
        ranked: per document, ``(code, probability)`` best first.
        gold: per document, the gold codes.
        decision_threshold: a suggestion with probability at or above it counts as predicted (precision/recall/F1).
        auto_threshold: a suggestion at or above it is routed to the auto tier.
    """
    if len(ranked) != len(gold):
        raise ValueError(f"ranked has {len(ranked)} documents but gold has {len(gold)}; they must align.")
    aps, p5, p8, r15 = [], [], [], []
    tp = n_pred = n_gold = 0
    auto_tp = auto_n = 0
    probs: list[float] = []
    outcomes: list[bool] = []
    per_code: dict[str, list[int]] = {}  # code -> [tp, predicted, gold]
    for suggestions, gold_codes in zip(ranked, gold, strict=True):
        g = set(gold_codes)
        codes = [c for c, _ in suggestions]
        for code in g:
            per_code.setdefault(code, [0, 0, 0])[2] += 1
        n_gold += len(g)
        if g:
            aps.append(average_precision(codes, g))
            p5.append(sum(c in g for c in codes[:5]) / 5)
            p8.append(sum(c in g for c in codes[:8]) / 8)
            r15.append(sum(c in g for c in codes[:15]) / len(g))
        for code, p in suggestions:
            hit = code in g
            probs.append(p)
            outcomes.append(hit)
            if p >= decision_threshold:
                n_pred += 1
                tp += hit
                stats = per_code.setdefault(code, [0, 0, 0])
                stats[1] += 1
                stats[0] += hit
            if p >= auto_threshold:
                auto_n += 1
                auto_tp += hit
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    macro = [_f1(s[0], s[1], s[2]) for s in per_code.values()]
    return {
        "n_docs": len(ranked),
        "map": float(np.mean(aps)) if aps else 0.0,
        "micro_precision": precision,
        "micro_recall": recall,
        "micro_f1": _f1(tp, n_pred, n_gold),
        "macro_f1": float(np.mean(macro)) if macro else 0.0,
        "p_at_5": float(np.mean(p5)) if p5 else 0.0,
        "p_at_8": float(np.mean(p8)) if p8 else 0.0,
        "recall_at_15": float(np.mean(r15)) if r15 else 0.0,
        "ece": expected_calibration_error(probs, outcomes),
        "auto_precision": auto_tp / auto_n if auto_n else 0.0,
        "auto_coverage": auto_tp / n_gold if n_gold else 0.0,
    }
