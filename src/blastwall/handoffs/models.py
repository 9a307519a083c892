"""The human queue (C2): requests the AI handed to a person instead of answering."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class Handoff(Base):
    """One request waiting for, or handled by, a human responder."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_system", "status", "system", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(50))
    trace_id: Mapped[str | None] = mapped_column(String(128), default=None, index=True)
    user_id: Mapped[str | None] = mapped_column(String(200), default=None)
    # Why the AI did not answer: the lever (human_fallback), a gate, the app's own rule.
    reason: Mapped[str] = mapped_column(Text, default="")
    # The work itself: the user's input and whatever context the app attached.
    input: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    claimed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(100), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str] = mapped_column(Text, default="")
