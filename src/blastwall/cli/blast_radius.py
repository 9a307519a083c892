"""`blastwall incident blast-radius ID`: who and what an incident reached (F3).

Registered on the ``incident`` group by ``cli/incidents.py``. ``--users-out FILE`` also
streams every affected user id into FILE (CSV, or JSON for a ``.json`` name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server, moment

IncidentNumber = Annotated[int, typer.Argument(min=1, help="Incident id, e.g. 12.")]
UsersOut = Annotated[
    Path | None,
    typer.Option(
        "--users-out",
        dir_okay=False,
        help="Also write every affected user id to this file (CSV; JSON if it ends in .json).",
    ),
]


def blast_radius(
    *,
    incident_id: IncidentNumber,
    start: Annotated[
        str | None, typer.Option("--start", callback=moment, help="Count from (ISO 8601).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", callback=moment, help="Count until (ISO 8601).")
    ] = None,
    users_out: UsersOut = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Affected users, traces, outputs by label and downstream actions in the window."""
    client = connect(server)
    radius = client.get(path("incidents", incident_id, "blast-radius"), start=start, end=end)
    if users_out is not None:
        kind = "json" if users_out.suffix.lower() == ".json" else "csv"
        client.download(
            path("incidents", incident_id, "blast-radius", "users"),
            users_out,
            start=start,
            end=end,
            format=kind,
        )
    out.show(radius, as_json, lambda r: _render(r, users_out))


def _render(radius: dict[str, Any], users_out: Path | None) -> None:
    out.fields(
        [
            ("incident", f"#{radius['incident_id']}"),
            ("systems", ", ".join(radius["systems"]) or "(none)"),
            ("window", f"{out.when(radius['start'])} to {out.when(radius['end'])}"),
            ("users", radius["users"]),
            ("traces", radius["traces"]),
            ("reversible actions", radius["reversible_actions"]),
            ("irreversible actions", radius["irreversible_actions"]),
        ]
    )
    if radius["outputs_by_label"]:
        rows = [[label, str(n)] for label, n in radius["outputs_by_label"].items()]
        out.records(["label", "outputs"], rows, title="Outputs by label")
    if radius["actions"]:
        rows = [
            [a["name"], "yes" if a["reversible"] else "NO", str(a["fired"])]
            for a in radius["actions"]
        ]
        out.records(["action", "reversible", "fired"], rows, title="Downstream actions fired")
    if radius["examples"]:
        rows = [
            [e["trace_id"], out.when(e["at"]) or "", e["user_id"] or "", e["label"] or ""]
            for e in radius["examples"]
        ]
        out.records(["trace", "at", "user", "label"], rows, title="Examples")
    if users_out is not None:
        out.success(f"Wrote the affected user ids to {users_out}.")
