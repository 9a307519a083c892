"""Review tables: the sampling rate per system, the queue of sampled outputs, the verdicts.

Items and verdicts name the system and reference the trace row by id rather than with
foreign keys: like traces, they are evidence and must outlive a purge or a renamed system.
Verdicts are their own append-only table so the detection engine can tail them by id, like
it tails ``trace_feedback`` (item ids follow sampling order, not marking order).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow

DEFAULT_BASELINE = 400


class ReviewConfig(Base):
    """How much of a system's output goes to review, and how many verdicts form the baseline."""

    __tablename__ = "review_configs"

    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), primary_key=True
    )
    sample_rate: Mapped[float]
    # The first this-many verdicts are the accuracy baseline (GET .../accuracy).
    baseline: Mapped[int] = mapped_column(default=DEFAULT_BASELINE)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class ReviewItem(Base):
    """One sampled output waiting for, held by, or marked by a reviewer."""

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_status_id", "status", "id"),
        Index("ix_review_items_system_id", "system", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trace_row_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    event_id: Mapped[str] = mapped_column(String(32))
    trace_id: Mapped[str] = mapped_column(String(128))
    system: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime]  # the call's event time
    sampled_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reviewer: Mapped[str | None] = mapped_column(String(100), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    verdict: Mapped[str | None] = mapped_column(String(10), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    marked_at: Mapped[datetime | None] = mapped_column(default=None)


class ReviewVerdict(Base):
    """A verdict as an event the engine tails: ``at`` is the call's time, ``received_at``
    when it was marked (the order observations are fed in)."""

    __tablename__ = "review_verdicts"
    __table_args__ = (Index("ix_review_verdicts_system_id", "system", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    trace_id: Mapped[str] = mapped_column(String(128))
    system: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    verdict: Mapped[str] = mapped_column(String(10))
    reviewer: Mapped[str] = mapped_column(String(100))


class ReviewCursor(Base):
    """How far the sampler has read the traces table, by primary key."""

    __tablename__ = "review_cursors"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
