"""The review queue: coders list items, open one (note with evidence), claim it, and accept/reject/edit codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from serving.api.deps import CurrentReviewer, DatabaseDep, QueueItemDep, SessionDep
from serving.api.routes._responses import ERROR_RESPONSES
from serving.db.tables import ReviewItem, utcnow
from serving.engine import SuggestionEngine
from serving.errors import ApiError
from serving.models import ItemStatus, QueueItemDetail, QueueItemPublic, QueueItemsPublic, QueueItemUpdate
from serving.queue import apply_decisions, item_detail, item_summary, list_items, log_access

router = APIRouter(prefix="/review-queue", tags=["review-queue"], responses=ERROR_RESPONSES)


@router.get("", response_model=QueueItemsPublic)
def read_queue_items(
    session: SessionDep,
    reviewer: CurrentReviewer,
    status: ItemStatus | None = None,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    mine: bool = False,
) -> QueueItemsPublic:
    """Items waiting for review (open and claimed by default; ``mine`` for the caller's claimed ones), oldest
    first; no note text."""
    data, count = list_items(session, status=status, skip=skip, limit=limit, assignee=reviewer.name if mine else None)
    return QueueItemsPublic(data=data, count=count)


@router.get("/{item_id}", response_model=QueueItemDetail)
def read_queue_item(item: QueueItemDep, database: DatabaseDep, reviewer: CurrentReviewer) -> QueueItemDetail:
    """Open an item: the note, each suggestion with its evidence offsets, and the decisions so far."""
    with database.writer() as session:
        log_access(session, reviewer, "open_item", encounter_id=item.encounter.encounter_id, item_id=item.id)
    with database.session() as session:
        fresh = session.get(ReviewItem, item.id)
        assert fresh is not None
        return item_detail(session, fresh)


@router.post("/{item_id}/claim", response_model=QueueItemPublic)
def claim_queue_item(item: QueueItemDep, database: DatabaseDep, reviewer: CurrentReviewer) -> QueueItemPublic:
    """Assign the item to the caller (others then get 403 on it)."""
    with database.writer() as session:
        row = session.get(ReviewItem, item.id, with_for_update=True)
        assert row is not None
        if row.status in ("resolved", "superseded"):
            raise ApiError("API016", item_id=row.id)
        if row.assignee not in (None, reviewer.name) and reviewer.role != "admin":
            raise ApiError("API003")
        row.assignee = reviewer.name
        row.status = "claimed"
        row.updated_at = utcnow()
        log_access(session, reviewer, "claim_item", encounter_id=row.encounter.encounter_id, item_id=row.id)
        session.flush()
        return item_summary(session, row)


@router.post("/{item_id}/decisions", response_model=QueueItemPublic)
def resolve_queue_item(
    item: QueueItemDep, update: QueueItemUpdate, request: Request, database: DatabaseDep, reviewer: CurrentReviewer
) -> QueueItemPublic:
    """Accept, reject or edit codes of the item (with a reason), or add a missed code; each decision is stored with
    user and time. The item is resolved once no suggestion is pending."""
    engine: SuggestionEngine = request.app.state.engine

    def known(system: str, code: str) -> bool:
        codesets = engine.codesets
        if codesets is None or system != "ICD10CM":
            return True
        return codesets.icd10cm.find_code(code) is not None

    with database.writer() as session:
        apply_decisions(session, item.id, reviewer, update.decisions, known)
        session.flush()
        row = session.get(ReviewItem, item.id)
        assert row is not None
        return item_summary(session, row)
