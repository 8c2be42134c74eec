"""Coders' reviewed decisions on suggestions: auto-tier accuracy and coder agreement, for the batch report.

Two sources, one row shape (``system, code, tier, status, final_code``):

- the review-queue database (any SQLAlchemy URL, e.g. ``sqlite:///var/medcode.db``): suggestions of resolved review
  items, read with plain SQL over the ``suggestions`` and ``review_items`` tables so evaluation does not import the
  service;
- a JSONL export with one such object a line (``status``: accepted | edited | rejected | added | auto_accepted).

Metrics (pending suggestions are left out):

- auto-tier accuracy: of the reviewed suggestions routed to the ``auto`` tier, the share the coder left standing
  (``accepted`` or ``auto_accepted``) rather than editing or rejecting;
- coder agreement: of all reviewed suggestions, the share accepted unchanged, edited, rejected, per system, plus the
  codes coders added that no suggestion proposed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEPT = frozenset({"accepted", "auto_accepted"})
REVIEWED = frozenset({"accepted", "auto_accepted", "edited", "rejected", "added"})


@dataclass(frozen=True)
class ReviewedSuggestion:
    """One suggestion after review."""

    system: str
    code: str
    tier: str
    status: str
    final_code: str | None = None


def load_reviewed_jsonl(path: str | Path) -> list[ReviewedSuggestion]:
    """Reviewed suggestions from a JSONL file (one object a line with the dataclass's fields).

    Raises:
        ValueError: a line is not JSON or lacks a field; the message names the file and line.
    """
    rows: list[ReviewedSuggestion] = []
    source = Path(path)
    with source.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                rows.append(
                    ReviewedSuggestion(
                        system=str(obj["system"]),
                        code=str(obj["code"]),
                        tier=str(obj.get("tier", "review")),
                        status=str(obj["status"]),
                        final_code=obj.get("final_code"),
                    )
                )
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(
                    f"{source.name}:{number}: not a reviewed suggestion ({type(error).__name__}: {error}); each line "
                    "needs system, code, tier and status."
                ) from None
    return rows


def load_reviewed_db(url: str) -> list[ReviewedSuggestion]:
    """Reviewed suggestions of resolved review items from the review-queue database at ``url``."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    query = text(
        "SELECT s.system, s.code, s.tier, s.status, s.final_code FROM suggestions s "
        "JOIN review_items r ON r.id = s.item_id WHERE r.status = 'resolved'"
    )
    try:
        with engine.connect() as connection:
            return [ReviewedSuggestion(*row) for row in connection.execute(query)]
    finally:
        engine.dispose()


def review_metrics(rows: list[ReviewedSuggestion]) -> dict[str, Any]:
    """Auto-tier accuracy and coder agreement (see the module docstring); ``n_reviewed`` 0 when nothing was."""
    reviewed = [r for r in rows if r.status in REVIEWED]
    auto = [r for r in reviewed if r.tier == "auto" and r.status != "added"]
    suggested = [r for r in reviewed if r.status != "added"]
    by_system: dict[str, Counter[str]] = defaultdict(Counter)
    for row in reviewed:
        by_system[row.system][row.status] += 1

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    systems = {}
    for system, counts in sorted(by_system.items()):
        n = sum(v for k, v in counts.items() if k != "added")
        systems[system] = {
            "n": n,
            "accepted": share(counts["accepted"] + counts["auto_accepted"], n),
            "edited": share(counts["edited"], n),
            "rejected": share(counts["rejected"], n),
            "added": counts["added"],
        }
    statuses = Counter(r.status for r in suggested)
    return {
        "n_reviewed": len(reviewed),
        "auto": {
            "n": len(auto),
            "accuracy": share(sum(r.status in KEPT for r in auto), len(auto)),
            "edited": share(sum(r.status == "edited" for r in auto), len(auto)),
            "rejected": share(sum(r.status == "rejected" for r in auto), len(auto)),
        },
        "agreement": {
            "n": len(suggested),
            "accepted": share(statuses["accepted"] + statuses["auto_accepted"], len(suggested)),
            "edited": share(statuses["edited"], len(suggested)),
            "rejected": share(statuses["rejected"], len(suggested)),
            "added": sum(r.status == "added" for r in reviewed),
        },
        "by_system": systems,
        "by_tier": {
            tier: {
                "n": len(group),
                "kept": share(sum(r.status in KEPT for r in group), len(group)),
            }
            for tier in sorted({r.tier for r in suggested})
            if (group := [r for r in suggested if r.tier == tier])
        },
    }
