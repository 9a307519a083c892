"""Everything the CLI prints: Rich tables for people, plain JSON for scripts, red errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
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
    """A table, or the ``empty`` sentence when there are no rows."""
    materialized = list(rows)
    if not materialized:
        line(empty)
        return
    grid = Table(
        box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False, show_edge=False
    )
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in materialized:
        grid.add_row(*(Text(cell(value)) for value in row))
    _console().print(grid)


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
