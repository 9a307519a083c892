"""`blastwall approvals list|show|approve|deny`: decide irreversible actions (C7)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from blastwall.approvals.enums import ApprovalStatus
from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.errors import UsageProblem
from blastwall.cli.options import AsJson, Server, slug

app = typer.Typer()
approvals = typer.Typer(
    name="approvals", help="The action gate: approve or deny irreversible actions."
)
app.add_typer(approvals, rich_help_panel="Containment queues")

ApprovalId = Annotated[int, typer.Argument(min=1, help="Approval request id, e.g. 7.")]
PREVIEW = 60


def _reason(value: str) -> str:
    if not value.strip():
        raise UsageProblem(
            "missing --reason: decisions are audited, so say why, "
            "e.g. --reason 'refund matches the order total'"
        )
    return value.strip()


Reason = Annotated[
    str,
    typer.Option(
        "--reason",
        "-r",
        callback=_reason,
        show_default=False,
        help="Why (required; recorded in the audit log and shown to the app).",
    ),
]


@approvals.command("list")
def list_(
    *,
    status: Annotated[
        ApprovalStatus, typer.Option("--status", help="Which requests to show.")
    ] = ApprovalStatus.pending,
    system: Annotated[
        str | None, typer.Option("--system", callback=slug("system"), help="Only this system.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000)] = 100,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """List approval requests (pending by default), oldest first."""
    items = connect(server).list(path("approvals"), status=status.value, system=system, limit=limit)
    out.show(items, as_json, _render_list)


@approvals.command("show")
def show(approval_id: ApprovalId, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Show one request with the action's full arguments."""
    out.show(connect(server).get(path("approvals", approval_id)), as_json, _render)


@approvals.command("approve")
def approve(
    approval_id: ApprovalId,
    reason: Reason,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Let the action run."""
    decided = connect(server).post(path("approvals", approval_id, "approve"), {"reason": reason})
    out.show(decided, as_json, lambda a: out.success(f"Approved {_headline(a)}."))


@approvals.command("deny")
def deny(
    approval_id: ApprovalId,
    reason: Reason,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Refuse the action; the app never runs it."""
    decided = connect(server).post(path("approvals", approval_id, "deny"), {"reason": reason})
    out.show(decided, as_json, lambda a: out.success(f"Denied {_headline(a)}."))


def _headline(item: dict[str, Any]) -> str:
    return f"#{item['id']} {item['action']} on {item['system']} / {item['environment']}"


def _arguments(item: dict[str, Any], limit: int | None = PREVIEW) -> str:
    text = json.dumps(item.get("arguments") or {}, sort_keys=True)
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def _render_list(items: list[dict[str, Any]]) -> None:
    out.table(
        ["ID", "CREATED", "SYSTEM", "ENV", "ACTION", "ARGUMENTS", "STATUS", "EXPIRES", "WHY"],
        (
            [
                a["id"],
                out.when(a["created_at"]),
                a["system"],
                a["environment"],
                a["action"],
                _arguments(a),
                a["status"],
                out.when(a.get("expires_at")),
                a.get("request_reason"),
            ]
            for a in items
        ),
        empty="No approval requests match.",
    )


def _render(item: dict[str, Any]) -> None:
    decided = None
    if item.get("decided_by"):
        decided = f"{item['decided_by']} at {out.when(item.get('decided_at'))}: {item['reason']}"
    out.fields(
        [
            ("Request", f"#{item['id']} ({item['status']})"),
            ("System", f"{item['system']} / {item['environment']}"),
            ("Action", item["action"]),
            ("Arguments", _arguments(item, None)),
            ("Why asked", item.get("request_reason")),
            ("Trace", item.get("trace_id")),
            ("Requested", f"{item['requested_by']} at {out.when(item['created_at'])}"),
            ("Expires", out.when(item.get("expires_at"))),
            ("Decided", decided),
        ]
    )
