"""`blastwall trace list|show|flag`: find what an AI call saw, did and set off (F1, F2, D6)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server, slug

app = typer.Typer()
trace = typer.Typer(name="trace", help="List and inspect traces of guarded AI calls.")
app.add_typer(trace, rich_help_panel="Forensics")

_AGO = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def moment(value: str | None) -> str | None:
    """ISO 8601 with a zone, or a look-back such as 15m, 2h, 7d, as an ISO UTC time."""
    if value is None:
        return None
    ago = _AGO.fullmatch(value.strip())
    if ago:
        delta = timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
        return (datetime.now(UTC) - delta).isoformat()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a time: use a look-back like 15m, 2h, 7d or ISO 8601 with a "
            "zone, e.g. 2025-01-31T12:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise typer.BadParameter(
            f"{value!r} has no time zone: add one, e.g. {value}Z for UTC or {value}+02:00"
        )
    return parsed.isoformat()


Since = Annotated[
    str | None,
    typer.Option("--since", callback=moment, help="Calls at or after: 15m, 2h, 7d or ISO 8601."),
]
Until = Annotated[
    str | None, typer.Option("--until", callback=moment, help="Calls before: 15m or ISO 8601.")
]
TraceId = Annotated[str, typer.Argument(help="The trace id (X-AI-Trace-Id).")]


@trace.command("list")
def list_(
    *,
    system: Annotated[
        str | None, typer.Option("--system", callback=slug("system"), help="Only this system.")
    ] = None,
    environment: Annotated[
        str | None, typer.Option("--env", "-e", help="Only this environment.")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only calls for this user.")] = None,
    label: Annotated[str | None, typer.Option("--label", help="Only this output label.")] = None,
    decision: Annotated[
        str | None, typer.Option("--decision", help="proceed, killed, human_fallback, ...")
    ] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="ok, blocked, error.")] = None,
    since: Since = None,
    until: Until = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000)] = 20,
    cursor: Annotated[str | None, typer.Option("--cursor", help="Next page (printed).")] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """List guarded calls, newest first."""
    page = connect(server).get(
        path("traces"),
        system=system,
        environment=environment,
        user_id=user,
        label=label,
        decision=decision,
        outcome=outcome,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
    out.show(page, as_json, _render_page)


@trace.command("show")
def show(trace_id: TraceId, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Show everything recorded under one trace id: calls, tools, actions, feedback."""
    out.show(connect(server).get(path("traces", trace_id)), as_json, _render_trace)


@trace.command("flag")
def flag(
    trace_id: TraceId,
    rating: Annotated[str, typer.Option("--rating", help="wrong, harmful, correct or other.")],
    comment: Annotated[str | None, typer.Option("--comment", help="What was wrong.")] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Flag a trace's response as wrong or harmful (a detection signal, D6)."""
    body = {"rating": rating, "comment": comment}
    flagged = connect(server).post(path("traces", trace_id, "feedback"), body)
    out.show(flagged, as_json, lambda f: out.success(f"Flagged {trace_id} as {f['rating']}."))


def _render_page(page: dict[str, Any]) -> None:
    out.table(
        ["AT", "TRACE", "SYSTEM", "ENV", "USER", "DECISION", "OUTCOME", "LABEL", "MODEL", "MS"],
        (
            [
                out.when(t["at"]),
                t["trace_id"],
                t["system"],
                t["environment"],
                t.get("user_id"),
                t["decision"],
                t["outcome"],
                t.get("label"),
                t.get("model"),
                None if t.get("latency_ms") is None else f"{t['latency_ms']:.0f}",
            ]
            for t in page["items"]
        ),
        empty="No traces match.",
    )
    if page.get("next_cursor"):
        out.line(f"More: add --cursor {page['next_cursor']}")


def _render_trace(record: dict[str, Any]) -> None:
    for number, call in enumerate(record["calls"], start=1):
        _render_call(number, len(record["calls"]), call)
    if not record["calls"]:
        out.line(f"No call recorded under {record['trace_id']} yet; only feedback.")
    for item in record["feedback"]:
        by = f" by {item['by']}" if item.get("by") else ""
        comment = f": {item['comment']}" if item.get("comment") else ""
        out.line(f"Feedback {out.when(item['at'])}{by}: {item['rating']}{comment}", "yellow")


def _render_call(number: int, total: int, call: dict[str, Any]) -> None:
    payload = call["payload"]
    title = f"Trace {call['trace_id']}" + (f" (call {number} of {total})" if total > 1 else "")
    out.line(title, "bold")
    model = call.get("model")
    if payload.get("requested_model") and payload["requested_model"] != model:
        model = f"{model} (asked for {payload['requested_model']})"
    confidence = call.get("confidence")
    out.fields(
        [
            ("At", out.when(call["at"])),
            ("System", f"{call['system']} / {call['environment']}"),
            ("User", call.get("user_id")),
            ("Decision", f"{call['decision']} -> {call['outcome']}"),
            ("Release", call.get("release")),
            ("Model", model),
            ("Label", call.get("label")),
            ("Confidence", None if confidence is None else f"{confidence:.2f}"),
            ("Latency", None if call.get("latency_ms") is None else f"{call['latency_ms']:.0f} ms"),
            ("Levers", payload.get("levers")),
            ("Error", payload.get("error")),
            ("Input", call.get("input")),
            ("Output", call.get("output")),
        ]
    )
    if call.get("truncated"):
        out.line("(input, output or error was cut at the server's size cap)")
    for doc in payload.get("retrieved") or []:
        out.line(f"  retrieved {doc['id']} from {doc['source']} (score {doc.get('score')})")
    for tool in payload.get("tool_calls") or []:
        arguments = json.dumps(tool.get("arguments") or {}, sort_keys=True)
        reason = f" ({tool['reason']})" if tool.get("reason") else ""
        out.line(f"  tool {tool['name']}{arguments} -> {tool['status']}{reason}")
    for action in payload.get("actions") or []:
        kind = "reversible" if action["reversible"] else "IRREVERSIBLE"
        gate = f" via {action['gate']}" if action.get("gate") else ""
        out.line(f"  action {action['name']} ({kind}) {action['status']}{gate}")
    for hit in payload.get("filters") or []:
        out.line(
            f"  filter {hit['filter']} {hit['stage']} {hit['category']} x{hit['count']} "
            f"-> {hit['action']}"
        )
