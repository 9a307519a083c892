"""Canary sets (versioned, immutable), each system's canary target and gate, canary runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blastwall.db.base import Base, JSONType, utcnow
from blastwall.registry.models import System


class CanarySet(Base):
    """One version of a named set of canary prompts with checks (D3); never changed.

    A new body makes a new version; the same body as the newest version is that version
    (deduplicated by the SHA-256 of its canonical JSON, as registry surfaces are).
    """

    __tablename__ = "canary_sets"
    __table_args__ = (UniqueConstraint("system_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    # Seconds between scheduled runs; None: only run on demand (and for the release gate).
    interval_s: Mapped[int | None] = mapped_column(default=None)
    # [{name, prompt, check: {kind, ...}}] as CanaryCase.model_dump() gives them.
    cases: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    system: Mapped[System] = relationship()


class CanaryTarget(Base):
    """Where a system's canaries are sent, and whether its releases must pass them (R4)."""

    __tablename__ = "canary_targets"

    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    # python: "module.path:function"; http: the URL.
    callable: Mapped[str | None] = mapped_column(String(300), default=None)
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    method: Mapped[str] = mapped_column(String(10), default="POST")
    body: Mapped[Any] = mapped_column(JSONType, default=None)
    output_field: Mapped[str] = mapped_column(String(100), default="output")
    label_field: Mapped[str] = mapped_column(String(100), default="label")
    timeout_s: Mapped[float] = mapped_column(default=10.0)
    # Scheduled runs test the release active here (None: the system's first environment).
    environment: Mapped[str | None] = mapped_column(String(50), default=None)
    release_gate: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))

    system: Mapped[System] = relationship()


class CanaryRun(Base):
    """One run of one canary set version against a system, with every case's result."""

    __tablename__ = "canary_runs"
    __table_args__ = (
        Index("ix_canary_runs_system_id", "system", "id"),
        Index("ix_canary_runs_set_id_release", "set_id", "release"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int | None] = mapped_column(
        ForeignKey("canary_sets.id", ondelete="SET NULL"), default=None
    )
    # Names, not only keys: a run is evidence and outlives a deleted system or set.
    system: Mapped[str] = mapped_column(String(100))
    set_name: Mapped[str] = mapped_column(String(100))
    set_version: Mapped[int]
    release: Mapped[str | None] = mapped_column(String(100), default=None)
    environment: Mapped[str | None] = mapped_column(String(50), default=None)
    trigger: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    passed: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    # Whether the case results were also sent to the detection engine as call events.
    emitted: Mapped[bool] = mapped_column(default=False)
    # One object per case: case, prompt, passed, output, label, reason, latency_ms.
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    started_by: Mapped[str] = mapped_column(String(100))
