"""Server-side SVG charts a tired responder can read without reading numbers.

A chart is a line over time, a shaded band (the baseline's normal range), a dashed
threshold line, and vertical marks (the estimated change, the alarm) each carrying its
own text label, so nothing is told by colour alone. No JavaScript, no library: the SVG is
inline in the page, with a ``<title>`` and ``<desc>`` for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 36


@dataclass(frozen=True)
class Mark:
    """A labelled vertical line at a time (``glyph`` starts the label: ▲ alarm, ◆ change)."""

    at: datetime
    label: str
    glyph: str = "|"


@dataclass
class Chart:
    """What to draw: points, an optional band and threshold, labelled marks."""

    title: str
    y_label: str
    points: list[tuple[datetime, float]]
    band: tuple[float, float] | None = None
    band_label: str = "baseline range"
    threshold: float | None = None
    threshold_label: str = "threshold"
    marks: list[Mark] = field(default_factory=list)


def when(value: datetime | None) -> str:
    """A timestamp as people read it in an incident: UTC, to the second."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the largest whole unit ('3 min ago')."""
    if value is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - value).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{max(seconds, 0)} s ago"


def _span(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if high - low < 1e-12:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    return low - pad, high + pad


def render(chart: Chart) -> Markup:
    """The chart as an inline ``<svg>`` element."""
    times = [t for t, _ in chart.points] + [m.at for m in chart.marks]
    if not times:
        return Markup('<p class="empty">No observations to chart yet.</p>')
    ys = [v for _, v in chart.points]
    ys += list(chart.band or ()) + ([chart.threshold] if chart.threshold is not None else [])
    y_low, y_high = _span(ys or [0.0])
    t0, t1 = min(times).timestamp(), max(times).timestamp()
    t1 = t1 if t1 > t0 else t0 + 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return LEFT + (at.timestamp() - t0) / (t1 - t0) * inner_w

    def y(value: float) -> float:
        return TOP + (1 - (value - y_low) / (y_high - y_low)) * inner_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(chart.title)}</title>',
        f'<desc id="chart-desc">{escape(describe(chart))}</desc>',
        f'<rect x="{LEFT}" y="{TOP}" width="{inner_w}" height="{inner_h}" class="frame"/>',
    ]
    if chart.band is not None:
        top, bottom = y(chart.band[1]), y(chart.band[0])
        parts.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{inner_w}" height="{bottom - top:.1f}" '
            'class="band"/>'
        )
        parts.append(
            f'<text x="{LEFT + 4}" y="{bottom - 4:.1f}" class="label">'
            f"{escape(chart.band_label)}</text>"
        )
    if chart.threshold is not None:
        ty = y(chart.threshold)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" '
            'class="threshold"/>'
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT - 4}" y="{ty - 4:.1f}" text-anchor="end" class="label">'
            f"{escape(chart.threshold_label)}</text>"
        )
    if chart.points:
        path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in chart.points)
        parts.append(f'<polyline points="{path}" class="series"/>')
    for row, mark in enumerate(chart.marks):
        mx = x(mark.at)
        parts.append(
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{TOP}" y2="{TOP + inner_h}" class="mark"/>'
        )
        anchor = "end" if mx > LEFT + inner_w * 0.6 else "start"
        nudge = -4 if anchor == "end" else 4
        parts.append(
            f'<text x="{mx + nudge:.1f}" y="{TOP + 14 + 14 * row}" text-anchor="{anchor}" '
            f'class="label mark-label">{escape(mark.glyph)} {escape(mark.label)}</text>'
        )
    parts += [
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" class="axis">{y_high:.3g}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + inner_h}" text-anchor="end" class="axis">'
        f"{y_low:.3g}</text>",
        f'<text x="{LEFT}" y="{HEIGHT - 12}" class="axis">{escape(_clock(min(times)))}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 12}" text-anchor="end" class="axis">'
        f"{escape(_clock(max(times)))}</text>",
        f'<text x="{LEFT}" y="16" class="axis">{escape(chart.y_label)}</text>',
        "</svg>",
    ]
    # Every text that came from data went through escape() above.
    return Markup("".join(parts))  # noqa: S704


def _clock(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%H:%M:%S UTC")


def describe(chart: Chart) -> str:
    """The chart in one sentence, for screen readers and the page's text fallback."""
    words = [f"{chart.y_label}: {len(chart.points)} points"]
    if chart.band is not None:
        words.append(f"{chart.band_label} {chart.band[0]:.3g} to {chart.band[1]:.3g}")
    if chart.threshold is not None:
        words.append(f"{chart.threshold_label} at {chart.threshold:.3g}")
    words += [f"{m.label} at {_clock(m.at)}" for m in chart.marks]
    return "; ".join(words) + "."
