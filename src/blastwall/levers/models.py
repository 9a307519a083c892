"""Lever state per system and environment, the revision counter, authority, and audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blastwall.db.base import Base, utcnow

if TYPE_CHECKING:
    from blastwall.registry.models import System


class LeverState(Base):
    """The levers in force for one system in one environment ('*' = every environment)."""

    __tablename__ = "lever_states"
    __table_args__ = (UniqueConstraint("system_id", "environment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(50))
    killed: Mapped[bool] = mapped_column(default=False)
    human_fallback: Mapped[bool] = mapped_column(default=False)
    safe_mode: Mapped[bool] = mapped_column(default=False)
    reroute_model: Mapped[str | None] = mapped_column(String(200), default=None)
    filters: Mapped[list[str]] = mapped_column(default=list)
    disabled_tools: Mapped[list[str]] = mapped_column(default=list)
    # None: every retrieval source allowed; a list narrows retrieval to those sources.
    retrieval_sources: Mapped[list[str] | None] = mapped_column(default=None)
    revision: Mapped[int] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))

    # Joined: every reader (API, stream, SDK feed) needs the system's name and stale policy.
    system: Mapped[System] = relationship(lazy="joined")


class Counter(Base):
    """Named monotonic counters (lever revision, audit sequence), bumped under a row lock."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class AuthorityRule(Base):
    """I4: ``subject`` (role:NAME or person:NAME) may pull ``lever`` on ``system`` ('*' = any)."""

    __tablename__ = "authority_rules"
    __table_args__ = (UniqueConstraint("subject", "lever", "system"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(120))
    lever: Mapped[str] = mapped_column(String(50))
    system: Mapped[str] = mapped_column(String(100))


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
    # (levers/audit.py). Per entry, so a log begun before the key was set still verifies.
    scheme: Mapped[str] = mapped_column(String(40), default="sha256")
    hash: Mapped[str] = mapped_column(String(64), unique=True)
