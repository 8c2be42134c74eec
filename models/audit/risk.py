"""Encounter audit-risk score, the review ranking, and the provider-level summary.

The score is a noisy-OR over the flags: each flag is an independent chance that the encounter needs correction,
``weight(severity) x confidence x dollar factor``, so one confident compliance flag ranks above several small
denials, and a clean claim scores 0. The dollar factor ``0.5 + 0.5 x (1 - exp(-$ / scale))`` lets a large exposure
outrank a small one of the same kind without letting dollars alone decide.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from configs.audit import RiskWeights
from datasets.schema import FLAG_TYPES
from models.audit.codes import is_visit
from models.audit.flags import AuditFlag, EncounterAudit


def flag_dollars(flag: AuditFlag) -> float:
    impact = flag.dollar_impact
    return 0.0 if impact is None or impact.amount is None else impact.amount


def risk_score(flags: Iterable[AuditFlag], weights: RiskWeights) -> float:
    """Noisy-OR of the flags' weighted confidences, in [0, 1] (0 for a clean claim)."""
    clean = 1.0
    for flag in flags:
        weight = getattr(weights, flag.severity)
        dollars = 0.5 + 0.5 * (1.0 - math.exp(-flag_dollars(flag) / weights.dollars_scale))
        clean *= 1.0 - min(1.0, weight * flag.confidence * dollars)
    return round(1.0 - clean, 4)


def split_dollars(flags: Iterable[AuditFlag]) -> tuple[float, float]:
    """(dollars at risk: overpayments and denials, dollars of opportunity: revenue left out)."""
    at_risk = opportunity = 0.0
    for flag in flags:
        impact = flag.dollar_impact
        if impact is None or impact.amount is None:
            continue
        if impact.direction == "underpayment":
            opportunity += impact.amount
        else:
            at_risk += impact.amount
    return round(at_risk, 2), round(opportunity, 2)


def rank_for_review(audits: Iterable[EncounterAudit]) -> list[EncounterAudit]:
    """Encounters in review order: highest risk first, then the most dollars at stake, then id (stable)."""
    return sorted(audits, key=lambda a: (-a.risk_score, -(a.dollars_at_risk + a.dollars_opportunity), a.encounter_id))


@dataclass
class ProviderSummary:
    """What a compliance lead reads about one provider's audited encounters."""

    provider_id: str
    encounters: int = 0
    em_levels: Counter[str] = field(default_factory=Counter)
    flag_counts: Counter[str] = field(default_factory=Counter)
    encounters_flagged: int = 0
    dollars_at_risk: float = 0.0
    dollars_opportunity: float = 0.0
    mean_risk: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        n = max(self.encounters, 1)
        return {
            "provider_id": self.provider_id,
            "encounters": self.encounters,
            "em_level_distribution": {code: round(c / n, 4) for code, c in sorted(self.em_levels.items())},
            "em_level_counts": dict(sorted(self.em_levels.items())),
            "flag_rate": round(self.encounters_flagged / n, 4),
            "flag_rates": {t: round(c / n, 4) for t, c in sorted(self.flag_counts.items())},
            "dollars_at_risk": round(self.dollars_at_risk, 2),
            "dollars_opportunity": round(self.dollars_opportunity, 2),
            "mean_risk": round(self.mean_risk, 4),
        }


def provider_summary(audits: Iterable[EncounterAudit]) -> list[dict[str, Any]]:
    """One summary per provider (``"unknown"`` when the encounter has none): E/M level distribution of the billed
    visits, share of encounters with each flag type, dollars at risk and of opportunity, mean risk score."""
    by_provider: dict[str, ProviderSummary] = {}
    risk_sums: defaultdict[str, float] = defaultdict(float)
    for audit in audits:
        pid = audit.provider_id or "unknown"
        summary = by_provider.setdefault(pid, ProviderSummary(pid))
        summary.encounters += 1
        if audit.billed_em and is_visit(audit.billed_em):
            summary.em_levels[audit.billed_em] += 1
        for flag_type in {f.type for f in audit.flags}:
            summary.flag_counts[flag_type] += 1
        summary.encounters_flagged += bool(audit.flags)
        summary.dollars_at_risk += audit.dollars_at_risk
        summary.dollars_opportunity += audit.dollars_opportunity
        risk_sums[pid] += audit.risk_score
    for pid, summary in by_provider.items():
        summary.mean_risk = risk_sums[pid] / max(summary.encounters, 1)
    return [by_provider[p].to_dict() for p in sorted(by_provider)]


def flag_table(audits: Iterable[EncounterAudit]) -> dict[str, dict[str, float]]:
    """Flags by type: count and dollars (the CLI summary table); DESIGN.md types first, then extensions."""
    table: dict[str, dict[str, float]] = {}
    for audit in audits:
        for flag in audit.flags:
            row = table.setdefault(flag.type, {"flags": 0, "dollars": 0.0})
            row["flags"] += 1
            row["dollars"] += flag_dollars(flag)
    order = [t for t in FLAG_TYPES if t in table] + sorted(t for t in table if t not in FLAG_TYPES)
    return {t: {"flags": table[t]["flags"], "dollars": round(table[t]["dollars"], 2)} for t in order}
