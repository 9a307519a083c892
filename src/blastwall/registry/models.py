"""Inventory (P1) and versioned surfaces, releases and deployments (R1, R2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blastwall.db.base import Base, utcnow


class System(Base):
    """An AI system in production: who owns it, how risky it is, what it can set off."""

    __tablename__ = "systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200))
    risk_tier: Mapped[str] = mapped_column(String(20))
    environments: Mapped[list[str]] = mapped_column(default=list)
    fallback: Mapped[str] = mapped_column(Text, default="")
    # C9: what an SDK does when its lever state is stale (keep_last or safe_mode).
    stale_policy: Mapped[str] = mapped_column(String(20), default="keep_last")
    stale_after_s: Mapped[int | None] = mapped_column(default=None)
    # F4: days its traces are kept (None: the server's BLASTWALL_RETENTION_DAYS); an
    # incident's window is held past it.
    retention_days: Mapped[int | None] = mapped_column(default=None)
    # F4: incidents of this severity or worse (1 is worst) open under evidence hold; 0: none.
    hold_severity: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    actions: Mapped[list[DownstreamAction]] = relationship(
        back_populates="system", cascade="all, delete-orphan", order_by="DownstreamAction.name"
    )
    surfaces: Mapped[list[Surface]] = relationship(
        back_populates="system", cascade="all, delete-orphan", order_by="Surface.name"
    )


class DownstreamAction(Base):
    """Something the system's output triggers (a refund, an account hold)."""

    __tablename__ = "downstream_actions"
    __table_args__ = (UniqueConstraint("system_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    reversible: Mapped[bool]
    description: Mapped[str] = mapped_column(Text, default="")

    system: Mapped[System] = relationship(back_populates="actions")


class Surface(Base):
    """A versioned part of a system: its model, a prompt, a retrieval source, a config."""

    __tablename__ = "surfaces"
    __table_args__ = (UniqueConstraint("system_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))

    system: Mapped[System] = relationship(back_populates="surfaces")
    # Versions are immutable; they go only when the database cascades a surface's deletion.
    versions: Mapped[list[SurfaceVersion]] = relationship(
        back_populates="surface", order_by="SurfaceVersion.number", passive_deletes="all"
    )


class SurfaceVersion(Base):
    """An immutable version of a surface, identified by the hash of its content."""

    __tablename__ = "surface_versions"
    __table_args__ = (
        UniqueConstraint("surface_id", "number"),
        UniqueConstraint("surface_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    surface_id: Mapped[int] = mapped_column(ForeignKey("surfaces.id", ondelete="CASCADE"))
    number: Mapped[int]
    content: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    surface: Mapped[Surface] = relationship(back_populates="versions")


class Release(Base):
    """A named set of surface versions, one per surface, that can be activated."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("system_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text, default="")
    known_good: Mapped[bool] = mapped_column(default=False)
    known_good_at: Mapped[datetime | None] = mapped_column(default=None)
    # Monitors this release is meant to move: they re-learn their baseline under it instead
    # of testing it against the known-good one (docs/detection.md, "Reference windows").
    expect_shift: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    system: Mapped[System] = relationship()
    items: Mapped[list[ReleaseItem]] = relationship(
        back_populates="release", cascade="all, delete-orphan"
    )


class ReleaseItem(Base):
    __tablename__ = "release_items"
    __table_args__ = (UniqueConstraint("release_id", "surface_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    surface_id: Mapped[int] = mapped_column(ForeignKey("surfaces.id"))
    surface_version_id: Mapped[int] = mapped_column(ForeignKey("surface_versions.id"))

    release: Mapped[Release] = relationship(back_populates="items")
    surface: Mapped[Surface] = relationship()
    version: Mapped[SurfaceVersion] = relationship()


class Deployment(Base):
    """A release becoming active in an environment; the newest row per env is in force."""

    __tablename__ = "deployments"
    __table_args__ = (Index("ix_deployments_system_env", "system_id", "environment", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(50))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    activated_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), default=None)
    # Drawn from the lever revision counter, so SDKs following the lever stream learn of
    # an activation or rollback in the same ordered sequence as lever changes.
    revision: Mapped[int] = mapped_column(default=0)

    release: Mapped[Release] = relationship()
