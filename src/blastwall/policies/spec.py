"""The ``policies:`` section of ``blastwall.yaml``: when a signal arrives, what to do (C8).

A policy names one system, one trigger and the actions it takes on that system::

    policies:
      - name: kill-on-refusals
        system: support-agent
        mode: enforce              # observe (default): record what it would do, change nothing
        when:
          alarm: {monitor: refusal-rate}       # or: incident: {class: privacy, severity: 1}
                                               # or: alert: {labels: {team: payments}}
        do:
          - {environment: prod, set: {killed: true}}
          - {environment: prod, rollback: release}   # or a surface name
        cooldown: 10m
        max_per_hour: 3
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_serializer,
    model_validator,
)

from blastwall.levers.schemas import LeverSet

NAME = r"^[a-z0-9][a-z0-9._-]{0,99}$"
WHOLE_RELEASE = "release"
_DURATION = re.compile(r"^(\d{1,6})\s*([smh]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600}


class Mode(StrEnum):
    """``observe`` records what a policy would have done; ``enforce`` does it."""

    observe = "observe"
    enforce = "enforce"


def _seconds(value: Any) -> Any:
    """``600``, ``"600s"``, ``"10m"`` or ``"1h"`` as seconds; anything else left to fail."""
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if match is None:
            raise ValueError(f"{value!r} is not a duration: write seconds (600) or 30s, 10m, 1h")
        return int(match.group(1)) * _UNIT[match.group(2)]
    return value


Seconds = Annotated[StrictInt, BeforeValidator(_seconds), Field(ge=0, le=7 * 24 * 3600)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlarmTrigger(_Strict):
    """A monitor of the policy's system alarms; ``monitor`` left out matches any of them."""

    monitor: StrictStr | None = Field(None, description="The monitor's name.")


class IncidentTrigger(_Strict):
    """An incident of the policy's system opens in this (class, severity) cell."""

    class_: StrictStr | None = Field(
        None, alias="class", description="An incident class; left out matches any."
    )
    severity: StrictInt | None = Field(
        None, ge=1, le=3, description="The severity (1 worst); left out matches any."
    )


class AlertTrigger(_Strict):
    """An alert routed to the policy's system carrying every one of these labels."""

    labels: dict[StrictStr, StrictStr] = Field(default_factory=dict)


class When(_Strict):
    """Exactly one trigger."""

    alarm: AlarmTrigger | None = None
    incident: IncidentTrigger | None = None
    alert: AlertTrigger | None = None

    @model_validator(mode="after")
    def _one(self) -> When:
        given = [k for k in ("alarm", "incident", "alert") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one trigger: alarm: {monitor: NAME}, incident: {class: C, "
                "severity: N} or alert: {labels: {...}} "
                f"(got {', '.join(given) or 'none'})"
            )
        return self

    @property
    def kind(self) -> str:
        return "alarm" if self.alarm else "incident" if self.incident else "alert"

    def describe(self) -> str:
        if self.alarm is not None:
            return f"alarm {self.alarm.monitor or 'any monitor'}"
        if self.incident is not None:
            cls = self.incident.class_ or "any class"
            sev = f"severity {self.incident.severity}" if self.incident.severity else "any severity"
            return f"incident {cls}, {sev}"
        assert self.alert is not None
        labels = ", ".join(f"{k}={v}" for k, v in sorted(self.alert.labels.items()))
        return f"alert {labels or 'any'}"


class Action(_Strict):
    """One action: ``set`` levers (as the lever API takes them) or ``rollback`` to known-good."""

    environment: StrictStr = Field(description="An environment of the system, or '*' for all.")
    set: LeverSet | None = Field(None, description="Levers to set, e.g. {killed: true}.")
    rollback: StrictStr | None = Field(
        None, description="'release' (the whole release) or a surface name, to known-good."
    )

    @model_validator(mode="after")
    def _one(self) -> Action:
        if (self.set is None) == (self.rollback is None):
            raise ValueError(
                "give exactly one of set: {killed: true} (levers) or rollback: release "
                "(or a surface name)"
            )
        if self.set is not None and not self.set.model_fields_set:
            raise ValueError("set is empty: name at least one lever, e.g. set: {killed: true}")
        return self

    @field_serializer("set")
    def _only_given(self, value: LeverSet | None) -> dict[str, Any] | None:
        """Only the levers written: a dumped default would set (restore) every other lever."""
        return None if value is None else value.model_dump(include=value.model_fields_set)

    def body(self) -> dict[str, Any]:
        """As stored and shown: only what was written."""
        out: dict[str, Any] = {"environment": self.environment}
        if self.set is not None:
            out["set"] = self.set.model_dump(include=self.set.model_fields_set)
        else:
            out["rollback"] = self.rollback
        return out

    def describe(self, system: str) -> str:
        where = f"{system} ({self.environment})"
        if self.rollback is not None:
            what = "the release" if self.rollback == WHOLE_RELEASE else self.rollback
            return f"roll back {what} of {where} to known-good"
        assert self.set is not None
        values = self.set.model_dump(include=self.set.model_fields_set)
        shown = ", ".join(
            name if value is True else f"{name}={value}" for name, value in values.items()
        )
        return f"set {shown} on {where}"


class PolicySpec(_Strict):
    """One auto-containment policy."""

    name: Annotated[StrictStr, Field(pattern=NAME, description="Slug, e.g. kill-on-pii.")]
    system: StrictStr = Field(description="The system it watches and acts on.")
    mode: Mode = Field(Mode.observe, description="observe (default) or enforce.")
    when: When
    do: list[Action] = Field(min_length=1, max_length=10)
    cooldown: Seconds = Field(600, description="Quiet time after an activation (10m, 600).")
    max_per_hour: StrictInt = Field(3, ge=1, le=1000, description="Activations per hour, at most.")

    def body(self) -> dict[str, Any]:
        """The policy as stored, compared by plans and shown by the API."""
        return {
            "name": self.name,
            "system": self.system,
            "mode": self.mode.value,
            "when": self.when.model_dump(mode="json", by_alias=True, exclude_none=True),
            "do": [a.body() for a in self.do],
            "cooldown": self.cooldown,
            "max_per_hour": self.max_per_hour,
        }
