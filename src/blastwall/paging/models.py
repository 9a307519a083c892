"""The escalation state of an incident: one row per paged incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base


class Escalation(Base):
    """Where an incident's paging stands: the level and round last paged, when the next
    level is due, and whether (and why) escalation stopped.

    ``policy`` is the policy's name as it was when the incident opened: a policy renamed or
    removed by a later apply stops the escalation with that reason instead of failing.
    """

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_stopped_at_next", "stopped_at", "next_escalation_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    policy: Mapped[str] = mapped_column(String(100))
    level: Mapped[int]
    round: Mapped[int] = mapped_column(default=0)
    paged_at: Mapped[datetime]
    next_escalation_at: Mapped[datetime | None] = mapped_column(default=None)
    stopped_at: Mapped[datetime | None] = mapped_column(default=None)
    stopped_why: Mapped[str | None] = mapped_column(Text, default=None)
