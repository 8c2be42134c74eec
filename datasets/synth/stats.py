"""Figures of the synthetic data card (datasets/README.md), recomputed from any encounter file.

``medcode synth-stats FILE`` prints them; ``--check datasets/README.md`` compares them with the figures embedded in
the card (the JSON block between the ``synth-stats`` markers) so "the card matches a fresh run" is one command.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from datasets.schema import Encounter

CARD_BEGIN = "<!-- synth-stats:begin -->"
CARD_END = "<!-- synth-stats:end -->"


def _shares(counter: Counter[str], total: int) -> dict[str, float]:
    return {key: round(count / total, 4) for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))}


def card_stats(encounters: Iterable[Encounter]) -> dict[str, Any]:
    """Distributions of a synthetic set: counts and shares by specialty, setting, status, visit kind, family,
    E/M level, services and flag types; clean share; note length."""
    counters: dict[str, Counter[str]] = {
        name: Counter()
        for name in (
            "specialty",
            "setting",
            "patient_status",
            "visit_kind",
            "phrasing_family",
            "payer",
            "em_code",
            "mdm_level",
            "services",
            "flags",
            "flags_per_claim",
            "planted_phi",
        )
    }
    lengths: list[int] = []
    n = timed = with_history = with_hcc = clean = modifier25 = 0
    for encounter in encounters:
        n += 1
        extra = encounter.model_extra or {}
        counters["specialty"][encounter.specialty or "?"] += 1
        counters["setting"][encounter.setting or "?"] += 1
        counters["patient_status"][encounter.patient_status or "?"] += 1
        counters["visit_kind"][str(extra.get("visit_kind", "?"))] += 1
        counters["phrasing_family"][str(extra.get("phrasing_family", "?"))] += 1
        counters["payer"][encounter.payer or "?"] += 1
        gold = encounter.gold
        if gold is not None:
            counters["em_code"][gold.em_code or "none"] += 1
            counters["mdm_level"][gold.mdm.level if gold.mdm and gold.mdm.level else "none"] += 1
            for service in gold.services:
                counters["services"][service.code] += 1
            with_hcc += bool(gold.hcc_v28)
            modifier25 += gold.em_modifier25
        for flag in encounter.expected_flags:
            counters["flags"][flag.type] += 1
        counters["flags_per_claim"][str(min(len(encounter.expected_flags), 3))] += 1
        clean += not encounter.expected_flags
        for kind in extra.get("planted_phi", []) or []:
            counters["planted_phi"][str(kind)] += 1
        timed += encounter.time_minutes is not None
        with_history += bool(encounter.history)
        lengths.append(len(encounter.text.split()))
    if n == 0:
        return {"n": 0}
    return {
        "n": n,
        "specialty": _shares(counters["specialty"], n),
        "setting": _shares(counters["setting"], n),
        "patient_status": _shares(counters["patient_status"], n),
        "visit_kind": _shares(counters["visit_kind"], n),
        "phrasing_family": _shares(counters["phrasing_family"], n),
        "payer": _shares(counters["payer"], n),
        "em_code": _shares(counters["em_code"], n),
        "mdm_level": _shares(counters["mdm_level"], n),
        "top_services": dict(counters["services"].most_common(25)),
        "flags_by_type": dict(sorted(counters["flags"].items(), key=lambda kv: (-kv[1], kv[0]))),
        "flags_per_claim": _shares(counters["flags_per_claim"], n),
        "clean_share": round(clean / n, 4),
        "em_modifier25_share": round(modifier25 / n, 4),
        "time_documented_share": round(timed / n, 4),
        "history_share": round(with_history / n, 4),
        "hcc_share": round(with_hcc / n, 4),
        "planted_phi": dict(sorted(counters["planted_phi"].items())),
        "note_words": {
            "mean": round(statistics.fmean(lengths), 1),
            "p10": sorted(lengths)[n // 10],
            "median": int(statistics.median(lengths)),
            "p90": sorted(lengths)[(9 * n) // 10],
        },
    }


def card_figures(readme: Path) -> dict[str, Any]:
    """The figures embedded in a data card between the synth-stats markers."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(re.escape(CARD_BEGIN) + r"\s*```json\s*(.*?)```\s*" + re.escape(CARD_END), text, re.S)
    if match is None:
        raise ValueError(f"SYN030 {readme} has no figures between {CARD_BEGIN} and {CARD_END}; regenerate the card.")
    figures: dict[str, Any] = json.loads(match.group(1))
    return figures


def compare(figures: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """Differences between card figures and a fresh run, as readable lines (empty when they match)."""
    diffs = []
    for key in sorted(set(figures) | set(fresh)):
        if figures.get(key) != fresh.get(key):
            diffs.append(
                f"{key}: card {json.dumps(figures.get(key))[:200]} != fresh {json.dumps(fresh.get(key))[:200]}"
            )
    return diffs
