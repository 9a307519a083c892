"""Regulator reporting from a terminal: `blastwall incident reportable|fact|anchor`,
`blastwall clocks [ID]`, `blastwall report draft|submit|list|show` (docs/regulatory.md).

The `incident` subcommands are registered on the incident group by ``cli/incidents.py``;
each command is one or two API calls, so the server checks roles and records the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.errors import UsageProblem
from blastwall.cli.options import AsJson, Server
from blastwall.regulatory.enums import Anchor, Fact, Regime, ReportFormat, Stage

app = typer.Typer()
report = typer.Typer(
    name="report",
    help="Regulator report drafts, their lineage and submission.",
    no_args_is_help=True,
)
app.add_typer(report, rich_help_panel="Incident command")

IncidentNumber = Annotated[int, typer.Argument(min=1, help="Incident id, e.g. 12.")]
ReportNumber = Annotated[int, typer.Argument(min=1, help="Report id, e.g. 3.")]
RegimeOption = Annotated[Regime, typer.Option("--regime", help="The reporting regime.")]
Yes = Annotated[bool, typer.Option("--yes", help="Reportable.")]
No = Annotated[bool, typer.Option("--no", help="Not reportable.")]
Why = Annotated[str, typer.Option("--reason", "-r", help="Why, for the timeline.")]


def reportable(
    *,
    incident_id: IncidentNumber,
    regime: RegimeOption,
    yes: Yes = False,
    no: No = False,
    undecided: Annotated[bool, typer.Option("--undecided", help="Back to undecided.")] = False,
    rationale: Annotated[
        str, typer.Option("--rationale", help="Why (required): shown with the decision.")
    ] = "",
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Decide (or revise) whether an incident is reportable under a regime (commander)."""
    chosen = [
        name
        for name, on in (("reportable", yes), ("not_reportable", no), ("undecided", undecided))
        if on
    ]
    if len(chosen) != 1:
        raise UsageProblem("say exactly one of --yes, --no or --undecided")
    if not rationale.strip():
        raise UsageProblem(
            "missing --rationale: a reportability decision says why, e.g. "
            "--rationale 'personal data of 40 users shown to others'"
        )
    body = {"regime": regime.value, "decision": chosen[0], "rationale": rationale}
    state = connect(server).post(path("incidents", incident_id, "reportability"), body)
    out.show(state, as_json, render_record)


def fact(
    *,
    incident_id: IncidentNumber,
    name: Annotated[Fact, typer.Argument(help="The fact, e.g. death or personal_data.")],
    yes: Annotated[bool, typer.Option("--yes/--no", help="Whether it holds.")] = True,
    reason: Why = "",
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Record an incident fact that picks deadline variants (death, widespread, ...)."""
    body = {"name": name.value, "value": yes, "reason": reason}
    state = connect(server).post(path("incidents", incident_id, "facts"), body)
    out.show(state, as_json, render_record)


def _moment(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise typer.BadParameter(
            f"{value!r} is not a time with a zone: write RFC 3339, e.g. 2026-12-06T09:30:00Z"
        )
    return value


def anchor(
    *,
    incident_id: IncidentNumber,
    name: Annotated[Anchor, typer.Argument(help="awareness, major_classification or causal_link.")],
    at: Annotated[
        str, typer.Option("--at", callback=_moment, help="When, e.g. 2026-12-06T09:30:00Z.")
    ],
    reason: Why = "",
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Record when a deadline anchor happened (awareness defaults to detection)."""
    body = {"name": name.value, "at": at, "reason": reason}
    state = connect(server).post(path("incidents", incident_id, "anchors"), body)
    out.show(state, as_json, render_record)


def regulatory(
    *, incident_id: IncidentNumber, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """An incident's reportability decisions (with history), facts and anchors."""
    state = connect(server).get(path("incidents", incident_id, "regulatory"))
    out.show(state, as_json, render_record)


def render_record(state: dict[str, Any]) -> None:
    out.line(f"Regulatory record of incident {state['incident_id']}", "bold")
    rows = [
        (d["regime"], d["decision"], d["rationale"], d["decided_by"], out.when(d["decided_at"]))
        for d in state["decisions"]
    ]
    out.table(["Regime", "Decision", "Rationale", "By", "At"], rows, empty="  no decisions yet")
    facts = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in sorted(state["facts"].items()))
    out.line(f"  facts: {facts or '-'}")
    for item in state["anchors"]:
        out.line(f"  anchor {item['name']}: {out.when(item['at'])} ({item['set_by']})")


@app.command("clocks", rich_help_panel="Incident command")
def clocks(
    incident_id: Annotated[
        int | None, typer.Argument(min=1, help="Incident id; leave out for every open incident.")
    ] = None,
    *,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Regulator deadline clocks: anchor, due time, time left, status, per regime and stage."""
    client = connect(server)
    url = path("incidents", incident_id, "clocks") if incident_id else path("clocks")
    found = client.get(url)["items"]
    out.show(found, as_json, render_clocks)


def _left(clock: dict[str, Any]) -> str:
    seconds = clock["seconds_left"]
    if seconds is None:
        return "-"
    if seconds < 0:
        return f"OVERDUE by {out.duration(-seconds)}"
    return str(out.duration(seconds))


def _anchor(clock: dict[str, Any]) -> str:
    found = clock["anchor"]
    return f"{found['name']} {out.when(found['at'])}" if found else "-"


def render_clocks(found: list[dict[str, Any]]) -> None:
    rows = [
        (
            c["incident_id"],
            c["regime"],
            c["stage"],
            c["status"],
            _anchor(c),
            c["window"],
            out.when(c["due_at"]),
            _left(c),
        )
        for c in found
    ]
    out.table(
        ["Incident", "Regime", "Stage", "Status", "Anchor", "Window", "Due", "Left"],
        rows,
        empty="No clocks: no open incident's system falls under a regime (docs/regulatory.md).",
    )
    for c in found:
        if c["status"] in ("not_applicable", "waiting_for_anchor"):
            out.line(f"  {c['incident_id']} {c['regime']} {c['stage']}: {c['reason']}")


def render_deadlines(found: list[dict[str, Any]]) -> None:
    """The regulator deadlines `incident show` lists (nothing when no regime applies)."""
    shown = [c for c in found if c["status"] != "not_applicable"]
    if not shown:
        return
    out.line("Regulator deadlines", "bold")
    for c in shown:
        due = f", due {out.when(c['due_at'])} ({_left(c)})" if c["status"] == "running" else ""
        out.line(f"  {c['regime']} {c['stage']}: {c['status']}{due}")


@report.command("draft")
def draft(
    *,
    incident_id: IncidentNumber,
    regime: RegimeOption,
    stage: Annotated[
        Stage | None, typer.Option("--stage", help="Default: the first stage not yet submitted.")
    ] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="md or json.")] = ReportFormat.md,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Draft the next report from the record; prints its text (it supersedes the last)."""
    body: dict[str, Any] = {"regime": regime.value, "format": fmt.value}
    if stage is not None:
        body["stage"] = stage.value
    made = connect(server).post(path("incidents", incident_id, "reports"), body)
    out.show(made, as_json, render_report)


@report.command("submit")
def submit(
    *, report_id: ReportNumber, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Mark a report as sent to its authority (commander): ledger entry, clock met."""
    sent = connect(server).post(path("reports", report_id, "submit"))
    out.show(
        sent,
        as_json,
        lambda r: out.success(
            f"Submitted report {r['id']} ({r['regime']} {r['stage']} v{r['version']}) to "
            f"{r['recipient']} at {out.when(r['submitted_at'])}; sha256 {r['sha256']}"
        ),
    )


@report.command("list")
def list_reports(
    *, incident_id: IncidentNumber, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """An incident's reports: lineage per regime, which supersedes which, what was sent."""
    found = connect(server).get(path("incidents", incident_id, "reports"))["items"]
    rows = [
        (
            r["id"],
            r["regime"],
            r["stage"],
            r["version"],
            r["supersedes_id"],
            "superseded" if r["superseded"] else "current",
            out.when(r["submitted_at"]),
            r["sha256"][:12],
        )
        for r in found
    ]
    columns = ["Id", "Regime", "Stage", "Version", "Supersedes", "State", "Submitted", "Sha256"]
    out.show(found, as_json, lambda _: out.table(columns, rows, empty="No reports yet."))


@report.command("show")
def show(
    *, report_id: ReportNumber, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Print one report's text exactly as stored (and sent, once submitted)."""
    found = connect(server).get(path("reports", report_id))
    out.show(found, as_json, render_report)


def render_report(found: dict[str, Any]) -> None:
    typer.echo(found["body"], nl=not found["body"].endswith("\n"))
