"""`blastwall tasks`: the background tasks of the server that answers, and who leads them."""

from __future__ import annotations

from typing import Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server

app = typer.Typer()


@app.command(rich_help_panel="Server")
def tasks(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Show which background tasks run on the replica that answers: leader or standby (admin)."""
    out.show(connect(server).get(path("tasks")), as_json, _render)


def _render(body: dict[str, Any]) -> None:
    out.fields([("Replica", body["replica"]), ("Leadership", body["leadership"])])
    out.table(
        ["TASK", "ROLE", "EVERY", "TICKS", "FAILURES", "LAST TICK", "LAST ERROR"],
        (
            [
                t["name"],
                t["role"],
                f"{t['interval_s']:g} s",
                t["ticks"],
                t["failures"],
                out.when(t["last_tick_at"]),
                t["last_error"],
            ]
            for t in body["tasks"]
        ),
        empty="No background task runs on this replica (BLASTWALL_ENGINE_ENABLED, "
        "BLASTWALL_CANARY_SCHEDULER_ENABLED, BLASTWALL_NOTIFY_DISPATCH_ENABLED, "
        "BLASTWALL_ESCALATION_ENABLED, BLASTWALL_REGULATORY_REMINDERS_ENABLED and "
        "BLASTWALL_UPDATE_REMINDERS_ENABLED are all false).",
    )
