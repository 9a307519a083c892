"""Incidents, their timeline, who holds which role on them, and severity matrix versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blastwall.db.base import Base, utcnow
from blastwall.registry.models import System


class Incident(Base):
    """One incident: its classification, severity, lifecycle status and milestones."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_system_status", "system_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    system_id: Mapped[int | None] = mapped_column(ForeignKey("systems.id"), default=None)
    status: Mapped[str] = mapped_column(String(30))
    classes: Mapped[list[str]] = mapped_column(default=list)
    failure_mode: Mapped[str | None] = mapped_column(String(20), default=None)
    harm: Mapped[str] = mapped_column(String(20))
    reversibility: Mapped[str] = mapped_column(String(20))
    severity: Mapped[int]
    matrix_version: Mapped[int]
    # Milestones (I1): each set once by its event; started_at may be moved earlier later.
    started_at: Mapped[datetime]
    detected_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    contained_at: Mapped[datetime | None] = mapped_column(default=None)
    mitigated_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    postmortem_done_at: Mapped[datetime | None] = mapped_column(default=None)
    # Opened during a game day (P3); drills are marked in every list and left out of metrics.
    drill: Mapped[bool] = mapped_column(default=False)
    # F4 evidence hold (EU AI Act Art. 73(6)): changes to the system are flagged on the
    # timeline while it is on, refused without a reason when hold_requires_reason.
    evidence_hold: Mapped[bool] = mapped_column(default=False)
    hold_requires_reason: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    system: Mapped[System | None] = relationship()
    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="incident", order_by="TimelineEntry.id", cascade="all, delete-orphan"
    )
    # selectin: every read shape shows the roles, so a list loads them in one more query.
    roles: Mapped[list[RoleAssignment]] = relationship(
        order_by="RoleAssignment.id", cascade="all, delete-orphan", lazy="selectin"
    )

    def holders(self, role: str) -> list[str]:
        """Who holds ``role`` (an ``IncidentRole`` value), in the order they were assigned."""
        return [r.person for r in self.roles if r.role == role]

    @property
    def commander(self) -> str | None:
        """Who owns decisions: the holder of the commander role, if any."""
        return next(iter(self.holders("commander")), None)

    @property
    def communications_lead(self) -> str | None:
        """Who writes the updates: the holder of the communications role, if any."""
        return next(iter(self.holders("communications")), None)

    @property
    def responders(self) -> list[str]:
        return self.holders("responder")


class TimelineEntry(Base):
    """I5: alarms, lever changes, rollbacks, status updates and notes, in order."""

    __tablename__ = "timeline_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    incident: Mapped[Incident] = relationship(back_populates="timeline")


class RoleAssignment(Base):
    """I2: one person holding one role on one incident, and who assigned it when.

    Commander and communications have at most one holder, responder any number; the
    service enforces that under the incident's row lock, the unique constraint stops the
    same person holding the same role twice. A hand-over replaces the row; the history
    lives in the audit log and the timeline.
    """

    __tablename__ = "incident_roles"
    __table_args__ = (UniqueConstraint("incident_id", "role", "person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    person: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by: Mapped[str] = mapped_column(String(100))


class SeverityMatrixVersion(Base):
    """T2: the matrix is configuration and versioned; incidents record the version used."""

    __tablename__ = "severity_matrix_versions"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class IncidentSignal(Base):
    """An alarm or alert that joined an incident (one row per key per incident).

    ``source`` is monitor, alertmanager or alert; ``key`` is the monitor id or the alert's
    fingerprint. The same key firing again while the incident is open counts a repeat here
    instead of adding a row, so an incident lists each distinct signal once.
    """

    __tablename__ = "incident_signals"
    __table_args__ = (
        UniqueConstraint("incident_id", "source", "key"),
        Index("ix_incident_signals_source_key", "source", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    system: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    # firing, or resolved once its sender said so (monitors never resolve their alarms).
    status: Mapped[str] = mapped_column(String(20))
    harm: Mapped[str] = mapped_column(String(20))
    classes: Mapped[list[str]] = mapped_column(default=list)
    # Whether this signal's resolution may resolve the incident (an alert rule's ``resolve``).
    may_resolve: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime]
    received_at: Mapped[datetime]
    repeats: Mapped[int] = mapped_column(default=0)
    last_repeat_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # Who sent it: the detection engine or the alert token's name.
    actor: Mapped[str] = mapped_column(String(100))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
