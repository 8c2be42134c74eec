"""Reviewed decisions: auto-tier accuracy and coder agreement from the review DB or a JSONL export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.reviewed import ReviewedSuggestion, load_reviewed_db, load_reviewed_jsonl, review_metrics

ROWS = [
    ReviewedSuggestion("ICD10CM", "E11.9", "auto", "auto_accepted"),
    ReviewedSuggestion("ICD10CM", "I10", "auto", "accepted"),
    ReviewedSuggestion("ICD10CM", "J44.9", "auto", "rejected"),
    ReviewedSuggestion("CPT", "99214", "review", "edited", "99213"),
    ReviewedSuggestion("ICD10CM", "E78.5", "review", "added", "E78.5"),
    ReviewedSuggestion("ICD10CM", "N18.4", "review", "pending"),
]


def test_reviewed_metrics_measure_auto_accuracy_and_agreement() -> None:
    metrics = review_metrics(ROWS)
    assert metrics["n_reviewed"] == 5
    assert metrics["auto"] == {"n": 3, "accuracy": 0.6667, "edited": 0.0, "rejected": 0.3333}
    assert metrics["agreement"] == {"n": 4, "accepted": 0.5, "edited": 0.25, "rejected": 0.25, "added": 1}
    assert metrics["by_system"]["CPT"]["edited"] == 1.0


def test_reviewed_jsonl_round_trip_and_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "reviewed.jsonl"
    path.write_text("".join(json.dumps(vars(r)) + "\n" for r in ROWS))
    assert load_reviewed_jsonl(path) == ROWS
    path.write_text('{"system": "CPT"}\n')
    with pytest.raises(ValueError, match=r"reviewed.jsonl:1: not a reviewed suggestion"):
        load_reviewed_jsonl(path)


def test_reviewed_db_reads_resolved_items_only(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'review.db'}"
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text("CREATE TABLE review_items (id INTEGER PRIMARY KEY, status TEXT)"))
        db.execute(
            text(
                "CREATE TABLE suggestions (id INTEGER PRIMARY KEY, item_id INTEGER, system TEXT, code TEXT, "
                "tier TEXT, status TEXT, final_code TEXT)"
            )
        )
        db.execute(text("INSERT INTO review_items VALUES (1, 'resolved'), (2, 'open')"))
        db.execute(
            text(
                "INSERT INTO suggestions VALUES (1, 1, 'ICD10CM', 'E11.9', 'auto', 'accepted', 'E11.9'), "
                "(2, 2, 'ICD10CM', 'I10', 'auto', 'rejected', NULL)"
            )
        )
    engine.dispose()
    assert load_reviewed_db(url) == [ReviewedSuggestion("ICD10CM", "E11.9", "auto", "accepted", "E11.9")]
