"""Schedule math: who a schedule puts on call at an instant, and when that next changes.

Pure (no database), so it is tested with exact people at exact instants.

- A **layer** rotates through its people. A rotation of whole days (``daily``, ``weekly``,
  ``2d``) hands off at the layer's local wall-clock time in its time zone, so a 09:00
  Europe/Berlin hand-off stays at 09:00 across daylight-saving changes (the shift that
  spans the change is an hour shorter or longer). A rotation of hours (``12h``) is elapsed
  time from the first hand-off: it keeps its length and drifts on the wall clock instead.
- A layer may be **restricted** to some weekdays and hours (local time); outside them it has
  nobody, and the layers below show through.
- **Later layers override earlier ones** where they have someone; **overrides** (a person
  for a period) beat every layer, the most recently created first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
"""Instants the math answers for (and the years a layer may start in): far from the ends of
Python's calendar, so no shift or window computed from them overflows."""
HORIZON = timedelta(days=120)
"""How far ahead the next hand-off is searched; beyond it the schedule answers none."""
_MAX_STEPS = 5000


@dataclass(frozen=True)
class Restriction:
    """Weekdays (0 is Monday) and local hours ``start``-``end`` a layer covers.

    ``end <= start`` is a window across midnight; its weekday is the day it starts.
    """

    days: frozenset[int]
    start: time
    end: time

    def covers(self, local: datetime) -> bool:
        clock = local.time().replace(tzinfo=None)
        day = local.weekday()
        if self.start < self.end:
            return day in self.days and self.start <= clock < self.end
        return (day in self.days and clock >= self.start) or (
            (day - 1) % 7 in self.days and clock < self.end
        )


@dataclass(frozen=True)
class Layer:
    """A rotation of ``people``: shift k starts at ``start`` + k rotations, at ``handoff``."""

    people: tuple[str, ...]
    start: date
    handoff: time
    zone: ZoneInfo
    days: int = 0
    hours: int = 0
    restriction: Restriction | None = None

    def __post_init__(self) -> None:
        if not self.people or (self.days > 0) == (self.hours > 0):
            raise ValueError("a layer needs people and exactly one of days or hours")

    def _origin(self) -> datetime:
        return datetime.combine(self.start, self.handoff, tzinfo=self.zone).astimezone(UTC)

    def shift_start(self, index: int) -> datetime:
        """The instant shift ``index`` begins (UTC)."""
        if self.hours:
            return self._origin() + timedelta(hours=self.hours * index)
        day = self.start + timedelta(days=self.days * index)
        return datetime.combine(day, self.handoff, tzinfo=self.zone).astimezone(UTC)

    def shift_index(self, at: datetime) -> int:
        """The shift running at ``at``; negative before the layer starts."""
        if self.hours:
            return (at - self._origin()) // timedelta(hours=self.hours)
        elapsed = (at.astimezone(self.zone).date() - self.start).days
        index = elapsed // self.days
        # The local date is a guess near a hand-off; settle on the instants themselves.
        while self.shift_start(index) > at:
            index -= 1
        while self.shift_start(index + 1) <= at:
            index += 1
        return index

    def who(self, at: datetime) -> str | None:
        index = self.shift_index(at)
        if index < 0:
            return None
        if self.restriction is not None and not self.restriction.covers(at.astimezone(self.zone)):
            return None
        return self.people[index % len(self.people)]

    def next_change(self, after: datetime) -> datetime:
        """The first instant after ``after`` at which this layer may answer differently."""
        candidates = [self.shift_start(max(self.shift_index(after) + 1, 0))]
        if self.restriction is not None:
            today = after.astimezone(self.zone).date()
            for offset in range(-1, 3):
                day = today + timedelta(days=offset)
                for clock in (self.restriction.start, self.restriction.end):
                    edge = datetime.combine(day, clock, tzinfo=self.zone).astimezone(UTC)
                    if edge > after:
                        candidates.append(edge)
        return min(candidates)


@dataclass(frozen=True)
class Override:
    """``person`` on call from ``start`` (inclusive) to ``end`` (exclusive)."""

    person: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Handoff:
    """The next change of who is on call: at ``at``, ``person`` (None: nobody) takes over."""

    at: datetime
    person: str | None


@dataclass(frozen=True)
class Schedule:
    """Layers, lowest first, and overrides, oldest first."""

    layers: Sequence[Layer]
    overrides: Sequence[Override] = ()

    def who(self, at: datetime) -> str | None:
        """Who is on call at ``at`` (aware), or None if nobody is."""
        at = _utc(at)
        for override in reversed(self.overrides):
            if override.start <= at < override.end:
                return override.person
        for layer in reversed(self.layers):
            person = layer.who(at)
            if person is not None:
                return person
        return None

    def next_handoff(self, at: datetime) -> Handoff | None:
        """The first change of who is on call after ``at``, within ``HORIZON``; else None."""
        at = _utc(at)
        current, cursor = self.who(at), at
        for _ in range(_MAX_STEPS):
            edges = [layer.next_change(cursor) for layer in self.layers]
            edges += [t for o in self.overrides for t in (o.start, o.end) if t > cursor]
            if not edges:
                return None
            cursor = min(edges)
            if cursor - at > HORIZON:
                return None
            person = self.who(cursor)
            if person != current:
                return Handoff(cursor, person)
        return None


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"{at.isoformat()} has no time zone: give an offset, e.g. Z or +01:00")
    return at.astimezone(UTC)


def out_of_range(at: datetime) -> str | None:
    """What is wrong with asking about ``at`` (aware), or None if the math can answer."""
    if EARLIEST <= at < LATEST:
        return None
    return (
        f"{at.isoformat()} is outside the years {EARLIEST.year}-{LATEST.year - 1} on-call "
        "schedules cover: ask about a time in that range"
    )
