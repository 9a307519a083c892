"""Monitors, their persisted detector state, the engine's cursors, alarms and verifications.

Detector state is stored as JSON (``ReferenceDetector.to_state()``), not pickled: it survives
upgrades of Python and of the detector classes (a state the new code cannot read is refused
with a clear message and the monitor re-learns), and it can be read by people and tools.
The baseline part of the state (category counts, or the whole sorted reference of a numeric
monitor) sits in its own column and is rewritten only when it changes; the running part
(CUSUMs, counters) is small and rewritten on every engine tick that feeds the monitor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blastwall.db.base import Base, JSONType, utcnow
from blastwall.registry.models import System


class Monitor(Base):
    """One calibrated watch over one signal of one system (D1-D8)."""

    __tablename__ = "monitors"
    __table_args__ = (UniqueConstraint("system_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    signal: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # None: events of every environment of the system.
    environment: Mapped[str | None] = mapped_column(String(50), default=None)
    # Release mode with its window size, or pinned with start and end (ReferenceSpec.stored).
    reference: Mapped[dict[str, Any]]
    false_alarm_rate: Mapped[float]
    verify_observations: Mapped[int]
    classes: Mapped[list[str]] = mapped_column(default=list)
    harm: Mapped[str | None] = mapped_column(String(20), default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Bumped when a setting that shapes detection changes; the engine then starts over.
    config_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    system: Mapped[System] = relationship()
    state: Mapped[MonitorState | None] = relationship(
        back_populates="monitor", cascade="all, delete-orphan", passive_deletes=True
    )


class MonitorState(Base):
    """What the engine knows about a monitor: detector state, counters, what it last saw."""

    __tablename__ = "monitor_states"

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    # Bumped on every save: an engine's in-memory copy is current while the numbers match.
    revision: Mapped[int] = mapped_column(default=1)
    config_version: Mapped[int]
    phase: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    detector: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    baseline: Mapped[Any] = mapped_column(JSONType, default=None)
    vocabulary: Mapped[list[str]] = mapped_column(default=list)
    # Category ids seen while learning which labels exist (categories not declared).
    pending: Mapped[list[int]] = mapped_column(JSONType, default=list)
    deployment_id: Mapped[int | None] = mapped_column(default=None)
    # The release whose observations formed the baseline in use (None: pinned, or not known).
    baseline_release_id: Mapped[int | None] = mapped_column(default=None)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_observation_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    monitor: Mapped[Monitor] = relationship(back_populates="state")


class MonitorBaseline(Base):
    """A baseline a monitor learned under one release, kept so a rollback finds it again.

    Keyed by (monitor, release, config_version): a rollback to a known-good release restores
    that release's baseline with no new reference window; a settings change (a new
    ``config_version``) makes the old ones unusable, and they stay only as history.
    """

    __tablename__ = "monitor_baselines"
    __table_args__ = (UniqueConstraint("monitor_id", "release_id", "config_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    config_version: Mapped[int]
    # ``MonitorRuntime.reference_record()``: detector, params, baseline, labels, signal.
    reference: Mapped[dict[str, Any]] = mapped_column(JSONType)
    learned_at: Mapped[datetime] = mapped_column(default=utcnow)


class EngineCursor(Base):
    """How far the engine has read an event table (or the timeline), by primary key."""

    __tablename__ = "engine_cursors"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Alarm(Base):
    """A monitor's detector crossed its threshold: the evidence, and the incident it joined."""

    __tablename__ = "alarms"
    __table_args__ = (Index("ix_alarms_system_id", "system", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    monitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitors.id", ondelete="SET NULL"), default=None, index=True
    )
    # Names, not only keys: an alarm is evidence and outlives a deleted monitor.
    system: Mapped[str] = mapped_column(String(100))
    monitor: Mapped[str] = mapped_column(String(100))
    signal: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    observed_at: Mapped[datetime]
    trace_id: Mapped[str | None] = mapped_column(String(128), default=None)
    change_at: Mapped[datetime]
    change_observations: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    baseline: Mapped[Any] = mapped_column(JSONType)
    current: Mapped[Any] = mapped_column(JSONType)
    threshold: Mapped[float]
    false_alarm_rate: Mapped[float]
    sample_trace_ids: Mapped[list[str]] = mapped_column(default=list)
    # The detector's baseline as saved state: what rollback verification compares with.
    reference: Mapped[dict[str, Any]]
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), default=None, index=True
    )
    # Later crossings of the same monitor while its incident is open: counted, not repeated.
    repeats: Mapped[int] = mapped_column(default=0)
    last_repeat_at: Mapped[datetime | None] = mapped_column(default=None)


class Verification(Base):
    """R3: after a change on an incident, is an alarmed monitor's stream back at baseline?"""

    __tablename__ = "verifications"
    __table_args__ = (UniqueConstraint("alarm_id", "change_entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    alarm_id: Mapped[int] = mapped_column(ForeignKey("alarms.id", ondelete="CASCADE"))
    monitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitors.id", ondelete="SET NULL"), default=None
    )
    change_entry_id: Mapped[int] = mapped_column(
        ForeignKey("timeline_entries.id", ondelete="CASCADE"), index=True
    )
    change_kind: Mapped[str] = mapped_column(String(40))
    change_at: Mapped[datetime]
    # Observations received from this time on count (the change, plus time to take effect).
    watch_from: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    observations: Mapped[int] = mapped_column(default=0)
    needed: Mapped[int]
    revision: Mapped[int] = mapped_column(default=1)
    detector: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    tallies: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
