"""Lever state per system and environment, the revision counter, authority, and audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
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
    # Terms and patterns every SDK blocks with no app registration (C5); the stage says where.
    filter_terms: Mapped[list[str]] = mapped_column(default=list)
    filter_patterns: Mapped[list[str]] = mapped_column(default=list)
    filter_stage: Mapped[str] = mapped_column(String(10), default="both")
    disabled_tools: Mapped[list[str]] = mapped_column(default=list)
    # None: every retrieval source allowed; a list narrows retrieval to those sources.
    retrieval_sources: Mapped[list[str] | None] = mapped_column(default=None)
    revision: Mapped[int] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))

    # Joined: every reader (API, stream, SDK feed) needs the system's name and stale policy.
    system: Mapped[System] = relationship(lazy="joined")


class AuthorityRule(Base):
    """I4: ``subject`` (role:NAME or person:NAME) may pull ``lever`` on ``system`` ('*' = any)."""

    __tablename__ = "authority_rules"
    __table_args__ = (UniqueConstraint("subject", "lever", "system"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(120))
    lever: Mapped[str] = mapped_column(String(50))
    system: Mapped[str] = mapped_column(String(100))


class ModelKill(Base):
    """C1 for a model family: every SDK refuses calls to a model starting with ``prefix``.

    One row per prefix, kept when restored (``killed`` false) so the restore reaches SDKs
    through the same revision sequence as every lever state.
    """

    __tablename__ = "model_kills"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(200), unique=True)
    killed: Mapped[bool] = mapped_column(default=True)
    revision: Mapped[int] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))
