"""SQLAlchemy tables of the service: API keys, encounters under review, review items, suggestions, decisions and
the append-only access log. The schema itself is created by the alembic migrations in ``migrations/``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC (stored as UTC on every backend)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every service table."""


class ApiKey(Base):
    """An API key: only its sha256 is stored; ``prefix`` (first 8 characters) identifies it in lists."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class EncounterRecord(Base):
    """An encounter as submitted for review: the coder's working copy of the note (never logged)."""

    __tablename__ = "encounters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    encounter_id: Mapped[str] = mapped_column(String(200), index=True)
    patient_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewItem(Base):
    """One encounter's suggestions waiting for (or done with) a coder's review."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    encounter_pk: Mapped[int] = mapped_column(ForeignKey("encounters.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    reason: Mapped[str] = mapped_column(String(20), default="review")
    assignee: Mapped[str | None] = mapped_column(String(100), nullable=True)
    bundle_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    encounter: Mapped[EncounterRecord] = relationship()
    suggestions: Mapped[list[SuggestionRow]] = relationship(back_populates="item", order_by="SuggestionRow.rank")

    __table_args__ = (Index("ix_review_items_status", "status"),)


class SuggestionRow(Base):
    """A suggested code of a review item, its routing tier and its current review status."""

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    system: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300), default="")
    confidence: Mapped[float] = mapped_column(Float)
    tier: Mapped[str] = mapped_column(String(10))
    evidence: Mapped[list[dict[str, int]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    final_code: Mapped[str | None] = mapped_column(String(20), nullable=True)

    item: Mapped[ReviewItem] = relationship(back_populates="suggestions")


class Decision(Base):
    """A coder's decision on one suggestion: who, when, what, and why. Decisions are only ever added."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    user: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(20))
    edited_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AccessLogEntry(Base):
    """Who touched which encounter, when, and how. Append-only: a database trigger refuses UPDATE and DELETE."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    encounter_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
