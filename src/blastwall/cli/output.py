"""Everything the CLI prints: Rich tables for people, plain JSON for scripts, red errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.text import Text


def _console(*, stderr: bool = False) -> Console:
    # Built per call so the width and colour follow the environment of this invocation.
    return Console(stderr=stderr, highlight=False)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping."""
    print(json.dumps(data, indent=2, ensure_ascii=False))


def show(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print ``data`` as JSON when asked, else with the command's own renderer."""
    if as_json:
        print_json(data)
    else:
        render(data)


def line(message: str, style: str = "") -> None:
    """One line of human output; never wrapped, never read as Rich markup."""
    _console().print(Text(message, style=style), soft_wrap=True)


def success(message: str) -> None:
    line(message, "green")


def error(message: str) -> None:
    """The one-line red error every failure ends in."""
    _console(stderr=True).print(Text(f"Error: {message}", style="red"), soft_wrap=True)


def fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """Aligned ``label: value`` lines for one record."""
    items = [(label, cell(value)) for label, value in pairs]
    width = max((len(label) for label, _ in items), default=0)
    for label, value in items:
        line(f"{label + ':':<{width + 1}} {value}")


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    empty: str,
    title: str | None = None,
) -> None:
    """A table, or the ``empty`` sentence when there are no rows.

    When the table is wider than the terminal, each row is printed as a short record
    instead (see :func:`records`): folding eight columns into 80 characters breaks every
    word and turns one row into ten lines.
    """
    materialized = [[cell(value) for value in row] for row in rows]
    if not materialized:
        line(empty)
        return
    # Rich's tables on demand: a page of lines (runbook) never needs them.
    from rich import box  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = _console()
    grid = Table(
        box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False, show_edge=False
    )
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in materialized:
        grid.add_row(*(Text(value) for value in row))
    # Measured without the terminal's limit: Rich clamps a measurement to the width given.
    natural = console.measure(grid, options=console.options.update(max_width=NO_LIMIT))
    if natural.maximum <= console.width:
        console.print(grid)
    else:
        records(columns, materialized, title=title)


NO_LIMIT = 1_000_000
RECORD_INDENT = "  "
RECORD_GAP = "   "


def records(columns: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None) -> None:
    """Each row as its first ``column: value`` on a line, then the others packed into lines
    under it; nothing wraps, and a value too long for a line ends in an ellipsis."""
    limit = width()
    labels = [column.lower() for column in columns]
    if title:
        cropped(title)
    for row in rows:
        cropped(f"{labels[0]}: {' '.join(row[0].split())}", style="bold")
        pairs = [
            f"{label}: {' '.join(value.split())}"
            for label, value in zip(labels[1:], row[1:], strict=True)
            if value != "-"
        ]
        for text in pack(pairs, limit - len(RECORD_INDENT)):
            cropped(RECORD_INDENT + text)


def pack(items: Sequence[str], width: int) -> list[str]:
    """Join ``items`` into as few lines of at most ``width`` characters as fit, in order;
    an item longer than a line gets a line of its own (cropped when printed)."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + len(RECORD_GAP) + len(item) <= width:
            lines[-1] += RECORD_GAP + item
        else:
            lines.append(item)
    return lines


def width() -> int:
    """The terminal's width in characters (COLUMNS when set)."""
    return _console().width


def cropped(text: str, style: str = "") -> None:
    """One line, cut to the terminal's width with an ellipsis rather than wrapped."""
    _console().print(Text(text, style=style), no_wrap=True, overflow="ellipsis", crop=True)


def cell(value: Any) -> str:
    """How one value reads in a table: '-' for nothing, yes/no, lists joined by commas."""
    if value is None or value == []:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def when(value: str | None) -> str | None:
    """An API timestamp as 'YYYY-MM-DD HH:MM:SS' UTC (seconds are enough for people)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: float | None) -> str | None:
    """Seconds as '1h 2m 3s' (or None when the clock has not stopped yet)."""
    if seconds is None:
        return None
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    if hours or minutes:
        parts.append(f"{minutes}m")
    parts.append(f"{secs}s")
    return " ".join(parts)
