"""API shapes for monitors, their state, alarms and rollback verification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from blastwall.detect.detectors._base import DEFAULT_FALSE_ALARM_RATE, DEFAULT_REFERENCE
from blastwall.detect.monitors.enums import Phase, ReferenceKind, Signal, VerificationStatus
from blastwall.detect.monitors.models import Alarm, Monitor, MonitorState, Verification
from blastwall.detect.signals import parse_params
from blastwall.inputs import Input
from blastwall.registry.names import ENVIRONMENT_MAX, NAME_MAX, slug_pattern
from blastwall.taxonomy import Harm, IncidentClass

DEFAULT_VERIFY = 1000
MAX_REFERENCE = 1_000_000


class _Input(Input):
    model_config = ConfigDict(extra="forbid")


class ReferenceSpec(_Input):
    """Where the baseline comes from: the first N observations after a release becomes
    active (re-learned at each activation), or a pinned time range of event times."""

    kind: ReferenceKind = Field(default=ReferenceKind.release, description="release or pinned.")
    observations: int | None = Field(
        default=None,
        ge=10,
        le=MAX_REFERENCE,
        description=f"release: size of the reference window (default {DEFAULT_REFERENCE}).",
    )
    start: AwareDatetime | None = Field(default=None, description="pinned: range start.")
    end: AwareDatetime | None = Field(default=None, description="pinned: range end (excluded).")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is ReferenceKind.release:
            if self.start is not None or self.end is not None:
                raise ValueError(
                    "start and end belong to a pinned reference: set kind: pinned, or drop them"
                )
            return self
        if self.observations is not None:
            raise ValueError(
                "a pinned reference uses every observation in its range: drop observations"
            )
        if self.start is None or self.end is None:
            raise ValueError("a pinned reference needs both start and end (RFC 3339 times)")
        if self.start >= self.end:
            raise ValueError(
                f"start ({self.start.isoformat()}) must be before end ({self.end.isoformat()})"
            )
        return self

    def stored(self) -> dict[str, Any]:
        """The form kept on the monitor (and compared by config as code)."""
        if self.kind is ReferenceKind.release:
            return {"kind": "release", "observations": self.observations or DEFAULT_REFERENCE}
        assert self.start is not None
        assert self.end is not None
        return {
            "kind": "pinned",
            "start": self.start.astimezone(UTC).isoformat(),
            "end": self.end.astimezone(UTC).isoformat(),
        }


_NAME = slug_pattern(NAME_MAX)
_ENVIRONMENT = slug_pattern(ENVIRONMENT_MAX)


class MonitorFields(_Input):
    """Everything a monitor is, as the API and blastwall.yaml declare it."""

    description: str = Field(default="", max_length=2000, description="What it watches and why.")
    signal: Signal = Field(description="What each event is turned into (docs/detection.md).")
    params: dict[str, Any] = Field(
        default_factory=dict, description="The signal's parameters (docs/detection.md)."
    )
    environment: str | None = Field(
        default=None, pattern=_ENVIRONMENT, description="Only this environment; null: all."
    )
    reference: ReferenceSpec = Field(default_factory=ReferenceSpec)
    false_alarm_rate: float = Field(
        default=DEFAULT_FALSE_ALARM_RATE,
        gt=0,
        lt=0.1,
        description="Target false alarms per observation with no change (1e-5: 1 in 100,000).",
    )
    verify_observations: int = Field(
        default=DEFAULT_VERIFY,
        ge=10,
        le=MAX_REFERENCE,
        description="Observations after a rollback or lever change before verification decides.",
    )
    classes: list[IncidentClass] = Field(
        default_factory=list, description="Incident classes an alarm of this monitor implies."
    )
    harm: Harm | None = Field(
        default=None, description="Harm an alarm implies; null opens at harm none (severity 3)."
    )
    enabled: bool = Field(default=True, description="A disabled monitor keeps its baseline.")

    @model_validator(mode="after")
    def _params(self) -> Self:
        self.params = parse_params(self.signal, self.params)
        return self

    def stored(self) -> dict[str, Any]:
        """Column values as the monitor keeps them."""
        return {
            "description": self.description,
            "signal": self.signal.value,
            "params": self.params,
            "environment": self.environment,
            "reference": self.reference.stored(),
            "false_alarm_rate": self.false_alarm_rate,
            "verify_observations": self.verify_observations,
            "classes": list(dict.fromkeys(c.value for c in self.classes)),
            "harm": self.harm.value if self.harm else None,
            "enabled": self.enabled,
        }


class MonitorCreate(MonitorFields):
    name: str = Field(pattern=_NAME, description="Slug naming the monitor, e.g. fraud-share.")


class MonitorUpdate(_Input):
    """A partial update; changing signal, params, environment, reference or false_alarm_rate
    starts a new baseline."""

    description: str | None = Field(default=None, max_length=2000)
    signal: Signal | None = None
    params: dict[str, Any] | None = None
    environment: str | None = Field(default=None, pattern=_ENVIRONMENT)
    reference: ReferenceSpec | None = None
    false_alarm_rate: float | None = Field(default=None, gt=0, lt=0.1)
    verify_observations: int | None = Field(default=None, ge=10, le=MAX_REFERENCE)
    classes: list[IncidentClass] | None = None
    harm: Harm | None = None
    enabled: bool | None = None


class MonitorStateRead(BaseModel):
    """What the engine knows: phase, progress of the reference window, counters, baseline."""

    phase: Phase
    message: str
    reference: int | None = Field(description="Observations the reference window holds.")
    learned: int = Field(description="Observations of the reference window seen so far.")
    observations: int = Field(description="Observations counted since the baseline started.")
    missing: int = Field(description="Watched calls without the field (no label, no output...).")
    bad: dict[str, int] = Field(description="Values refused, by reason (NaN, negative, ...).")
    baseline: Any
    statistic: float
    threshold: float | None
    leading: str | None = Field(description="The change the detector finds most likely.")
    baseline_release: str | None = Field(
        default=None, description="The release whose observations formed the baseline."
    )
    known_good_baseline: bool = Field(
        default=False,
        description="The baseline is a known-good release's: newer releases are tested "
        "against it. False: the system has no known-good baseline yet, so the monitor learns "
        "from each release's first observations and a release broken from its first call "
        "is not caught.",
    )
    under_test: dict[str, Any] | None = Field(
        default=None,
        description="The newer release tested against the baseline: {release, against, "
        "changed (surfaces, 'prompt v1 -> v2')}.",
    )
    last_observation_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, state: MonitorState | None, enabled: bool) -> MonitorStateRead:
        if state is None:
            return cls(
                phase=Phase.learning if enabled else Phase.disabled,
                message="the engine has not looked at this monitor yet",
                reference=None,
                learned=0,
                observations=0,
                missing=0,
                bad={},
                baseline=None,
                statistic=0.0,
                threshold=None,
                leading=None,
                last_observation_at=None,
                updated_at=None,
            )
        summary, counts = state.summary, state.counts
        phase = Phase(state.phase)
        if not enabled:
            phase = Phase.disabled
        elif phase is Phase.disabled:
            phase = Phase.learning
        return cls(
            phase=phase,
            message=state.message or _progress(summary, counts),
            reference=summary.get("reference"),
            learned=int(summary.get("learned") or 0),
            observations=int(counts.get("observations", 0)),
            missing=int(counts.get("missing", 0)),
            bad={str(k): int(v) for k, v in (counts.get("bad") or {}).items()},
            baseline=summary.get("baseline"),
            statistic=float(summary.get("statistic") or 0.0),
            threshold=summary.get("threshold"),
            leading=summary.get("leading"),
            baseline_release=summary.get("baseline_release"),
            known_good_baseline=bool(summary.get("known_good_baseline")),
            under_test=summary.get("under_test"),
            last_observation_at=state.last_observation_at,
            updated_at=state.updated_at,
        )


def _progress(summary: dict[str, Any], counts: dict[str, Any]) -> str:
    """A plain sentence when the engine left no message: especially for fields that never come."""
    if counts.get("observations", 0) == 0 and counts.get("missing", 0):
        return (
            f"no observation yet: {counts['missing']} watched call(s) lacked the field this "
            "signal reads; check the signal and its params against what the SDK sends"
        )
    return ""


class MonitorRead(BaseModel):
    id: int
    system: str
    name: str
    description: str
    signal: Signal
    params: dict[str, Any]
    environment: str | None
    reference: dict[str, Any]
    false_alarm_rate: float
    verify_observations: int
    classes: list[IncidentClass]
    harm: Harm | None
    enabled: bool
    created_at: datetime
    created_by: str
    updated_at: datetime
    state: MonitorStateRead

    @classmethod
    def of(cls, monitor: Monitor) -> MonitorRead:
        return cls(
            id=monitor.id,
            system=monitor.system.name,
            name=monitor.name,
            description=monitor.description,
            signal=Signal(monitor.signal),
            params=monitor.params,
            environment=monitor.environment,
            reference=monitor.reference,
            false_alarm_rate=monitor.false_alarm_rate,
            verify_observations=monitor.verify_observations,
            classes=[IncidentClass(c) for c in monitor.classes],
            harm=Harm(monitor.harm) if monitor.harm else None,
            enabled=monitor.enabled,
            created_at=monitor.created_at,
            created_by=monitor.created_by,
            updated_at=monitor.updated_at,
            state=MonitorStateRead.of(monitor.state, monitor.enabled),
        )


class AlarmRead(BaseModel):
    """An alarm and its evidence."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    system: str
    monitor: str
    signal: Signal
    at: datetime = Field(description="When the engine raised it.")
    observed_at: datetime = Field(description="Event time of the observation that crossed.")
    trace_id: str | None
    change_at: datetime = Field(description="Estimated start of the change (event time).")
    change_observations: int = Field(description="Observations from the change to the alarm.")
    description: str
    baseline: Any
    current: Any = Field(description="Estimate over the observations since the change.")
    threshold: float
    false_alarm_rate: float
    sample_trace_ids: list[str]
    incident_id: int | None
    repeats: int = Field(description="Later crossings while its incident stayed open.")
    last_repeat_at: datetime | None

    @classmethod
    def of(cls, alarm: Alarm) -> AlarmRead:
        return cls.model_validate(alarm)


class ChangeRead(BaseModel):
    entry_id: int
    kind: str
    at: datetime


class VerificationRead(BaseModel):
    id: int
    monitor: str
    alarm_id: int
    change: ChangeRead
    status: VerificationStatus
    observations: int
    needed: int
    watch_from: datetime
    evidence: dict[str, Any]
    decided_at: datetime | None

    @classmethod
    def of(cls, row: Verification, monitor: str) -> VerificationRead:
        return cls(
            id=row.id,
            monitor=monitor,
            alarm_id=row.alarm_id,
            change=ChangeRead(entry_id=row.change_entry_id, kind=row.change_kind, at=row.change_at),
            status=VerificationStatus(row.status),
            observations=row.observations,
            needed=row.needed,
            watch_from=row.watch_from,
            evidence=row.evidence,
            decided_at=row.decided_at,
        )


class IncidentVerificationRead(BaseModel):
    """R3 on one incident: the latest change's verifications and the overall verdict."""

    incident_id: int
    status: Literal["verified", "not_verified", "pending", "none"]
    message: str
    change: ChangeRead | None
    monitors: list[VerificationRead]
    earlier: list[VerificationRead] = Field(description="Verifications of earlier changes.")
