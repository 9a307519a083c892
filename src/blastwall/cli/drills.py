"""`blastwall drill ...`: game days that inject a real fault and time the response (P3).

``drill run`` starts the run on the server (which injects the fault), follows it until the
response is complete (contained, verified, acknowledged) or the timeout, ends it (the
fault is removed) and prints the measurements. ``--tabletop`` injects nothing and walks
the responders through the system's runbook, timing each step.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, Client, connect, path
from blastwall.cli.options import AsJson, Server, slug
from blastwall.cli.tabletop import walk
from blastwall.drills.enums import Scenario

app = typer.Typer()
drill = typer.Typer(
    name="drill",
    help="Game days: inject a real fault into the demo and time detection and containment.",
    no_args_is_help=True,
)
app.add_typer(drill, rich_help_panel="Incident command")

POLL_S = 1.0
GRACE_S = 5.0
"""How long past the server's deadline the CLI waits for the timeout task to end the run."""
MILESTONES = (
    ("time_to_detect_s", "detected: incident #{incident_id} opened"),
    ("time_to_page_s", "paged"),
    ("time_to_acknowledge_s", "acknowledged"),
    ("time_to_contain_s", "contained by {contained_by}"),
)

RunSystem = Annotated[
    str,
    typer.Option("--system", "-s", callback=slug("system"), help="System to drill."),
]


@drill.command("run")
def run(
    scenario: Annotated[Scenario, typer.Argument(help="Scenario (`blastwall drill list`).")],
    *,
    system: RunSystem = "support-agent",
    environment: Annotated[str, typer.Option("--env", "-e", help="Environment.")] = "prod",
    timeout: Annotated[
        int, typer.Option("--timeout", min=10, max=3600, help="Seconds before the fault ends.")
    ] = 300,
    ack_as: Annotated[
        str | None,
        typer.Option("--ack-as", help="Acknowledge the incident for PERSON (unattended runs)."),
    ] = None,
    tabletop: Annotated[
        bool, typer.Option("--tabletop", help="No injection: walk the runbook, timing each step.")
    ] = False,
    step_seconds: Annotated[
        float | None,
        typer.Option("--step-seconds", min=0, help="Tabletop: move on after N s, not on Enter."),
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Inject SCENARIO's fault and time detect, page, acknowledge, contain and verify."""
    client = connect(server)
    body = {
        "scenario": scenario.value,
        "system": system,
        "environment": environment,
        "mode": "tabletop" if tabletop else "live",
        "timeout_s": timeout,
        "ack_as": ack_as,
    }
    started = client.post(path("drills"), body)
    run_id = started["id"]
    if not as_json:
        out.line(f"Drill {run_id} started: {started['title']} ({started['mode']})", "bold")
    try:
        if tabletop:
            runbook = client.get(path("systems", system, "runbook"))
            walk(client, started, runbook, step_seconds=step_seconds, quiet=as_json)
            final = _end(client, run_id, "tabletop walked")
        else:
            final = _follow(client, started, timeout=timeout, quiet=as_json)
    except KeyboardInterrupt:
        final = _end(client, run_id, "interrupted")
    out.show(final, as_json, lambda r: out.line(client.get_text(path("drills", r["id"], "report"))))


def _follow(client: Client, run: dict[str, Any], *, timeout: int, quiet: bool) -> dict[str, Any]:
    """Poll the run, report each milestone once, acknowledge for --ack-as, end when done."""
    deadline = time.monotonic() + timeout + GRACE_S
    seen: set[str] = set()
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        run = client.get(path("drills", run["id"]))
        m = run["measurements"]
        for key, text in MILESTONES:
            if m.get(key) is not None and key not in seen:
                seen.add(key)
                if not quiet:
                    out.line(f"  +{m[key]:.1f} s  {text.format(**m)}")
        if run["status"] != "running":
            return run
        if run["ack_as"] and m["incident_id"] and m["time_to_acknowledge_s"] is None:
            client.post(path("drills", run["id"], "acknowledge"))
        if complete(m):
            return _end(client, run["id"], "response complete")
    return _end(client, run["id"], "timed out")


def complete(m: dict[str, Any]) -> bool:
    """Contained, acknowledged, and verified or refuted where a monitor alarmed."""
    decided = m["verification"] in ("verified", "not_verified") or m["monitor"] is None
    return m["time_to_contain_s"] is not None and m["time_to_acknowledge_s"] is not None and decided


def _end(client: Client, run_id: int, reason: str) -> dict[str, Any]:
    ended: dict[str, Any] = client.post(path("drills", run_id, "end"), {"reason": reason})
    return ended


@drill.command("list")
def list_(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """The scenarios a drill can run, and the past runs with their measured times."""
    client = connect(server)
    found = {
        "scenarios": client.get(path("drills", "scenarios"))["items"],
        "runs": client.list(path("drills"), limit=50),
    }
    out.show(found, as_json, _render_list)


def _render_list(found: dict[str, Any]) -> None:
    out.table(
        ["SCENARIO", "INJECTS", "CAUGHT BY", "WHAT"],
        ([s["name"], s["through"], s["expected_monitor"], s["title"]] for s in found["scenarios"]),
        empty="No scenarios: is the server older than this CLI?",
    )
    out.line("")
    out.table(
        ["ID", "SCENARIO", "MODE", "SYSTEM", "STATUS", "DETECT", "CONTAIN", "HARMFUL", "VERIFIED"],
        (
            [
                r["id"],
                r["scenario"],
                r["mode"],
                r["system"],
                r["status"],
                out.duration(r["measurements"].get("time_to_detect_s")) or "-",
                out.duration(r["measurements"].get("time_to_contain_s")) or "-",
                r["measurements"].get("harmful_outputs", 0),
                r["measurements"].get("verification", "none"),
            ]
            for r in found["runs"]
        ),
        empty="No drills yet: `blastwall drill run temperature --ack-as YOU` runs one.",
    )


@drill.command("report")
def report(
    run_id: Annotated[int, typer.Argument(min=1, help="Drill id (`blastwall drill list`).")],
    *,
    server: Server = DEFAULT_SERVER,
) -> None:
    """The run's report in Markdown: each measured time, the harm, what was missing."""
    out.line(connect(server).get_text(path("drills", run_id, "report")))


@drill.command("end")
def end(
    run_id: Annotated[int, typer.Argument(min=1, help="Drill id (`blastwall drill list`).")],
    *,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why it ends.")] = "ended by hand",
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """End a running drill now: its fault is removed and its measurements frozen."""
    ended = _end(connect(server), run_id, reason)
    out.show(ended, as_json, lambda r: out.success(f"Drill {r['id']} is {r['status']}."))
