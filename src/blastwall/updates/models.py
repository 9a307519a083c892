"""The communications settings (one row) and the reminders already sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class CommunicationsSettings(Base):
    """The applied ``communications`` section (id 1); no row: the defaults (``spec.py``)."""

    __tablename__ = "communications_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UpdateReminder(Base):
    """A reminder sent for one overdue period (the update due at ``due_at``), to one role.

    Unique per (incident, due_at, role): a second tick, or a second replica, cannot remind
    anyone twice for the same missed update.
    """

    __tablename__ = "update_reminders"
    __table_args__ = (UniqueConstraint("incident_id", "due_at", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime]
    role: Mapped[str] = mapped_column(String(30))
    person: Mapped[str | None] = mapped_column(String(100), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
