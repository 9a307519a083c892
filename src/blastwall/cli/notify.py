"""`blastwall notify list|retry|channels`: what was sent, what failed, what can send."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server

app = typer.Typer()
notify = typer.Typer(name="notify", help="Notifications: the outbox, retries, channels.")
app.add_typer(notify, rich_help_panel="Incident command")

NotificationId = Annotated[int, typer.Argument(min=1, help="Notification id, from `notify list`.")]


@notify.command("list")
def list_(
    *,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed notifications.")] = False,
    incident: Annotated[
        int | None, typer.Option("--incident", min=1, help="Only this incident's.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000)] = 100,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """List notifications, newest first, with their delivery status and last error."""
    items = connect(server).list(
        path("notifications"),
        status="failed" if failed else None,
        incident_id=incident,
        limit=limit,
    )
    out.show(items, as_json, _render_list)


@notify.command("retry")
def retry(
    notification_id: NotificationId, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Queue a failed notification again (audited); the dispatcher sends it at once."""
    queued = connect(server).post(path("notifications", notification_id, "retry"))
    out.show(
        queued,
        as_json,
        lambda n: out.success(f"Queued notification #{n['id']} to {n['channel']} again."),
    )


@notify.command("channels")
def channels(server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Configured channels: enabled on the server, or why not (secrets are never shown)."""
    out.show(connect(server).list(path("notifications", "channels")), as_json, _render_channels)


def _render_list(items: list[dict[str, Any]]) -> None:
    out.table(
        ["ID", "CREATED", "INCIDENT", "EVENT", "CHANNEL", "STATUS", "TRIES", "LAST ERROR"],
        (
            [
                n["id"],
                out.when(n["created_at"]),
                n.get("incident_id"),
                n["event"],
                n["channel"],
                n["status"],
                n["attempts"],
                n.get("last_error"),
            ]
            for n in items
        ),
        empty="No notifications.",
    )


def _render_channels(items: list[dict[str, Any]]) -> None:
    out.table(
        ["CHANNEL", "TYPE", "ENABLED", "WHY NOT"],
        ([c["name"], c["type"], "yes" if c["enabled"] else "no", c.get("problem")] for c in items),
        empty="No channels: declare them under `channels:` in blastwall.yaml.",
    )
