"""Schedule math: exact people at exact instants (DST, layers, restrictions, overrides)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from blastwall.oncall.rotation import Handoff, Layer, Override, Restriction, Schedule

BERLIN = ZoneInfo("Europe/Berlin")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def weekly_berlin() -> Layer:
    """Weekly at 09:00 Berlin from Monday 2026-03-16; DST starts Sunday 2026-03-29."""
    return Layer(("ana", "ben", "cem"), date(2026, 3, 16), time(9), BERLIN, days=7)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-03-16T07:59:59", None),  # 08:59:59 CET, before the first shift
        ("2026-03-16T08:00:00", "ana"),  # 09:00 CET
        ("2026-03-23T07:59:59", "ana"),
        ("2026-03-23T08:00:00", "ben"),
        # After the change to CEST, 09:00 Berlin is 07:00 UTC: the hand-off follows the clock.
        ("2026-03-30T06:59:59", "ben"),
        ("2026-03-30T07:00:00", "cem"),
        ("2026-04-06T07:00:00", "ana"),
    ],
)
def test_weekly_rotation_hands_off_at_9_berlin_across_the_dst_change(
    instant: str, expected: str | None
) -> None:
    assert Schedule([weekly_berlin()]).who(utc(instant)) == expected


def test_next_handoff_across_dst_is_at_9_summer_time() -> None:
    schedule = Schedule([weekly_berlin()])
    assert schedule.next_handoff(utc("2026-03-25T12:00:00")) == Handoff(
        utc("2026-03-30T07:00:00"), "cem"
    )
    assert schedule.next_handoff(utc("2026-03-01T00:00:00")) == Handoff(
        utc("2026-03-16T08:00:00"), "ana"
    )


def test_an_hours_rotation_keeps_its_length_and_drifts_on_the_wall_clock() -> None:
    # 12 h from 08:00 Berlin (07:00 UTC) on 2026-03-28; the night of the 29th is an hour short.
    layer = Layer(("ana", "ben"), date(2026, 3, 28), time(8), BERLIN, hours=12)
    schedule = Schedule([layer])
    assert schedule.who(utc("2026-03-28T18:59:59")) == "ana"
    assert schedule.who(utc("2026-03-28T19:00:00")) == "ben"
    assert schedule.who(utc("2026-03-29T07:00:00")) == "ana"  # 09:00 CEST
    assert schedule.next_handoff(utc("2026-03-29T08:00:00")) == Handoff(
        utc("2026-03-29T19:00:00"), "ben"
    )


def base_weekly() -> Layer:
    return Layer(("ana", "ben"), date(2026, 3, 2), time(9), ZoneInfo("UTC"), days=7)


def weekend_layer() -> Layer:
    weekend = Restriction(frozenset({5, 6}), time(0), time(0))
    return Layer(("cem",), date(2026, 3, 2), time(0), ZoneInfo("UTC"), days=1, restriction=weekend)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-03-06T23:59:59", "ana"),  # Friday: the weekend layer has nobody
        ("2026-03-07T00:00:00", "cem"),  # Saturday: the later layer wins
        ("2026-03-08T23:59:59", "cem"),
        ("2026-03-09T00:00:00", "ana"),  # Monday before the 09:00 hand-off
        ("2026-03-09T09:00:00", "ben"),
    ],
)
def test_a_later_layer_overrides_where_it_has_someone(instant: str, expected: str) -> None:
    assert Schedule([base_weekly(), weekend_layer()]).who(utc(instant)) == expected


def test_next_handoff_sees_through_restricted_layers() -> None:
    schedule = Schedule([base_weekly(), weekend_layer()])
    assert schedule.next_handoff(utc("2026-03-07T12:00:00")) == Handoff(
        utc("2026-03-09T00:00:00"), "ana"
    )
    assert schedule.next_handoff(utc("2026-03-09T00:00:00")) == Handoff(
        utc("2026-03-09T09:00:00"), "ben"
    )


def test_an_overnight_window_belongs_to_the_day_it_starts() -> None:
    nights = Restriction(frozenset(range(5)), time(18), time(9))  # Mon-Fri 18:00-09:00
    layer = Layer(("dan",), date(2026, 3, 2), time(0), BERLIN, days=1, restriction=nights)
    schedule = Schedule([layer])
    assert schedule.who(utc("2026-03-06T19:00:00")) == "dan"  # Friday 20:00 CET
    assert schedule.who(utc("2026-03-07T07:59:59")) == "dan"  # Saturday 08:59 CET
    assert schedule.who(utc("2026-03-07T08:00:00")) is None  # Saturday 09:00 CET
    assert schedule.who(utc("2026-03-07T19:00:00")) is None  # Saturday evening
    assert schedule.next_handoff(utc("2026-03-07T08:00:00")) == Handoff(
        utc("2026-03-09T17:00:00"), "dan"
    )


def test_an_override_inside_a_shift_takes_over_for_its_period_only() -> None:
    override = Override("dan", utc("2026-03-03T12:00:00"), utc("2026-03-03T18:00:00"))
    schedule = Schedule([base_weekly()], [override])
    assert schedule.who(utc("2026-03-03T11:59:59")) == "ana"
    assert schedule.who(utc("2026-03-03T12:00:00")) == "dan"
    assert schedule.who(utc("2026-03-03T18:00:00")) == "ana"
    assert schedule.next_handoff(utc("2026-03-03T10:00:00")) == Handoff(
        utc("2026-03-03T12:00:00"), "dan"
    )
    assert schedule.next_handoff(utc("2026-03-03T13:00:00")) == Handoff(
        utc("2026-03-03T18:00:00"), "ana"
    )


def test_the_newest_of_two_overlapping_overrides_wins() -> None:
    first = Override("dan", utc("2026-03-03T12:00:00"), utc("2026-03-03T18:00:00"))
    second = Override("eve", utc("2026-03-03T14:00:00"), utc("2026-03-03T16:00:00"))
    schedule = Schedule([base_weekly()], [first, second])
    assert [schedule.who(utc(f"2026-03-03T{h}:00:00")) for h in (13, 15, 17)] == [
        "dan",
        "eve",
        "dan",
    ]


def test_a_time_without_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone: give an offset"):
        Schedule([base_weekly()]).who(datetime(2026, 3, 3, 12))


@pytest.mark.parametrize(
    ("start", "instant", "expected"),
    [
        # Clocks go back at 03:00 CEST on 2026-10-25: 02:30 happens twice; the first counts.
        ("2026-10-24", "2026-10-25T00:29:59", "ana"),
        ("2026-10-24", "2026-10-25T00:30:00", "ben"),  # 02:30 CEST
        ("2026-10-24", "2026-10-26T01:29:59", "ben"),
        ("2026-10-24", "2026-10-26T01:30:00", "ana"),  # 02:30 CET
        # Clocks go forward at 02:00 CET on 2026-03-29: 02:30 does not exist that night and
        # is read with the offset before the change (01:30 UTC, 03:30 CEST).
        ("2026-03-28", "2026-03-29T01:29:59", "ana"),
        ("2026-03-28", "2026-03-29T01:30:00", "ben"),
        ("2026-03-28", "2026-03-30T00:30:00", "ana"),  # 02:30 CEST
    ],
)
def test_a_handoff_in_the_hour_clocks_change_is_read_as_documented(
    start: str, instant: str, expected: str
) -> None:
    layer = Layer(("ana", "ben"), date.fromisoformat(start), time(2, 30), BERLIN, days=1)
    assert Schedule([layer]).who(utc(instant)) == expected
