"""`blastwall kill-model | restore-model | model-kills`: a model family, every system (C1)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, IncidentId, Reason, Server

app = typer.Typer()

Prefix = Annotated[
    str,
    typer.Argument(
        help="A model id or the start of one (e.g. gpt-4o-2024): every model starting with it."
    ),
]


def _body(prefix: str, reason: str, incident: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"prefix": prefix, "reason": reason}
    if incident is not None:
        body["incident_id"] = incident
    return body


@app.command("kill-model", rich_help_panel="Contain")
def kill_model(
    *,
    prefix: Prefix,
    reason: Reason = "",
    incident: IncidentId = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Kill switch for a model family: every SDK of every system refuses calls to it."""
    kill = connect(server).post(path("models", "kill"), _body(prefix, reason, incident))
    out.show(kill, as_json, lambda k: _report("Killed", k))


@app.command("restore-model", rich_help_panel="Contain")
def restore_model(
    *,
    prefix: Prefix,
    reason: Reason = "",
    incident: IncidentId = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Lift the kill of a model family."""
    kill = connect(server).post(path("models", "restore"), _body(prefix, reason, incident))
    out.show(kill, as_json, lambda k: _report("Restored", k))


@app.command("model-kills", rich_help_panel="Contain")
def model_kills(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """The model-family kills in force (every system obeys them)."""
    kills = connect(server).list(path("models", "kills"))
    out.show(
        kills,
        as_json,
        lambda items: out.table(
            ["MODEL PREFIX", "REVISION", "UPDATED", "BY"],
            (
                [k["prefix"], k["revision"], out.when(k["updated_at"]), k["updated_by"]]
                for k in items
            ),
            empty="No model is killed.",
        ),
    )


def _report(verb: str, kill: dict[str, Any]) -> None:
    suffix = "" if kill.get("changed", True) else " (already so; nothing changed)"
    out.success(
        f"{verb} models {kill['prefix']}* in every system (revision {kill['revision']}){suffix}"
    )
    if kill.get("killed"):
        out.line(f"Undo with: blastwall restore-model {kill['prefix']} --reason '...'")
