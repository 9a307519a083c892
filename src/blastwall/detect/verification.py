"""R3: after a rollback or lever change on an incident, is the alarmed stream back to normal?

A *change* is a timeline entry of kind ``rollback``, ``lever`` or ``release`` on an incident
that already has alarms.  For every monitor that alarmed on the incident before the change,
the engine starts a verification: a fresh detector on the baseline the alarm recorded (same
thresholds, CUSUMs at zero) is fed that monitor's observations received from
``settle_s`` after the change on (time for SDKs and deployments to take effect).

* ``not_verified`` as soon as that detector alarms: the stream is still off its baseline.
* After ``needed`` observations (the monitor's ``verify_observations``) without an alarm:
  ``verified`` if the estimate over those observations lies inside the baseline's interval,
  else ``not_verified``. The baseline is itself an estimate, from the monitor's ``m``
  reference observations, so the interval is that of a two-sample difference: each share
  or rate within 3 standard errors of sqrt(p(1-p)(1/n + 1/m)), 3.5 with several
  categories; for numbers the mean normal score within 3 sqrt(1/n + 1/m) of 0 and its
  spread within 3 sqrt((1/n + 1/m)/2) of 1. Ignoring the baseline's own error would call
  a stream that is back at its baseline "not verified" one time in twenty (n = m = 1,000).
* A later change on the same incident supersedes a pending verification.

A lever that takes the model out of the loop (kill, human fallback, safe mode) leaves
model-output monitors without observations, so their verification waits until traffic
reaches the model again.  Each decision is written to the incident's timeline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import NormalDist
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall import changes
from blastwall.changes import references
from blastwall.changes.record import WIRING_MODULE, ensure_wired
from blastwall.detect.alarms import ENGINE
from blastwall.detect.detectors._base import ReferenceDetector
from blastwall.detect.detectors.level_spread_shift import mid_rank_symbols
from blastwall.detect.monitors.enums import Signal, VerificationStatus
from blastwall.detect.monitors.models import Alarm, Monitor, Verification
from blastwall.detect.monitors.runtime import DETECTORS, reference_detector
from blastwall.detect.monitors.schemas import IncidentVerificationRead, VerificationRead
from blastwall.detect.replay import Kind
from blastwall.detect.signals import SIGNALS, Observations

CHANGE_KINDS = ("rollback", "lever", "release")
VERIFICATION_KIND = "verification"
DEFAULT_NEEDED = 1000
Z_RATE = 3.0
Z_CATEGORIES = 3.5


@dataclass(frozen=True)
class ChangeEntry:
    """A change on an incident's timeline (a rollback, lever or release entry)."""

    id: int
    incident_id: int
    kind: str
    at: datetime


class Timeline(Protocol):
    """What verification reads from incidents (``incidents.for_detect``): detect sits lower
    in the house and must not import incidents, so it declares this port instead."""

    def changes(
        self, session: Session, incident_ids: Sequence[int], kinds: Sequence[str]
    ) -> list[ChangeEntry]:
        """The entries of ``kinds`` on those incidents, oldest first."""


_port: list[Timeline] = []


def connect(timeline: Timeline) -> None:
    """Plug incidents' timeline in (``blastwall.wiring`` does, once)."""
    _port[:] = [timeline]


def _timeline() -> Timeline:
    ensure_wired()  # the wiring module connects the port
    if not _port:
        raise RuntimeError(f"no incident timeline connected: {WIRING_MODULE} must call connect()")
    return _port[0]


def _kind(record: dict[str, Any]) -> Kind:
    return SIGNALS[Signal(record["signal"])].kind


class Verifier:
    """One pending verification at work: a fresh detector and the tallies of its estimate."""

    def __init__(self, row: Verification, record: dict[str, Any], monitor_id: int | None) -> None:
        self.id = row.id
        self.monitor_id = monitor_id
        self.record = record
        self.kind = _kind(record)
        self.watch_from = row.watch_from.timestamp()
        self.needed = row.needed
        self.revision = row.revision
        self.observations = row.observations
        self.tallies: dict[str, Any] = dict(row.tallies)
        self.alarm_at: int | None = None
        self.detector: ReferenceDetector
        if row.detector is not None:
            state = {**row.detector, "baseline": record["baseline"]}
            self.detector = DETECTORS[record["detector"]].from_state(state)
        else:
            self.detector = reference_detector(record)
        self.index = {label: i for i, label in enumerate(record["labels"])}

    def feed(self, batch: Observations) -> None:
        """Feed the observations received after the change took effect, up to ``needed``."""
        if self.alarm_at is not None or self.observations >= self.needed:
            return
        keep = np.flatnonzero(batch.received >= self.watch_from)
        values = batch.values[keep]
        if self.kind is Kind.categorical:
            ids = np.fromiter((self.index.get(v, -1) for v in values), np.int64, values.shape[0])
            values = ids[ids >= 0]
        values = values[: self.needed - self.observations]
        if not values.shape[0]:
            return
        alarms = self.detector.update_many(values)
        if alarms:
            values = values[: alarms[0] + 1]
            self.alarm_at = self.observations + alarms[0] + 1
        self.observations += int(values.shape[0])
        self._tally(values)

    def _tally(self, values: npt.NDArray[Any]) -> None:
        if self.kind is Kind.continuous:
            z = _scores(self.record["baseline"], values)
            self.tallies["sum"] = self.tallies.get("sum", 0.0) + float(z.sum())
            self.tallies["sumsq"] = self.tallies.get("sumsq", 0.0) + float((z * z).sum())
            return
        width = len(self.record["baseline"])
        counts = np.bincount(values.astype(np.int64), minlength=width)[:width]
        previous = self.tallies.get("counts", [0] * width)
        self.tallies["counts"] = [int(a + b) for a, b in zip(previous, counts, strict=True)]

    def verdict(self) -> tuple[VerificationStatus, dict[str, Any]]:
        """Decided or still pending, with the evidence either way."""
        evidence = self._estimate()
        if self.alarm_at is not None:
            evidence["alarm_at_observation"] = self.alarm_at
            return VerificationStatus.not_verified, evidence
        if self.observations < self.needed:
            return VerificationStatus.pending, evidence
        status = (
            VerificationStatus.verified if evidence["within"] else VerificationStatus.not_verified
        )
        return status, evidence

    def _estimate(self) -> dict[str, Any]:
        n = max(self.observations, 1)
        m = self._reference_size()
        baseline = self.detector.baseline
        if self.kind is Kind.continuous:
            mean = self.tallies.get("sum", 0.0) / n
            spread = math.sqrt(max(self.tallies.get("sumsq", 0.0) / n - mean * mean, 0.0))
            level, scale = score_margins(n, m)
            return {
                "observations": self.observations,
                "baseline": baseline,
                "current": {"mean_normal_score": round(mean, 4), "spread": round(spread, 4)},
                "interval": {
                    "mean_normal_score": round(level, 4),
                    "spread": [round(1 - scale, 4), round(1 + scale, 4)],
                },
                "within": abs(mean) <= level and abs(spread - 1) <= scale,
            }
        counts = np.asarray(self.tallies.get("counts", [0] * len(self.record["baseline"])))
        rate = float(baseline) if isinstance(baseline, float) else 0.0
        shares = np.asarray(baseline if isinstance(baseline, list) else [1 - rate, rate])
        current = counts / n
        z = Z_CATEGORIES if self.kind is Kind.categorical and shares.shape[0] > 2 else Z_RATE
        margin = share_margins(shares, n, m, z)
        labels = self._labels(shares.shape[0])
        return {
            "observations": self.observations,
            "baseline": dict(zip(labels, np.round(shares, 6).tolist(), strict=True)),
            "current": dict(zip(labels, np.round(current, 6).tolist(), strict=True)),
            "interval": dict(zip(labels, np.round(margin, 6).tolist(), strict=True)),
            "within": bool(np.all(np.abs(current - shares) <= margin)),
        }

    def _reference_size(self) -> int:
        """How many observations the baseline was learned from (its counts, or its sample)."""
        baseline = self.record["baseline"]
        size = len(baseline) if self.kind is Kind.continuous else int(sum(baseline))
        return max(size, 1)

    def _labels(self, width: int) -> list[str]:
        if self.kind is Kind.binary:
            return ["no", "yes"]
        names = list(self.record["labels"])
        return [names[i] if i < len(names) else f"({i})" for i in range(width)]

    def save(self, row: Verification) -> None:
        state = self.detector.to_state()
        row.detector = {k: v for k, v in state.items() if k != "baseline"}
        row.observations = self.observations
        row.tallies = dict(self.tallies)
        row.revision += 1
        self.revision = row.revision


def share_margins(
    shares: npt.NDArray[np.float64], n: int, m: int, z: float
) -> npt.NDArray[np.float64]:
    """How far each of ``n`` observations' shares may sit from a baseline learned from ``m``."""
    margin: npt.NDArray[np.float64] = z * np.sqrt(shares * (1 - shares) * (1 / n + 1 / m)) + 0.5 / n
    return margin


def score_margins(n: int, m: int) -> tuple[float, float]:
    """How far ``n`` normal scores' mean may sit from 0, and their spread from 1."""
    both = 1 / n + 1 / m
    return 3 * math.sqrt(both), 3 * math.sqrt(both / 2)


def _scores(baseline: list[float], values: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Normal scores of values against the sorted baseline, standardised on the baseline's own."""
    ordered = np.asarray(baseline, dtype=np.float64)
    size = ordered.shape[0]
    inverse = NormalDist().inv_cdf

    def score(symbols: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        return np.fromiter(
            (inverse((s / 2.0 + 0.5) / (size + 1)) for s in symbols), np.float64, symbols.shape[0]
        )

    own = score(mid_rank_symbols(ordered, ordered))
    scores = score(mid_rank_symbols(ordered, values.astype(np.float64)))
    standard: npt.NDArray[np.float64] = (scores - own.mean()) / max(float(own.std()), 1e-9)
    return standard


@dataclass(frozen=True)
class Started:
    verification_id: int
    incident_id: int
    monitor: str


def start_new(session: Session, *, settle_s: float, now: datetime) -> list[Started]:
    """Open a pending verification for each change entry not looked at yet (and each
    monitor that alarmed on its incident before it); supersede older pending ones."""
    alarmed = session.scalars(
        select(Alarm.incident_id).where(Alarm.incident_id.is_not(None)).distinct()
    ).all()
    ids = [i for i in alarmed if i is not None]
    seen = set(
        session.scalars(
            select(Verification.change_entry_id).where(Verification.incident_id.in_(ids))
        )
    )
    entries = [e for e in _timeline().changes(session, ids, CHANGE_KINDS) if e.id not in seen]
    started: list[Started] = []
    for entry in entries:
        for alarm in _latest_alarm_per_monitor(session, entry):
            for old in session.scalars(
                select(Verification).where(
                    Verification.incident_id == entry.incident_id,
                    Verification.monitor_id == alarm.monitor_id,
                    Verification.status == VerificationStatus.pending.value,
                )
            ):
                old.status = VerificationStatus.superseded.value
                old.decided_at = now
            monitor = session.get(Monitor, alarm.monitor_id) if alarm.monitor_id else None
            row = Verification(
                incident_id=entry.incident_id,
                alarm_id=alarm.id,
                monitor_id=alarm.monitor_id,
                change_entry_id=entry.id,
                change_kind=entry.kind,
                change_at=entry.at,
                watch_from=entry.at + timedelta(seconds=settle_s),
                status=VerificationStatus.pending.value,
                needed=monitor.verify_observations if monitor else DEFAULT_NEEDED,
            )
            session.add(row)
            session.flush()
            started.append(Started(row.id, entry.incident_id, alarm.monitor))
    return started


def _latest_alarm_per_monitor(session: Session, entry: ChangeEntry) -> Iterable[Alarm]:
    alarms = session.scalars(
        select(Alarm)
        .where(Alarm.incident_id == entry.incident_id, Alarm.at <= entry.at)
        .order_by(Alarm.id.desc())
    ).all()
    latest: dict[str, Alarm] = {}
    for alarm in alarms:
        latest.setdefault(f"{alarm.monitor_id}:{alarm.monitor}", alarm)
    return sorted(latest.values(), key=lambda a: a.id)


def decide(session: Session, verifier: Verifier, row: Verification, *, now: datetime) -> bool:
    """Save the verifier's progress; on a decision, record it on the timeline. True if decided."""
    verifier.save(row)
    status, evidence = verifier.verdict()
    row.evidence = evidence
    if status is VerificationStatus.pending:
        return False
    row.status = status.value
    row.decided_at = now
    alarm = session.get(Alarm, row.alarm_id)
    monitor = alarm.monitor if alarm else "monitor"
    if status is VerificationStatus.verified:
        message = (
            f"Verified: {monitor} is back at its baseline after the {row.change_kind} "
            f"({row.observations} observations without an alarm, estimate within the baseline)"
        )
    elif verifier.alarm_at is not None:
        message = (
            f"Not verified: {monitor} alarmed again {verifier.alarm_at} observations after the "
            f"{row.change_kind}; the stream is still off its baseline"
        )
    else:
        message = (
            f"Not verified: after the {row.change_kind}, {monitor} did not alarm in "
            f"{row.observations} observations but its estimate is outside the baseline's interval"
        )
    # Its domain, "verification", is the timeline kind (VERIFICATION_KIND).
    changes.record(
        session,
        changes.Change(
            action=f"{VERIFICATION_KIND}.decided",
            target=f"incident:{row.incident_id}/{monitor}",
            actor=ENGINE,
            reason=message,
            after={"verification_id": row.id, "monitor": monitor, "status": status.value},
            incident_id=row.incident_id,
            timeline=message,
            data={
                "verification_id": row.id,
                "monitor": monitor,
                "status": status.value,
                **evidence,
            },
        ),
    )
    return True


def overview(session: Session, incident_id: int) -> IncidentVerificationRead:
    """The incident's verification: the latest change's verdict per monitor, with evidence."""
    references.require(session, "incident", incident_id)
    rows = session.scalars(
        select(Verification)
        .where(Verification.incident_id == incident_id)
        .order_by(Verification.change_entry_id.desc(), Verification.id)
    ).all()
    names = dict(
        session.execute(
            select(Alarm.id, Alarm.monitor).where(Alarm.incident_id == incident_id)
        ).all()
    )
    reads = [VerificationRead.of(row, names.get(row.alarm_id, "monitor")) for row in rows]
    if not reads:
        alarmed = bool(names)
        message = (
            "no rollback, release or lever change linked to this incident since its alarms"
            if alarmed
            else "no monitor alarmed on this incident, so there is nothing to verify against"
        )
        return IncidentVerificationRead(
            incident_id=incident_id,
            status="none",
            message=message,
            change=None,
            monitors=[],
            earlier=[],
        )
    latest = reads[0].change
    current = [r for r in reads if r.change.entry_id == latest.entry_id]
    statuses = {r.status for r in current}
    if VerificationStatus.not_verified in statuses:
        status, message = "not_verified", "a monitor that alarmed is still off its baseline"
    elif statuses == {VerificationStatus.verified}:
        status, message = "verified", "every monitor that alarmed is back at its baseline"
    else:
        waiting = sum(r.needed - r.observations for r in current if r.status == "pending")
        status = "pending"
        message = f"watching: {waiting} more observation(s) needed after the {latest.kind}"
    return IncidentVerificationRead(
        incident_id=incident_id,
        status=status,
        message=message,
        change=latest,
        monitors=current,
        earlier=[r for r in reads if r.change.entry_id != latest.entry_id],
    )
