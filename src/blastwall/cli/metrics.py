"""`blastwall metrics [SYSTEM]`: MTTD, MTTA, time to contain and MTTR per system and period."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server, slug

app = typer.Typer()
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _moment(value: str | None) -> str | None:
    """A date (midnight UTC) or an RFC 3339 time, as the API takes it."""
    if value is None:
        return None
    return f"{value}T00:00:00Z" if DAY.fullmatch(value) else value


@app.command("metrics", rich_help_panel="Learn")
def metrics(
    system: Annotated[
        str | None, typer.Argument(callback=slug("system"), help="Only this system.")
    ] = None,
    *,
    since: Annotated[
        str | None, typer.Option("--since", help="Incidents that started on or after (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="... and before (YYYY-MM-DD or RFC 3339).")
    ] = None,
    include_drills: Annotated[
        bool, typer.Option("--include-drills", help="Count game-day incidents too.")
    ] = False,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Response times from recorded milestones: median and mean, drills left out by default."""
    found = connect(server).get(
        path("metrics"),
        system=system,
        since=_moment(since),
        until=_moment(until),
        include_drills=include_drills or None,
    )
    out.show(found, as_json, _render)


def _cell(figure: dict[str, Any]) -> str:
    if not figure["count"]:
        return "-"
    median, mean = out.duration(figure["median_s"]), out.duration(figure["mean_s"])
    return f"{median} / {mean} (n={figure['count']})"


def _render(found: dict[str, Any]) -> None:
    rows = [*found["systems"], found["all"]] if found["systems"] else []
    out.table(
        ["SYSTEM", "INCIDENTS", "MTTD", "MTTA", "TIME TO CONTAIN", "MTTR"],
        (
            [
                s["system"],
                s["incidents"],
                _cell(s["mttd"]),
                _cell(s["mtta"]),
                _cell(s["time_to_contain"]),
                _cell(s["mttr"]),
            ]
            for s in rows
        ),
        empty="No incidents in this period.",
    )
    out.line("Each cell: median / mean (incidents that reached both milestones).")
