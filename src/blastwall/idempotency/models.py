"""What an ``Idempotency-Key`` created: one row per (kind, key), unique."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class IdempotencyKey(Base):
    """A create request's key, the hash of its body, and the resource it created."""

    __tablename__ = "idempotency_keys"
    # The constraint, not a read-then-write, is what makes two racing repeats create one.
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    # sha256 of the body as canonical JSON: a repeat with another body is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
