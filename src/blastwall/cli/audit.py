"""`blastwall audit [verify]`: read and check the tamper-evident audit log (I4)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server

app = typer.Typer()
audit = typer.Typer(
    name="audit",
    help="List audit entries; `audit verify` checks the hash chain.",
    invoke_without_command=True,
)
app.add_typer(audit, rich_help_panel="Audit and admin")


@audit.callback()
def list_(
    *,
    ctx: typer.Context,
    after: Annotated[
        int, typer.Option("--after", min=0, help="Only entries after this sequence number.")
    ] = 0,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="At most this many entries.")
    ] = 100,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """List audit entries in order: who changed what, when and why."""
    if ctx.invoked_subcommand is not None:
        return
    entries = connect(server).get(path("audit"), after_seq=after, limit=limit)
    out.show(entries, as_json, _render)


@audit.command("verify")
def verify(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Recompute the hash chain; exit 1 and name the first broken entry if it was altered."""
    result = connect(server).get(path("audit", "verify"))
    if as_json:
        out.print_json(result)
    elif result["ok"]:
        out.success(f"audit chain intact: {result['entries']} entries")
    else:
        out.line(
            f"audit chain broken at entry {result['first_broken_seq']}: {result['problem']}",
            "red",
        )
    if not result["ok"]:
        raise typer.Exit(1)


def _render(entries: list[dict[str, Any]]) -> None:
    out.table(
        ["SEQ", "AT", "ACTOR", "ROLE", "ACTION", "TARGET", "REASON", "INCIDENT"],
        (
            [
                e["seq"],
                out.when(e.get("at")),
                e.get("actor"),
                e.get("role"),
                e.get("action"),
                e.get("target"),
                e.get("reason") or None,
                e.get("incident_id"),
            ]
            for e in entries
        ),
        empty="No audit entries.",
    )
