"""Routing suggestions and the review-queue store: what the routes and ``medcode feedback export`` call.

Routing: every suggestion at or above the auto threshold is accepted automatically; when any suggestion of an
encounter is below it (or there is none), the encounter becomes a review item. A fully automatic encounter is still
queued for QA with probability ``qa_sample_rate``, decided by a hash of its id (the same encounter always gets the
same answer, so retries do not change the sample).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from datasets.schema import Encounter, Gold, GoldService, normalize_icd10cm, normalize_procedure_code
from serving.db.tables import AccessLogEntry, Base, Decision, EncounterRecord, ReviewItem, SuggestionRow, utcnow
from serving.errors import ApiError
from serving.models import (
    DecisionCreate,
    DecisionPublic,
    EvidenceSpan,
    QueueItemDetail,
    QueueItemPublic,
    QueueSuggestionPublic,
    SuggestionPublic,
)
from serving.security import Principal

REVIEWED_SYSTEMS = ("ICD10CM", "CPT", "HCPCS", "EM")
_FINAL_STATUSES = ("accepted", "edited", "added", "auto_accepted")


def log_access(
    session: Session, user: Principal, action: str, *, encounter_id: str | None = None, item_id: int | None = None
) -> None:
    """Append one access-log row (ids only)."""
    session.add(
        AccessLogEntry(user=user.name, role=user.role, action=action, encounter_id=encounter_id, item_id=item_id)
    )


def in_qa_sample(encounter_id: str, rate: float) -> bool:
    """Deterministic QA sampling: the first 8 bytes of sha256(id) as a fraction of 2**64, below ``rate``."""
    if rate <= 0:
        return False
    value = int.from_bytes(hashlib.sha256(encounter_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return value < rate


_ENCOUNTERS, _ITEMS = (Base.metadata.tables[t.__tablename__] for t in (EncounterRecord, ReviewItem))
_SUPERSEDE = (
    update(_ITEMS)
    .where(
        _ITEMS.c.encounter_pk.in_(
            select(_ENCOUNTERS.c.id).where(_ENCOUNTERS.c.encounter_id == bindparam("encounter_id"))
        ),
        _ITEMS.c.status.in_(("open", "claimed")),
    )
    .values(status="superseded", updated_at=bindparam("now"))
)
_INSERT_ENCOUNTER = insert(_ENCOUNTERS).returning(_ENCOUNTERS.c.id)
_INSERT_ITEM = insert(_ITEMS).returning(_ITEMS.c.id)
_INSERT_SUGGESTION = insert(Base.metadata.tables[SuggestionRow.__tablename__])
_INSERT_ACCESS = insert(Base.metadata.tables[AccessLogEntry.__tablename__])


def route_and_store(
    connection: Connection,
    user: Principal,
    encounter: Encounter,
    suggestions: list[SuggestionPublic],
    bundle_ids: list[str],
    qa_sample_rate: float,
) -> tuple[str, int | None]:
    """Store the encounter and its suggestions; returns the routing (auto | review | qa_sample) and the item id."""
    reviewable = [s for s in suggestions if s.system in REVIEWED_SYSTEMS]
    if not reviewable or any(s.tier == "review" for s in reviewable):
        routing = "review"
    elif in_qa_sample(encounter.encounter_id, qa_sample_rate):
        routing = "qa_sample"
    else:
        routing = "auto"
    now = utcnow()
    # Statements built once at import with bound parameters, run on a Core connection (no ORM session): this runs on
    # every suggest request, and the ORM's session set-up, bulk path and per-call cache keys of literal ``.values()``
    # cost more than the inserts themselves.
    connection.execute(_SUPERSEDE, {"encounter_id": encounter.encounter_id, "now": now})
    context = encounter.without_labels().to_json_dict()
    context.pop("text", None)
    record_id = connection.execute(
        _INSERT_ENCOUNTER,
        {
            "encounter_id": encounter.encounter_id,
            "patient_id": encounter.patient_id,
            "text": encounter.text,
            "context": context,
            "created_at": now,
        },
    ).scalar_one()
    item_id: int | None = None
    if routing != "auto":
        item_id = connection.execute(
            _INSERT_ITEM,
            {
                "encounter_pk": record_id,
                "status": "open",
                "reason": routing,
                "bundle_ids": bundle_ids,
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
        rows = []
        for rank, s in enumerate(reviewable):
            auto = s.tier == "auto" and routing == "review"
            rows.append(
                {
                    "item_id": item_id,
                    "rank": rank,
                    "system": s.system,
                    "code": s.code,
                    "title": s.title[:300],
                    "confidence": s.confidence,
                    "tier": s.tier,
                    "evidence": [e.model_dump() for e in s.evidence],
                    "status": "auto_accepted" if auto else "pending",
                    "final_code": s.code if auto else None,
                }
            )
        if rows:
            connection.execute(_INSERT_SUGGESTION, rows)  # one executemany
    connection.execute(
        _INSERT_ACCESS,
        {
            "at": now,
            "user": user.name,
            "role": user.role,
            "action": "suggest",
            "encounter_id": encounter.encounter_id,
            "item_id": item_id,
        },
    )
    return routing, item_id


def _counts(session: Session, item_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not item_ids:
        return {}
    rows = session.execute(
        select(
            SuggestionRow.item_id,
            func.count(SuggestionRow.id),
            func.sum(case((SuggestionRow.status == "pending", 1), else_=0)),
        )
        .where(SuggestionRow.item_id.in_(item_ids))
        .group_by(SuggestionRow.item_id)
    ).all()
    return {int(i): (int(n), int(p or 0)) for i, n, p in rows}


def item_summary(session: Session, item: ReviewItem) -> QueueItemPublic:
    """The list view of one item, counted in the database."""
    return item_public(item, _counts(session, [item.id]).get(item.id, (0, 0)))


def item_public(item: ReviewItem, counts: tuple[int, int]) -> QueueItemPublic:
    """The list view of an item."""
    return QueueItemPublic(
        id=item.id,
        encounter_id=item.encounter.encounter_id,
        status=item.status,  # type: ignore[arg-type]
        reason=item.reason,  # type: ignore[arg-type]
        assignee=item.assignee,
        n_suggestions=counts[0],
        n_pending=counts[1],
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def list_items(
    session: Session, *, status: str | None, skip: int, limit: int, assignee: str | None = None
) -> tuple[list[QueueItemPublic], int]:
    """A page of items (oldest first) and the total matching ``status`` (and ``assignee`` when given)."""
    where: list[ColumnElement[bool]] = [
        ReviewItem.status == status if status else ReviewItem.status.in_(("open", "claimed"))
    ]
    if assignee is not None:
        where.append(ReviewItem.assignee == assignee)
    total = session.scalar(select(func.count(ReviewItem.id)).where(*where)) or 0
    items = list(session.scalars(select(ReviewItem).where(*where).order_by(ReviewItem.id).offset(skip).limit(limit)))
    counts = _counts(session, [i.id for i in items])
    return [item_public(i, counts.get(i.id, (0, 0))) for i in items], int(total)


def item_detail(session: Session, item: ReviewItem) -> QueueItemDetail:
    """The opened item: note, suggestions with evidence, decisions so far."""
    rows = list(
        session.scalars(select(SuggestionRow).where(SuggestionRow.item_id == item.id).order_by(SuggestionRow.rank))
    )
    decisions = list(session.scalars(select(Decision).where(Decision.item_id == item.id).order_by(Decision.id)))
    pending = sum(1 for r in rows if r.status == "pending")
    base = item_public(item, (len(rows), pending))
    return QueueItemDetail(
        **base.model_dump(),
        text=item.encounter.text,
        bundle_ids=list(item.bundle_ids),
        suggestions=[
            QueueSuggestionPublic(
                id=r.id,
                system=r.system,  # type: ignore[arg-type]
                code=r.code,
                title=r.title,
                confidence=r.confidence,
                tier=r.tier,  # type: ignore[arg-type]
                evidence=[EvidenceSpan(**e) for e in r.evidence],
                status=r.status,  # type: ignore[arg-type]
                final_code=r.final_code,
            )
            for r in rows
        ],
        decisions=[DecisionPublic.model_validate(d) for d in decisions],
    )


def _normalise(system: str, code: str) -> str:
    try:
        return normalize_icd10cm(code) if system == "ICD10CM" else normalize_procedure_code(code)
    except ValueError:
        raise ApiError("API010", codes=code.strip()[:20]) from None


def apply_decisions(
    session: Session, item_id: int, user: Principal, decisions: list[DecisionCreate], known_code: Any
) -> None:
    """Record decisions on an item in the caller's (write-locked) transaction and update statuses.

    Args:
        session: a write session; on PostgreSQL the item row is locked ``FOR UPDATE`` so concurrent decisions on one
            item serialise instead of overwriting each other's status.
        item_id: the item.
        user: the deciding coder.
        decisions: the decisions, applied in order.
        known_code: ``(system, code) -> bool`` validating edited/added codes against the code sets.
    """
    item = session.scalars(select(ReviewItem).where(ReviewItem.id == item_id).with_for_update()).one()
    if item.status == "superseded":
        raise ApiError("API016", item_id=item_id)
    rows = {r.id: r for r in session.scalars(select(SuggestionRow).where(SuggestionRow.item_id == item_id))}
    for decision in decisions:
        if decision.action in ("reject", "edit") and not decision.reason.strip():
            raise ApiError("API018", action=decision.action, field="reason")
        if decision.action == "add":
            if not decision.code:
                raise ApiError("API018", action="add", field="code")
            code = _normalise("ICD10CM", decision.code)
            if not known_code("ICD10CM", code):
                raise ApiError("API010", codes=code)
            row = SuggestionRow(
                item_id=item_id,
                rank=len(rows),
                system="ICD10CM",
                code=code,
                title="",
                confidence=0.0,
                tier="review",
                evidence=[],
                status="added",
                final_code=code,
            )
            session.add(row)
            session.flush()
            rows[row.id] = row
            edited: str | None = code
        else:
            if decision.suggestion_id is None or decision.suggestion_id not in rows:
                raise ApiError("API005", suggestion_id=decision.suggestion_id, item_id=item_id)
            row = rows[decision.suggestion_id]
            edited = None
            if decision.action == "edit":
                if not decision.code:
                    raise ApiError("API018", action="edit", field="code")
                edited = _normalise(row.system, decision.code)
                if not known_code(row.system, edited):
                    raise ApiError("API010", codes=edited)
            row.status = {"accept": "accepted", "reject": "rejected", "edit": "edited"}[decision.action]
            row.final_code = None if decision.action == "reject" else (edited or row.code)
        session.add(
            Decision(
                item_id=item_id,
                suggestion_id=row.id,
                user=user.name,
                action=decision.action,
                code=row.code,
                edited_code=edited,
                reason=decision.reason,
            )
        )
    session.flush()
    pending = any(r.status == "pending" for r in rows.values())
    item.status = "resolved" if not pending else ("claimed" if item.assignee else "open")
    item.updated_at = utcnow()
    log_access(session, user, "review_decision", encounter_id=item.encounter.encounter_id, item_id=item_id)


def labelled_encounters(session: Session) -> Iterator[Encounter]:
    """Resolved review items as labelled encounters (DESIGN.md schema) for retraining.

    ``gold.icd10cm`` holds the ICD-10-CM codes the coder accepted, edited (the corrected code) or added, plus those
    accepted automatically that the coder left standing; rejected codes are left out. CPT/HCPCS codes go to
    ``gold.services``. The newest resolved item of an encounter wins.
    """
    items = session.scalars(select(ReviewItem).where(ReviewItem.status == "resolved").order_by(ReviewItem.id.desc()))
    seen: set[str] = set()
    for item in items:
        record = item.encounter
        if record.encounter_id in seen:
            continue
        seen.add(record.encounter_id)
        rows = session.scalars(
            select(SuggestionRow).where(SuggestionRow.item_id == item.id).order_by(SuggestionRow.rank)
        )
        icd: list[str] = []
        services: list[GoldService] = []
        for row in rows:
            if row.status not in _FINAL_STATUSES or not row.final_code:
                continue
            if row.system == "ICD10CM" and row.final_code not in icd:
                icd.append(row.final_code)
            elif row.system in ("CPT", "HCPCS"):
                services.append(GoldService(code=row.final_code, system=row.system))  # type: ignore[arg-type]
        payload = dict(record.context)
        payload.update(
            encounter_id=record.encounter_id,
            text=record.text,
            gold=Gold(icd10cm=icd, services=services).model_dump(mode="json", exclude_none=True),
            review_item_id=item.id,
        )
        yield Encounter.model_validate(payload)
