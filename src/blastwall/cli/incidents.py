"""`blastwall incident ...`: open, follow and close incidents from a terminal (I1, I5)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from blastwall.cli import blast_radius, evidence, incident_roles, regulatory
from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.errors import UsageProblem
from blastwall.cli.options import AsJson, Server, slug
from blastwall.incidents.enums import FailureMode, Harm, IncidentClass, Reversibility, Status

app = typer.Typer()
incident = typer.Typer(
    name="incident", help="Open, follow, update and resolve incidents.", no_args_is_help=True
)
app.add_typer(incident, rich_help_panel="Incident command")

IncidentNumber = Annotated[int, typer.Argument(min=1, help="Incident id, e.g. 12.")]
Note = Annotated[str | None, typer.Option("--note", "-n", help="Why, for the timeline.")]
Title = Annotated[str | None, typer.Option("--title", help="One line a responder recognises.")]
Summary = Annotated[str | None, typer.Option("--summary", help="What is known so far.")]
System = Annotated[
    str | None, typer.Option("--system", callback=slug("system"), help="Affected system.")
]
Classes = Annotated[
    list[IncidentClass] | None,
    typer.Option("--class", "-c", show_default=False, help="Incident class (repeatable)."),
]
Mode = Annotated[FailureMode | None, typer.Option("--failure-mode", help="How it arrived.")]
Rev = Annotated[
    Reversibility | None,
    typer.Option("--reversibility", help="Of the downstream actions (default: from the system)."),
]


def _moment(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date-time: use ISO 8601 with a zone, e.g. 2024-06-01T09:30:00Z"
        ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(
            f"{value!r} has no time zone: add one, e.g. {value}Z for UTC or {value}+02:00"
        )
    return moment.isoformat()


StartedAt = Annotated[
    str | None,
    typer.Option("--started-at", callback=_moment, help="When the failure began (ISO 8601)."),
]


def _values(items: list[IncidentClass] | None) -> list[str] | None:
    return None if items is None else [item.value for item in items]


@incident.command("open")
def open_(
    *,
    title: Annotated[str, typer.Option("--title", help="One line a responder recognises.")],
    harm: Annotated[Harm, typer.Option("--harm", help="How wrong the output is.")],
    system: System = None,
    classes: Classes = None,
    failure_mode: Mode = None,
    reversibility: Rev = None,
    summary: Annotated[str, typer.Option("--summary", help="What is known so far.")] = "",
    started_at: StartedAt = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Open an incident; its severity comes from the matrix (harm x reversibility)."""
    body = {
        "title": title,
        "system": system,
        "classes": _values(classes) or [],
        "failure_mode": failure_mode,
        "harm": harm.value,
        "reversibility": reversibility,
        "summary": summary,
        "started_at": started_at,
    }
    opened = connect(server).post(path("incidents"), {k: v for k, v in body.items() if v})
    out.show(opened, as_json, _report_opened)


@incident.command("list")
def list_(
    *,
    status: Annotated[Status | None, typer.Option("--status", help="Only this status.")] = None,
    system: System = None,
    severity: Annotated[
        int | None, typer.Option("--severity", min=1, max=3, help="Only this severity.")
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """List incidents, newest first."""
    items = connect(server).list(
        path("incidents"), status=status.value if status else None, system=system, severity=severity
    )
    out.show(items, as_json, _render_list)


@incident.command("show")
def show(
    *, incident_id: IncidentNumber, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Show one incident with its timeline, whether its fix is verified (R3) and its
    regulator deadlines (docs/regulatory.md)."""
    client = connect(server)
    item = client.get(path("incidents", incident_id))
    item["verification"] = client.get(path("incidents", incident_id, "verification"))
    item["clocks"] = client.get(path("incidents", incident_id, "clocks"))["items"]
    item["cadence"] = client.get(path("incidents", incident_id, "cadence"))
    out.show(item, as_json, _render)


@incident.command("update")
def update(
    *,
    incident_id: IncidentNumber,
    title: Title = None,
    summary: Summary = None,
    classes: Classes = None,
    failure_mode: Mode = None,
    harm: Annotated[Harm | None, typer.Option("--harm", help="Recomputes the severity.")] = None,
    reversibility: Rev = None,
    started_at: StartedAt = None,
    commander: Annotated[
        str | None, typer.Option("--commander", help="Who owns decisions (a token name).")
    ] = None,
    message: Annotated[
        str | None,
        typer.Option("--message", "-m", help="Post an update: to the timeline and the channels."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--status-page-template",
            help="Fill the update into a template: investigating, identified, monitoring, "
            "resolved (docs/communications.md).",
        ),
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Change an incident's fields, or post an update (--message) that restarts its clock."""
    body = {
        "title": title,
        "summary": summary,
        "classes": _values(classes),
        "failure_mode": failure_mode,
        "harm": harm,
        "reversibility": reversibility,
        "started_at": started_at,
        "commander": commander,
    }
    patch = {k: v for k, v in body.items() if v is not None}
    if not patch and message is None and template is None:
        raise UsageProblem(
            "nothing to update: pass --message (an update) or at least one of --title, "
            "--summary, --class, --failure-mode, --harm, --reversibility, --started-at, "
            "--commander"
        )
    client = connect(server)
    if patch:
        updated = client.patch(path("incidents", incident_id), patch)
        if message is None and template is None:
            out.show(updated, as_json, lambda i: out.success(f"Updated incident {_headline(i)}"))
            return
    posted = client.post(
        path("incidents", incident_id, "updates"), {"message": message or "", "template": template}
    )
    out.show(posted, as_json, _render_posted)


def _render_posted(posted: dict[str, Any]) -> None:
    out.success(f"Posted an update to incident #{posted['incident_id']}")
    out.line(posted["text"].rstrip())
    out.fields([("next update due", out.when(posted.get("next_update_due")))])


@incident.command("ack")
def acknowledge(
    *,
    incident_id: IncidentNumber,
    note: Note = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Acknowledge an incident: someone is on it (stops the acknowledge clock)."""
    acked = connect(server).post(path("incidents", incident_id, "acknowledge"), _note(note))
    out.show(acked, as_json, lambda i: out.success(f"Acknowledged incident {_headline(i)}"))


@incident.command("transition")
def transition(
    *,
    incident_id: IncidentNumber,
    to: Annotated[Status, typer.Argument(help="The next status.")],
    note: Note = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Move an incident to its next status (detected, triaged, contained, mitigated, ...)."""
    body = {"to": to.value} | _note(note)
    moved = connect(server).post(path("incidents", incident_id, "transition"), body)
    out.show(moved, as_json, lambda i: out.success(f"Incident {_headline(i)}"))


@incident.command("note")
def note(
    *,
    incident_id: IncidentNumber,
    message: Annotated[str, typer.Argument(help="What happened or what was decided.")],
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Add a note to an incident's timeline."""
    entry = connect(server).post(path("incidents", incident_id, "notes"), {"message": message})
    out.show(entry, as_json, lambda _: out.success(f"Noted on incident #{incident_id}."))


@incident.command("resolve")
def resolve(
    *,
    incident_id: IncidentNumber,
    note: Note = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Resolve an incident: the harm has stopped and the system is back to normal."""
    resolved = connect(server).post(path("incidents", incident_id, "resolve"), _note(note))
    out.show(resolved, as_json, lambda i: out.success(f"Resolved incident {_headline(i)}"))


# Roles (I2) live in their own module; registered here so they list after `resolve`.
for _name, _command in (
    ("assign", incident_roles.assign),
    ("handover", incident_roles.handover),
    ("unassign", incident_roles.unassign),
    ("reportable", regulatory.reportable),
    ("fact", regulatory.fact),
    ("anchor", regulatory.anchor),
    ("regulatory", regulatory.regulatory),
):
    incident.command(_name)(_command)
incident.command("blast-radius")(blast_radius.blast_radius)
incident.command("hold")(evidence.hold)
incident.command("release-hold")(evidence.release_hold)
incident.command("evidence")(evidence.evidence)
incident.command("export")(evidence.export)
incident.command("verify-export")(evidence.verify_export)


@incident.command("metrics")
def metrics(
    *, system: System = None, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Mean time to detect, acknowledge, contain and resolve (I1)."""
    summary = connect(server).get(path("incidents", "metrics"), system=system)
    out.show(
        summary,
        as_json,
        lambda m: out.fields(
            [
                ("incidents", m.get("incidents")),
                ("mean time to detect", out.duration(m.get("mttd_s"))),
                ("mean time to acknowledge", out.duration(m.get("mtta_s"))),
                ("mean time to contain", out.duration(m.get("mean_time_to_contain_s"))),
                ("mean time to resolve", out.duration(m.get("mttr_s"))),
            ]
        ),
    )


def _note(note: str | None) -> dict[str, Any]:
    return {} if note is None else {"note": note}


def _drill(item: dict[str, Any]) -> str:
    """'DRILL ' for an incident opened during a game day, so nobody mistakes it for real."""
    return "DRILL " if item.get("drill") else ""


def _headline(item: dict[str, Any]) -> str:
    return (
        f"#{item['id']} (severity {item['severity']}, {item['status']}): "
        f"{_drill(item)}{item['title']}"
    )


def _report_opened(item: dict[str, Any]) -> None:
    out.success(f"Opened incident {_headline(item)}")
    cell = item.get("cell") or {}
    out.fields(
        (label, cell[key])
        for label, key in (
            ("Containment", "containment"),
            ("Escalation", "escalation"),
            ("Communication", "communication"),
        )
        if cell.get(key)
    )


def _render_list(items: list[dict[str, Any]]) -> None:
    out.table(
        ["ID", "SEV", "STATUS", "SYSTEM", "TITLE", "COMMANDER", "DETECTED"],
        (
            [
                i["id"],
                i["severity"],
                i["status"],
                i.get("system"),
                _drill(i) + i["title"],
                i.get("commander"),
                out.when(i.get("detected_at")),
            ]
            for i in items
        ),
        empty="No incidents match.",
    )


_MILESTONES = (
    "started",
    "detected",
    "acknowledged",
    "contained",
    "mitigated",
    "resolved",
    "postmortem_done",
)
_CLOCKS = (
    ("time to detect", "time_to_detect_s"),
    ("time to acknowledge", "time_to_acknowledge_s"),
    ("time to contain", "time_to_contain_s"),
    ("time to resolve", "time_to_resolve_s"),
)


def _verification(found: dict[str, Any] | None) -> str | None:
    """One line: verified or not after the last rollback or lever change, and why."""
    if not found or found.get("status") in (None, "none"):
        return None
    return f"{str(found['status']).replace('_', ' ')}: {found.get('message', '')}"


def _next_update(found: dict[str, Any] | None) -> str | None:
    """``due 2026-12-06 19:30 UTC`` or ``OVERDUE since ... (12 min)``; None once resolved."""
    if not found or found.get("next_update_due") is None:
        return None
    due = out.when(found["next_update_due"])
    if found.get("overdue"):
        return f"OVERDUE since {due} ({out.duration(found['overdue_s'])})"
    return f"due {due}"


def _render(item: dict[str, Any]) -> None:
    out.line(f"Incident #{item['id']}: {_drill(item)}{item['title']}", "bold")
    cell = item.get("cell") or {}
    metrics = item.get("metrics") or {}
    out.fields(
        [
            ("status", item["status"]),
            ("severity", f"{item['severity']} (matrix v{item.get('matrix_version')})"),
            ("system", item.get("system")),
            *incident_roles.roles_of(item),
            ("classes", item.get("classes")),
            ("failure mode", item.get("failure_mode")),
            ("harm", item.get("harm")),
            ("reversibility", item.get("reversibility")),
            ("summary", item.get("summary") or None),
            ("containment", cell.get("containment")),
            ("escalation", cell.get("escalation")),
            ("communication", cell.get("communication")),
            *((name.replace("_", " "), out.when(item.get(f"{name}_at"))) for name in _MILESTONES),
            *((label, out.duration(metrics.get(key))) for label, key in _CLOCKS),
            ("verification", _verification(item.get("verification"))),
            ("next update", _next_update(item.get("cadence"))),
        ]
    )
    regulatory.render_deadlines(item.get("clocks") or [])
    out.table(
        ["AT", "KIND", "ACTOR", "MESSAGE"],
        (
            [out.when(e.get("at")), e.get("kind"), e.get("actor"), e.get("message")]
            for e in item.get("timeline", [])
        ),
        title="Timeline",
        empty="The timeline is empty.",
    )


# `incident ledger` and `incident notice` live in cli/communications.py; importing it here
# registers them on the group whichever module the CLI loads first.
from blastwall.cli import communications as _communications  # noqa: E402

__all__ = ["_communications", "app", "incident"]
