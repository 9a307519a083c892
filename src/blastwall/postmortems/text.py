"""How a postmortem writes times and durations: UTC to the second, durations as 1h 2m 3s."""

from __future__ import annotations

from datetime import UTC, datetime


def at(moment: datetime | None) -> str:
    """``2025-01-01 00:00:03 UTC``, or ``not yet`` for a milestone not reached.

    >>> at(datetime(2025, 1, 1, 0, 0, 3, 900000, tzinfo=UTC))
    '2025-01-01 00:00:03 UTC'
    """
    if moment is None:
        return "not yet"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float | None) -> str:
    """Seconds as ``1h 2m 3s`` (rounded to the second), ``-5s`` before, ``n/a`` if unknown.

    >>> duration(3723.4), duration(59.6), duration(-90), duration(None)
    ('1h 2m 3s', '1m 0s', '-1m 30s', 'n/a')
    """
    if seconds is None:
        return "n/a"
    sign, total = ("-" if seconds < 0 else ""), round(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    if hours or minutes:
        parts.append(f"{minutes}m")
    parts.append(f"{secs}s")
    return sign + " ".join(parts)


def between(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from ``start`` to ``end``; None if either is unknown."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds()
