"""Alarm -> intake: detect records its alarm and hands it to incidents' intake (D8, I5).

The policy (repeat, join or open; which statuses count as open; how harm escalates) lives
in ``incidents.intake``. Detect must not import incidents (it sits lower in the house), so
it declares what it needs as a port, :class:`Intake`, which ``blastwall.wiring`` connects
to incidents' adapter. A change-kernel subscriber cannot serve here: the alarm row needs
the answer inside the same transaction (is this a repeat? which incident did it join?),
and subscribers do not answer. The intake records the alarm through ``changes.record``
(``alarm.raised``, with its timeline sentence), so every subscriber hears of it.

* A monitor that alarms again while the incident its alarm joined is still open adds a
  repeat to that alarm (count and time), not a new alarm.
* Otherwise the alarm is recorded and handed to the intake, which joins the system's open
  incident or opens one at the harm the monitor declares ("none" when it declares none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes.record import WIRING_MODULE, ensure_wired
from blastwall.detect.monitors.evidence import Evidence
from blastwall.detect.monitors.models import Alarm
from blastwall.detect.monitors.runtime import Config

ENGINE = Actor(name="detection-engine", role=Role.responder)
ALARM_KIND = "alarm"


@dataclass(frozen=True)
class Raised:
    """An alarm in the intake's terms, plain values only (detect cannot name incidents' types)."""

    key: str  # the monitor's id: the same monitor alarming again is a repeat
    system: str
    title: str
    summary: str
    message: str
    harm: str | None
    classes: tuple[str, ...]
    started_at: datetime
    received_at: datetime
    evidence: dict[str, Any]
    count: int
    actor: Actor


class Intake(Protocol):
    """What detect needs from the incident intake (``incidents.for_detect``)."""

    def joined(self, session: Session, key: str) -> int | None:
        """The open incident monitor ``key``'s signal joined, or None."""

    def receive(self, session: Session, raised: Raised) -> int:
        """Hand over an alarm (a repeat, a join or a new incident); the incident's id."""


_port: list[Intake] = []


def connect(intake: Intake) -> None:
    """Plug the intake in (``blastwall.wiring`` does, once); a later call replaces it."""
    _port[:] = [intake]


def _intake() -> Intake:
    ensure_wired()  # the wiring module connects the port
    if not _port:
        raise RuntimeError(f"no incident intake connected: {WIRING_MODULE} must call connect()")
    return _port[0]


def record(
    session: Session, config: Config, evidence: Evidence, *, crossings: int, now: datetime
) -> tuple[Alarm, bool]:
    """Record ``crossings`` threshold crossings of one monitor; returns (alarm, new?)."""
    intake = _intake()
    key = str(config.id)
    last = session.scalar(
        select(Alarm).where(Alarm.monitor_id == config.id).order_by(Alarm.id.desc()).limit(1)
    )
    if last is not None and intake.joined(session, key) is not None:
        intake.receive(session, _raised(config, evidence, crossings, now, None))
        last.repeats += crossings
        last.last_repeat_at = now
        return last, False
    alarm = Alarm(
        monitor_id=config.id,
        system=config.system,
        monitor=config.name,
        signal=config.spec.signal.value,
        at=now,
        observed_at=evidence.observed_at,
        trace_id=evidence.trace_id,
        change_at=evidence.change_at,
        change_observations=evidence.change_observations,
        description=evidence.description,
        baseline=evidence.baseline,
        current=evidence.current,
        threshold=evidence.threshold,
        false_alarm_rate=evidence.false_alarm_rate,
        sample_trace_ids=evidence.samples,
        reference=evidence.reference,
        repeats=crossings - 1,
        last_repeat_at=now if crossings > 1 else None,
    )
    session.add(alarm)
    session.flush()
    alarm.incident_id = intake.receive(session, _raised(config, evidence, crossings, now, alarm))
    session.flush()
    return alarm, True


def _raised(
    config: Config, evidence: Evidence, crossings: int, now: datetime, alarm: Alarm | None
) -> Raised:
    started = min(evidence.change_at, now)
    signal = config.spec.signal.value
    title = f"{config.system}: {config.name} left its baseline"
    summary = (
        f"Opened by monitor {config.name} ({signal}): {evidence.description}. "
        f"Baseline {evidence.baseline}; since about {started.isoformat()} "
        f"({evidence.change_observations} observations): {evidence.current}."
    )
    ids = {"alarm_id": alarm.id} if alarm is not None else {}
    return Raised(
        key=str(config.id),
        system=config.system,
        title=title,
        summary=summary,
        message=f"Monitor {config.name} alarmed: {evidence.description}",
        harm=config.harm,
        classes=tuple(config.classes),
        started_at=evidence.change_at,
        received_at=now,
        evidence=ids | {"monitor": config.name, "signal": signal} | evidence.as_data(),
        count=crossings,
        actor=ENGINE,
    )
