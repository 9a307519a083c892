"""What SDKs send: traces of guarded calls (F1, F2), feedback (D6), filter hits, SDK health.

Every table is append-only with a unique ``(at, event_id)``, so a batch the SDK retries
after a lost response is stored once (a retried event is byte-identical, time included).
The time leads that key so inserts land at the right edge of the index: a unique index on
a random event id alone cost a page write per row and halved ingest throughput on SQLite;
leading with the time, the same index also serves time-window queries.

``system`` is the system's name rather than a foreign key: these rows are evidence and
must outlive a renamed or deleted system (F4).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base


class Trace(Base):
    """One guarded AI call: inputs, context, output and what the Guard did about it.

    ``trace_id`` is not unique: an incoming ``X-AI-Trace-Id`` is propagated, so one
    request may pass through several guarded calls (a classifier, then an agent).
    """

    __tablename__ = "traces"
    __table_args__ = (
        UniqueConstraint("at", "event_id"),
        Index("ix_traces_system_at", "system", "at"),
        Index("ix_traces_user_id_at", "user_id", "at"),
        Index("ix_traces_trace_id", "trace_id"),
        # Covering indexes for the blast radius (blastradius/service.py): each of its two
        # aggregates is one index-only scan that streams its GROUP BY in index order, with
        # no sort and no table lookup (1,000,000 traces in < 500 ms, bench/blast_radius.py).
        Index("ix_traces_blast_outputs", "system", "canary", "label", "fired_actions", "at"),
        Index("ix_traces_blast_users", "system", "canary", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    trace_id: Mapped[str] = mapped_column(String(128))
    system: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime]
    received_at: Mapped[datetime]
    user_id: Mapped[str | None] = mapped_column(String(200), default=None)
    decision: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(String(200), default=None)
    confidence: Mapped[float | None] = mapped_column(default=None)
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    release: Mapped[str | None] = mapped_column(String(100), default=None)
    latency_ms: Mapped[float | None] = mapped_column(default=None)
    input_text: Mapped[str | None] = mapped_column(Text, default=None)
    output_text: Mapped[str | None] = mapped_column(Text, default=None)
    # True when a free-text field was cut at MAX_TEXT_CHARS on ingest (see docs/traces.md).
    truncated: Mapped[bool] = mapped_column(default=False)
    # Everything else the call event carries: retrieved docs, tool calls, downstream
    # actions, filters, levers, surfaces, tokens, error, attributes.
    payload: Mapped[dict[str, Any]]
    # A canary case's call, written by the canary runner (never by an SDK: events have no
    # such field, so production traffic cannot hide from monitors).  Production monitors
    # and review sampling skip these; the canary_failures signal reads only these.
    canary: Mapped[bool] = mapped_column(default=False)
    # The downstream actions that fired (status fired or approved), written at ingest as
    # sorted compact JSON ``[["name", reversible], ...]`` (None when none fired), so the
    # blast radius counts actions with one GROUP BY instead of parsing every payload.
    fired_actions: Mapped[str | None] = mapped_column(Text, default=None)


class TraceFeedback(Base):
    """A human flag on a trace (D6).

    Its own table because feedback may arrive before its trace is stored (another batch)
    and two flags on one trace must both be kept.
    """

    __tablename__ = "trace_feedback"
    __table_args__ = (
        UniqueConstraint("at", "event_id"),
        Index("ix_trace_feedback_trace_id", "trace_id"),
        Index("ix_trace_feedback_system_at", "system", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    trace_id: Mapped[str] = mapped_column(String(128))
    system: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime]
    received_at: Mapped[datetime]
    user_id: Mapped[str | None] = mapped_column(String(200), default=None)
    rating: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    by: Mapped[str | None] = mapped_column(String(200), default=None)


class FilterHit(Base):
    """A guardrail match in one call (D7), kept flat so detection counts without parsing."""

    __tablename__ = "filter_hits"
    __table_args__ = (
        UniqueConstraint("at", "event_id"),
        Index("ix_filter_hits_system_at", "system", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    trace_id: Mapped[str] = mapped_column(String(128))
    system: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime]
    received_at: Mapped[datetime]
    user_id: Mapped[str | None] = mapped_column(String(200), default=None)
    filter: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    count: Mapped[int]


class SdkStatus(Base):
    """An SDK process's exporter health report, sent every minute."""

    __tablename__ = "sdk_status_reports"
    __table_args__ = (
        UniqueConstraint("at", "event_id"),
        Index("ix_sdk_status_reports_system_at", "system", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    system: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime]
    received_at: Mapped[datetime]
    instance: Mapped[str] = mapped_column(String(100))
    sdk_version: Mapped[str] = mapped_column(String(50))
    sent: Mapped[int]
    dropped: Mapped[int]
    queued: Mapped[int]
    lever_revision: Mapped[int]
    lever_age_s: Mapped[float | None] = mapped_column(default=None)


EVENT_TABLES = (Trace, TraceFeedback, FilterHit, SdkStatus)
