"""200 concurrent review decisions, on SQLite and PostgreSQL: none is lost, every status is right."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from serving.db.tables import AccessLogEntry, Decision, EncounterRecord, ReviewItem, SuggestionRow
from tests.serving.api.conftest import Service

N_DECISIONS = 200


def _seed(service: Service, n_items: int, per_item: int) -> list[tuple[int, int]]:
    """``n_items`` open items with ``per_item`` pending suggestions each; returns (item id, suggestion id) pairs."""
    pairs = []
    with service.database.writer() as session:
        for i in range(n_items):
            record = EncounterRecord(encounter_id=f"conc-{i}", text="Assessment: type 2 diabetes mellitus.", context={})
            session.add(record)
            session.flush()
            item = ReviewItem(encounter_pk=record.id, status="open", reason="review", bundle_ids=["x"])
            session.add(item)
            session.flush()
            for rank in range(per_item):
                row = SuggestionRow(
                    item_id=item.id, rank=rank, system="ICD10CM", code="E11.9", title="", confidence=0.5,
                    tier="review", evidence=[], status="pending",
                )  # fmt: skip
                session.add(row)
                session.flush()
                pairs.append((item.id, row.id))
    return pairs


@pytest.mark.parametrize(("n_items", "per_item"), [(20, 10), (1, N_DECISIONS)], ids=["spread", "one_hot_item"])
def test_concurrent_decisions_lose_none(any_db_service: Service, n_items: int, per_item: int) -> None:
    service = any_db_service
    pairs = _seed(service, n_items, per_item)
    actions = ["accept", "reject", "edit"]
    coders = ["coder", "coder2"]

    def decide(index: int) -> int:
        item_id, suggestion_id = pairs[index]
        action = actions[index % 3]
        decision = {"suggestion_id": suggestion_id, "action": action, "reason": f"r{index}"}
        if action == "edit":
            decision["code"] = "E11.65"
        response = service.client.post(
            f"/api/v1/review-queue/{item_id}/decisions",
            json={"decisions": [decision]},
            headers=service.headers(coders[index % 2]),
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(decide, range(N_DECISIONS)))
    assert statuses.count(200) == N_DECISIONS, sorted(set(statuses))
    with service.database.session() as session:
        assert session.scalar(select(func.count(Decision.id))) == N_DECISIONS
        assert session.scalar(select(func.count(func.distinct(Decision.suggestion_id)))) == N_DECISIONS
        reasons = set(session.scalars(select(Decision.reason)))
        assert reasons == {f"r{i}" for i in range(N_DECISIONS)}
        pending = session.scalar(select(func.count(SuggestionRow.id)).where(SuggestionRow.status == "pending"))
        assert pending == 0
        statuses_by_item = set(session.scalars(select(ReviewItem.status)))
        assert statuses_by_item == {"resolved"}
        logged = session.scalar(select(func.count(AccessLogEntry.id)).where(AccessLogEntry.action == "review_decision"))
        assert logged == N_DECISIONS
