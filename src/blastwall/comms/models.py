"""One row per message sent or exported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class LedgerEntry(Base):
    """A message as it left Blastwall: who to, over what, when, the exact text and its hash.

    ``kind`` is page, update, reminder, notice or report; ``ref`` names the record it came
    from (``notification:12``, ``report:3``) so the ledger links back without a foreign key
    to every domain. ``incident_id`` is kept when the incident is deleted (evidence).
    """

    __tablename__ = "comms_ledger"
    __table_args__ = (Index("ix_comms_ledger_incident_id_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str] = mapped_column(String(100), default="")
