"""Audit metrics with exactly the DESIGN.md ``evaluate --task audit`` keys, and the runner that produces them.

A predicted flag matches an expected one by type plus the first key field (E/M types by type alone), as
:func:`datasets.schema.flag_match_key` defines. Per encounter the predicted and expected keys are sets; true positives
are their intersection. ``clean_claim_specificity`` is the share of encounters without expected flags that the
engine leaves without flags. Flags of extension types (``payer_rule``) have no gold and are not scored.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from datasets.io import read_encounters
from datasets.schema import FLAG_TYPES, Encounter

AUDIT_METRIC_KEYS: tuple[str, ...] = (
    "n",
    "micro_precision",
    "micro_recall",
    "micro_f1",
    "clean_claim_specificity",
    "per_type",
)
Key = tuple[str, str | None]


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def audit_metrics(predicted: Sequence[Iterable[Key]], expected: Sequence[Iterable[Key]]) -> dict[str, Any]:
    """Micro P/R/F1, clean-claim specificity and per-type P/R/F1/support.

    Args:
        predicted: per encounter, the match keys of the predicted flags.
        expected: per encounter, the match keys of the expected flags (same order).

    Returns:
        The DESIGN.md audit keys plus ``per_type`` counts (``tp``, ``fp``, ``fn``) and ``n_clean``.
    """
    if len(predicted) != len(expected):
        raise ValueError(f"predicted has {len(predicted)} encounters and expected {len(expected)}; they must match.")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    clean = clean_ok = 0
    for pred_keys, gold_keys in zip(predicted, expected, strict=True):
        pred = {k for k in pred_keys if k[0] in FLAG_TYPES}
        gold = {k for k in gold_keys if k[0] in FLAG_TYPES}
        for key in pred & gold:
            tp[key[0]] += 1
        for key in pred - gold:
            fp[key[0]] += 1
        for key in gold - pred:
            fn[key[0]] += 1
        if not gold:
            clean += 1
            clean_ok += not pred
    t, f_p, f_n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    precision, recall = _ratio(t, t + f_p), _ratio(t, t + f_n)
    per_type: dict[str, dict[str, float]] = {}
    for flag_type in FLAG_TYPES:
        p = _ratio(tp[flag_type], tp[flag_type] + fp[flag_type])
        r = _ratio(tp[flag_type], tp[flag_type] + fn[flag_type])
        per_type[flag_type] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(_f1(p, r), 4),
            "support": tp[flag_type] + fn[flag_type],
            "tp": tp[flag_type],
            "fp": fp[flag_type],
            "fn": fn[flag_type],
        }
    return {
        "n": len(predicted),
        "micro_precision": round(precision, 4),
        "micro_recall": round(recall, 4),
        "micro_f1": round(_f1(precision, recall), 4),
        "clean_claim_specificity": round(_ratio(clean_ok, clean), 4),
        "per_type": per_type,
        "n_clean": clean,
    }


def evaluate_audit(
    encounters: Iterable[Encounter], engine: Any | None = None, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Audit labelled encounters with ``engine`` (the default engine when None) and score the flags.

    The engine sees each encounter without its labels; only this function reads ``expected_flags``.

    Args:
        encounters: encounters with ``expected_flags`` (and a ``claim``).
        engine: anything with ``audit(encounter) -> EncounterAudit``.
        errors: when given, receives ``{encounter_id, type, key, kind}`` for every false positive and negative.
    """
    if engine is None:
        from models.audit import load_default_engine

        engine = load_default_engine()
    predicted: list[set[Key]] = []
    expected: list[set[Key]] = []
    started = time.perf_counter()
    for encounter in encounters:
        gold = {flag.match_key() for flag in encounter.expected_flags}
        result = engine.audit(encounter.without_labels())
        pred = {flag.match_key() for flag in result.flags}
        predicted.append(pred)
        expected.append(gold)
        if errors is not None:
            for kind, keys in (("fp", pred - gold), ("fn", gold - pred)):
                for key in sorted(keys, key=str):
                    if key[0] in FLAG_TYPES:
                        errors.append({"encounter_id": encounter.encounter_id, "type": key[0], "key": key[1],
                                       "kind": kind})  # fmt: skip
    metrics = audit_metrics(predicted, expected)
    metrics["seconds"] = round(time.perf_counter() - started, 3)
    return metrics


def run(data: Path, engine: Any | None = None) -> dict[str, Any]:
    """``medcode evaluate --task audit``: the metrics of the default engine on a labelled JSONL/CSV/Parquet file."""
    return evaluate_audit(read_encounters(data), engine)
