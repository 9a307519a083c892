"""Postmortems (one per incident) and action items, each linked to an incident."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class Postmortem(Base):
    """An incident's blameless postmortem: sections drafted from the record, plus edits.

    ``generated`` holds what the last draft wrote per section; ``edits`` what people wrote.
    A re-draft replaces ``generated`` only, so an edited section keeps its text (the body
    shows the edit where there is one, else the generated text).
    """

    __tablename__ = "postmortems"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(20))
    generated: Mapped[dict[str, Any]] = mapped_column(default=dict)
    edits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    drafted_by: Mapped[str] = mapped_column(String(100))
    drafts: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    submitted_by: Mapped[str | None] = mapped_column(String(100), default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    published_by: Mapped[str | None] = mapped_column(String(100), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActionItem(Base):
    """Something to change so the incident does not recur (L2), tracked to done."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_status_due", "status", "due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    postmortem_id: Mapped[int | None] = mapped_column(
        ForeignKey("postmortems.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(100))
    due: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="open")
    # What the item creates (monitor, canary) and, once created, what it created.
    creates: Mapped[str | None] = mapped_column(String(20), default=None)
    created: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by: Mapped[str | None] = mapped_column(String(100), default=None)
    resolution: Mapped[str] = mapped_column(Text, default="")
