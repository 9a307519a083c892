"""The ``oncall`` section of ``blastwall.yaml``: people, schedules, escalation policies and
coverage, each key typed and checked with a message that says how to fix it.

The section is the whole truth when present: people, schedules, policies and coverage
rules it no longer lists are deleted. Overrides are not part of the file (they are made
during operations, ``blastwall oncall override``) and survive an apply.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from blastwall.registry.names import NAME_MAX, slug_problem

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEVERITIES = (1, 2, 3)
FIRST_YEAR, LAST_YEAR = 1970, 2999  # the years rotation.py computes shifts for
_ROTATION = re.compile(r"([1-9][0-9]{0,3})([hdw])")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,127}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,30}")


def _slug(value: str) -> str:
    problem = slug_problem(value, NAME_MAX)
    if problem:
        raise ValueError(problem)
    return value


def rotation_parts(value: str) -> tuple[int, int]:
    """``daily``/``weekly``/``Nd``/``Nw`` -> (days, 0); ``Nh`` -> (0, hours).

    >>> rotation_parts("weekly"), rotation_parts("12h"), rotation_parts("2w")
    ((7, 0), (0, 12), (14, 0))
    """
    named = {"daily": "1d", "weekly": "1w"}
    found = _ROTATION.fullmatch(named.get(value, value))
    if found is None:
        raise ValueError(
            f"{value!r} is not a rotation length: write daily, weekly, or a count with h, d "
            "or w (e.g. 12h, 2d, 2w)"
        )
    count, unit = int(found.group(1)), found.group(2)
    if unit == "h":
        return 0, count
    return count * (7 if unit == "w" else 1), 0


def _rotation(value: str) -> str:
    rotation_parts(value)
    return value


def parse_clock(value: str) -> time:
    """``HH:MM`` (24-hour) -> time."""
    found = _CLOCK.fullmatch(value)
    if found is None:
        raise ValueError(f"{value!r} is not a time of day: write HH:MM on 24 hours, e.g. 09:00")
    return time(int(found.group(1)), int(found.group(2)))


def _clock(value: str) -> str:
    parse_clock(value)
    return value


def zone(value: str) -> ZoneInfo:
    """The IANA time zone ``value``; ValueError saying how to fix a bad name."""
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not a known time zone: use an IANA name such as Europe/Berlin, "
            "America/New_York or UTC"
        ) from None


def _zone(value: str) -> str:
    zone(value)
    return value


def _day(value: str) -> str:
    try:
        if len(value) == 10:  # fromisoformat also takes 20260302, which nobody means here
            day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        if len(value) == 10 and FIRST_YEAR <= day.year <= LAST_YEAR:
            return value
    raise ValueError(
        f"{value!r} is not a date from {FIRST_YEAR} to {LAST_YEAR}: write YYYY-MM-DD, "
        "e.g. 2026-03-02"
    )


def _weekday(value: str) -> str:
    if value not in WEEKDAYS:
        raise ValueError(f"{value!r} is not a weekday: use {', '.join(WEEKDAYS)}")
    return value


def _pattern(regex: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if regex.fullmatch(value) is None:
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


Name = Annotated[StrictStr, AfterValidator(_slug)]
Rotation = Annotated[StrictStr, AfterValidator(_rotation)]
Clock = Annotated[StrictStr, AfterValidator(_clock)]
TimeZone = Annotated[StrictStr, AfterValidator(_zone)]
Day = Annotated[StrictStr, AfterValidator(_day)]
Weekday = Annotated[StrictStr, AfterValidator(_weekday)]
EnvName = Annotated[
    StrictStr, _pattern(_ENV_NAME, "an environment variable name: use e.g. PAGERDUTY_KEY_OPS")
]
Email = Annotated[StrictStr, _pattern(_EMAIL, "an e-mail address: write e.g. ana@example.com")]
SlackUser = Annotated[
    StrictStr, _pattern(_SLACK_USER, "a Slack user id: copy it from the profile, e.g. U0123ABCD")
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonSpec(_Spec):
    """Someone who can be paged, and how to reach them."""

    name: Name = Field(description="Slug naming the person, e.g. ana.")
    display_name: StrictStr = Field("", max_length=200, description="e.g. Ana Lima.")
    handle: StrictStr = Field("", max_length=100, description="Chat handle, e.g. @ana.")
    email: Email | None = Field(None, description="E-mail address for pages.")
    slack_user: SlackUser | None = Field(None, description="Slack user id, e.g. U0123ABCD.")
    pagerduty_routing_key_env: EnvName | None = Field(
        None, description="Environment variable holding the person's PagerDuty routing key."
    )
    pagerduty_service: Name | None = Field(
        None, description="PagerDuty channel (service) that pages this person."
    )
    phone: StrictStr | None = Field(None, max_length=50, description="Phone number, as text.")


class RestrictionSpec(_Spec):
    """The weekdays and local hours a layer covers; outside them the layers below show."""

    days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS), min_length=1, description="e.g. [mon, fri]."
    )
    hours: StrictStr = Field(
        "00:00-00:00",
        description="HH:MM-HH:MM local; an end before the start crosses midnight.",
    )

    @model_validator(mode="after")
    def _window(self) -> RestrictionSpec:
        start, _, end = self.hours.partition("-")
        try:
            first, last = parse_clock(start), parse_clock(end)
        except ValueError:
            raise ValueError(
                f"hours: {self.hours!r} is not a window: write HH:MM-HH:MM, e.g. 09:00-17:00"
            ) from None
        if first == last and self.hours != "00:00-00:00":
            raise ValueError(
                f"hours: {self.hours!r} is empty: give two different times (00:00-00:00 means "
                "all day)"
            )
        return self


class LayerSpec(_Spec):
    """One rotation of people; later layers override earlier ones where they have someone."""

    name: Name | None = Field(None, description="Slug naming the layer; default layer-N.")
    people: list[Name] = Field(min_length=1, description="People in rotation order.")
    rotation: Rotation = Field(description="daily, weekly, or Nh / Nd / Nw.")
    handoff: Clock = Field("09:00", description="Local time of day the shift changes.")
    start: Day = Field(description="First day of the rotation ('YYYY-MM-DD').")
    time_zone: TimeZone | None = Field(None, description="Default: the schedule's time zone.")
    restrict: RestrictionSpec | None = Field(None, description="Weekdays and hours covered.")


class ScheduleSpec(_Spec):
    """A named on-call schedule: layers of rotations."""

    name: Name = Field(description="Slug naming the schedule, e.g. support-primary.")
    description: StrictStr = Field("", max_length=2000)
    time_zone: TimeZone = Field(description="IANA time zone of hand-offs, e.g. Europe/Berlin.")
    layers: list[LayerSpec] = Field(min_length=1)


class TargetSpec(_Spec):
    """Who a level pages: one person or whoever a schedule has on call."""

    person: Name | None = None
    schedule: Name | None = None

    @model_validator(mode="after")
    def _one(self) -> TargetSpec:
        if (self.person is None) == (self.schedule is None):
            raise ValueError("give exactly one of 'person: NAME' or 'schedule: NAME'")
        return self


class LevelSpec(_Spec):
    """One level of escalation; unacknowledged after ``delay_minutes``, the next is paged."""

    targets: list[TargetSpec] = Field(min_length=1)
    delay_minutes: StrictInt | StrictFloat = Field(
        15, gt=0, le=1440, description="Minutes; fractions allowed (0.5 is 30 seconds)."
    )


class PolicySpec(_Spec):
    """An escalation policy: levels paged in turn, or a PagerDuty service's own on-call."""

    name: Name = Field(description="Slug naming the policy, e.g. support.")
    description: StrictStr = Field("", max_length=2000)
    levels: list[LevelSpec] | None = Field(None, min_length=1)
    repeat: StrictInt = Field(0, ge=0, le=10, description="Times to run all levels again.")
    pagerduty_service: Name | None = Field(
        None, description="Route to this PagerDuty channel and let PagerDuty escalate."
    )

    @model_validator(mode="after")
    def _one(self) -> PolicySpec:
        if (self.levels is None) == (self.pagerduty_service is None):
            raise ValueError(
                "give exactly one of 'levels:' (Blastwall escalates) or 'pagerduty_service:' "
                "(PagerDuty's own on-call escalates)"
            )
        return self


class CoverageSpec(_Spec):
    """Which policy covers which systems and severities (left out: all of them)."""

    policy: Name
    systems: list[Name] | None = Field(None, min_length=1, description="Left out: every system.")
    severity: list[Annotated[StrictInt, Field(ge=1, le=3)]] | None = Field(
        None, min_length=1, description="Severities 1-3; left out: every severity."
    )


class OncallSpec(_Spec):
    """The whole on-call section; applying it replaces what is stored (overrides excepted)."""

    people: list[PersonSpec] = Field(default_factory=list)
    schedules: list[ScheduleSpec] = Field(default_factory=list)
    escalation_policies: list[PolicySpec] = Field(default_factory=list)
    coverage: list[CoverageSpec] = Field(default_factory=list)
