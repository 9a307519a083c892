"""Regimes per system, reportability decisions, incident facts and anchors, reports and the
reminders already sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class SystemRegime(Base):
    """One regime a system falls under, from when, and whom to tell (blastwall.yaml)."""

    __tablename__ = "regulatory_regimes"
    __table_args__ = (UniqueConstraint("system_id", "regime"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    regime: Mapped[str] = mapped_column(String(20))
    effective: Mapped[date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(40), default=None)
    contact: Mapped[str] = mapped_column(String(300), default="")
    registration_id: Mapped[str] = mapped_column(String(100), default="")


class ReportabilityDecision(Base):
    """One decision on one regime; the latest per (incident, regime) is the current one,
    earlier rows are its history (never updated)."""

    __tablename__ = "regulatory_decisions"
    __table_args__ = (Index("ix_regulatory_decisions_incident_id_regime", "incident_id", "regime"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    regime: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))
    rationale: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentFact(Base):
    """A fact that chooses a deadline variant (death, widespread, ...); history in the audit."""

    __tablename__ = "regulatory_facts"
    __table_args__ = (UniqueConstraint("incident_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[bool]
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentAnchor(Base):
    """When a deadline starts counting (awareness, major classification, causal link)."""

    __tablename__ = "regulatory_anchors"
    __table_args__ = (UniqueConstraint("incident_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(Base):
    """A report draft, in a regime's lineage; ``supersedes_id`` names the one before it.

    The body is stored exactly as drafted and never changed, so ``sha256`` is what was
    sent once ``submitted_at`` is set (and the ledger holds the same text and hash).
    """

    __tablename__ = "regulatory_reports"
    __table_args__ = (
        UniqueConstraint("incident_id", "regime", "version"),
        Index("ix_regulatory_reports_incident_id_regime", "incident_id", "regime"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    regime: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("regulatory_reports.id", ondelete="SET NULL"), default=None
    )
    format: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    submitted_by: Mapped[str | None] = mapped_column(String(100), default=None)
    recipient: Mapped[str | None] = mapped_column(String(300), default=None)


class Reminder(Base):
    """A reminder sent (or passed over for a later one) for one clock and threshold; the
    unique key is what makes it once, whichever replica ticks."""

    __tablename__ = "regulatory_reminders"
    __table_args__ = (UniqueConstraint("incident_id", "regime", "stage", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    regime: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))
    threshold: Mapped[int]
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    audit_seq: Mapped[int | None] = mapped_column(default=None)
