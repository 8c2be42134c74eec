"""NCCI acceptance check: active PTP pairs billed without modifiers must all be flagged; deleted pairs never.

Samples (seeded) ``n`` pairs with modifier indicator 0 or 1 that are active on the date of service from the
practitioner PTP table in force on that date, bills each as a two-line claim without modifiers and counts the pairs
the engine does not report. A pair whose column 2 is a problem-oriented E/M visit is reported as
``missing_modifier_25`` (the fix is 25 on the visit), which counts as caught and is listed separately. Then samples
pairs whose every row was deleted before the date of service and counts ``ncci_ptp_conflict`` flags naming them
(false flags). Run: ``python -m evaluation.ncci_acceptance --n 1000 --seed 7``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import time
from typing import Any

from datasets.codesets import CodeSets
from datasets.codesets.cms import CmsTables
from datasets.schema import Encounter


def _connect(cms: CmsTables) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{cms.index_path}?mode=ro", uri=True)


def sample_pairs(
    cms: CmsTables, date_of_service: dt.date, n: int, seed: int, *, deleted: bool
) -> list[tuple[str, str, int]]:
    """``n`` distinct pairs (column1, column2, indicator) active on the date, or deleted before it when ``deleted``.

    Deleted pairs are kept only when no row of the same ordered pair is active on the date (an edit deleted and
    re-added is still active).
    """
    version = cms.version_on("ncci_ptp", date_of_service)
    day = date_of_service.isoformat()
    with _connect(cms) as connection:
        low, high = connection.execute(
            "SELECT min(rowid), max(rowid) FROM ncci_ptp WHERE version = ?", (version,)
        ).fetchone()
        rng = random.Random(seed)
        chosen: dict[tuple[str, str], int] = {}
        attempts = 0
        while len(chosen) < n and attempts < n * 400:
            attempts += 1
            row = connection.execute(
                "SELECT column1, column2, modifier_indicator, deletion_date FROM ncci_ptp"
                " WHERE rowid = ? AND version = ?",
                (rng.randint(low, high), version),
            ).fetchone()
            if row is None:
                continue
            c1, c2, indicator, deletion = str(row[0]), str(row[1]), int(row[2]), row[3]
            if indicator not in (0, 1) or c1 == c2 or (c1, c2) in chosen:
                continue
            active = not deletion or str(deletion) > day
            if deleted:
                if active or cms.ptp_edit(c1, c2, date_of_service) is not None:
                    continue
            elif not active:
                continue
            chosen[(c1, c2)] = indicator
    return [(c1, c2, mi) for (c1, c2), mi in chosen.items()]


def _claim(c1: str, c2: str, date_of_service: dt.date, index: int) -> Encounter:
    return Encounter.model_validate(
        {
            "encounter_id": f"ncci-{index}",
            "text": "NCCI acceptance claim (no note).",
            "date_of_service": date_of_service.isoformat(),
            "setting": "office",
            "claim": {"lines": [{"code": c1}, {"code": c2}]},
        }
    )


def run(n: int = 1000, seed: int = 7, date_of_service: dt.date = dt.date(2024, 8, 1)) -> dict[str, Any]:
    """Misses on active pairs and false flags on deleted pairs (claim-only engine, no models needed)."""
    from configs.audit import AuditConfig
    from models.audit import AuditEngine

    codesets = CodeSets.from_settings()
    cms = codesets.cms
    engine = AuditEngine(codesets=codesets, config=AuditConfig(checks=["audit.ncci_ptp.v1", "audit.modifier25.v1"]))
    started = time.perf_counter()
    active = sample_pairs(cms, date_of_service, n, seed, deleted=False)
    misses: list[tuple[str, str, int]] = []
    as_modifier25 = 0
    for i, (c1, c2, indicator) in enumerate(active):
        flags = engine.audit(_claim(c1, c2, date_of_service, i)).flags
        if any(f.type == "ncci_ptp_conflict" and (f.column1, f.column2) == (c1, c2) for f in flags):
            continue
        if any(f.type == "missing_modifier_25" and f.code == c2 for f in flags):
            as_modifier25 += 1
            continue
        misses.append((c1, c2, indicator))
    deleted = sample_pairs(cms, date_of_service, n, seed + 1, deleted=True)
    false_flags: list[tuple[str, str]] = []
    reverse_active = 0
    for i, (c1, c2, _) in enumerate(deleted):
        flags = engine.audit(_claim(c1, c2, date_of_service, i)).flags
        if any(f.type == "ncci_ptp_conflict" and (f.column1, f.column2) == (c1, c2) for f in flags):
            false_flags.append((c1, c2))
        reverse_active += any(f.type in ("ncci_ptp_conflict", "missing_modifier_25") for f in flags)
    return {
        "date_of_service": date_of_service.isoformat(),
        "ptp_version": cms.version_on("ncci_ptp", date_of_service),
        "seed": seed,
        "active_pairs": len(active),
        "active_indicator0": sum(1 for *_, mi in active if mi == 0),
        "active_indicator1": sum(1 for *_, mi in active if mi == 1),
        "misses": len(misses),
        "missed_pairs": misses[:20],
        "reported_as_missing_modifier_25": as_modifier25,
        "deleted_pairs": len(deleted),
        "false_flags": len(false_flags),
        "false_flag_pairs": false_flags[:20],
        "deleted_claims_flagged_by_another_active_edit": reverse_active,
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2024, 8, 1))
    args = parser.parse_args()
    print(json.dumps(run(args.n, args.seed, args.date), indent=2))


if __name__ == "__main__":
    main()
