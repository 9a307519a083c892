"""Approval requests (C7): an irreversible action waits for a human yes or no."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class ApprovalRequest(Base):
    """The model proposed ``action`` with ``arguments``; a responder decides (the gate disposes)."""

    __tablename__ = "approval_requests"
    __table_args__ = (Index("ix_approval_requests_status_system", "status", "system", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(100))
    arguments: Mapped[dict[str, Any]]
    trace_id: Mapped[str | None] = mapped_column(String(128), default=None, index=True)
    # Why the SDK asked (irreversible, no validator); decision_reason says why it was decided.
    request_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(100))
    # After this the SDK stops waiting and refuses the action, so a late "approve" is refused.
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
