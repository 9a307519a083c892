"""`blastwall handoff list|show|claim|resolve`: work the AI handed to a human (C2)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server, slug
from blastwall.handoffs.enums import HandoffStatus

app = typer.Typer()
handoff = typer.Typer(name="handoff", help="The human queue: requests the AI did not answer.")
app.add_typer(handoff, rich_help_panel="Containment queues")

HandoffId = Annotated[int, typer.Argument(min=1, help="Handoff id, e.g. 12.")]
PREVIEW = 60


@handoff.command("list")
def list_(
    *,
    status: Annotated[
        HandoffStatus | None, typer.Option("--status", help="Only this status (open first).")
    ] = None,
    system: Annotated[
        str | None, typer.Option("--system", callback=slug("system"), help="Only this system.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000)] = 100,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """List the queue, oldest first: the person who waited longest comes first."""
    items = connect(server).list(
        path("handoffs"), status=status.value if status else None, system=system, limit=limit
    )
    out.show(items, as_json, _render_list)


@handoff.command("show")
def show(handoff_id: HandoffId, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Show one handoff with the user's full request."""
    out.show(connect(server).get(path("handoffs", handoff_id)), as_json, _render)


@handoff.command("claim")
def claim(handoff_id: HandoffId, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Take a handoff; if someone else got it first, say who."""
    claimed = connect(server).post(path("handoffs", handoff_id, "claim"))
    out.show(claimed, as_json, _report_claimed)


@handoff.command("resolve")
def resolve(
    handoff_id: HandoffId,
    resolution: Annotated[
        str, typer.Option("--resolution", "-r", help="What you did or answered (required).")
    ],
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Close a handoff you claimed."""
    body = {"resolution": resolution}
    resolved = connect(server).post(path("handoffs", handoff_id, "resolve"), body)
    out.show(resolved, as_json, lambda h: out.success(f"Resolved handoff #{h['id']}."))


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 3] + "..."


def _render_list(items: list[dict[str, Any]]) -> None:
    out.table(
        ["ID", "CREATED", "SYSTEM", "ENV", "STATUS", "CLAIMED BY", "REASON", "INPUT"],
        (
            [
                h["id"],
                out.when(h["created_at"]),
                h["system"],
                h["environment"],
                h["status"],
                h.get("claimed_by"),
                h.get("reason"),
                _preview(h.get("input") or ""),
            ]
            for h in items
        ),
        empty="No handoffs match.",
    )


def _render(item: dict[str, Any]) -> None:
    out.fields(
        [
            ("Handoff", f"#{item['id']} ({item['status']})"),
            ("System", f"{item['system']} / {item['environment']}"),
            ("Created", out.when(item["created_at"])),
            ("Trace", item.get("trace_id")),
            ("User", item.get("user_id")),
            ("Reason", item.get("reason")),
            ("Claimed", _who(item.get("claimed_by"), item.get("claimed_at"))),
            ("Resolved", _who(item.get("resolved_by"), item.get("resolved_at"))),
            ("Resolution", item.get("resolution")),
            ("Input", item.get("input")),
        ]
    )


def _who(name: str | None, at: str | None) -> str | None:
    return f"{name} at {out.when(at)}" if name else None


def _report_claimed(item: dict[str, Any]) -> None:
    out.success(f"Claimed handoff #{item['id']} ({item['system']} / {item['environment']}).")
    _render(item)
