"""The change record's tables: the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class AuditEntry(Base):
    """One change, hash-chained to the previous entry so tampering is evident."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    incident_id: Mapped[int | None] = mapped_column(default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    # How ``hash`` was made: "sha256", or "hmac-sha256:<key id>" when an audit key was set
    # (changes/audit.py). Per entry, so a log begun before the key was set still verifies.
    scheme: Mapped[str] = mapped_column(String(40), default="sha256")
    hash: Mapped[str] = mapped_column(String(64), unique=True)
