"""`blastwall monitor list SYSTEM` and `blastwall alarm list`: what is watched, what alarmed."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server, slug

app = typer.Typer()
monitor = typer.Typer(name="monitor", help="Monitors of a system (D1-D8).", no_args_is_help=True)
alarm = typer.Typer(name="alarm", help="Alarms the monitors raised.", no_args_is_help=True)
app.add_typer(monitor, rich_help_panel="Detection")
app.add_typer(alarm, rich_help_panel="Detection")

SystemArg = Annotated[str, typer.Argument(callback=slug("system"), help="System name.")]


@monitor.command("list")
def list_monitors(
    system: SystemArg, *, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Every monitor of SYSTEM: signal, phase, reference progress, counters, baseline."""
    out.show(connect(server).list(path("systems", system, "monitors")), as_json, _render_monitors)


def _progress(state: dict[str, Any]) -> str:
    if state["phase"] == "learning" and state.get("reference"):
        return f"learning {state['learned']}/{state['reference']}"
    return str(state["phase"])


def _bad(state: dict[str, Any]) -> str:
    parts = [f"{n} {reason}" for reason, n in sorted(state["bad"].items())]
    return ", ".join(parts) or "-"


def _render_monitors(items: list[dict[str, Any]]) -> None:
    out.table(
        [
            "NAME",
            "SIGNAL",
            "ENV",
            "PHASE",
            "SEEN",
            "MISSING",
            "BAD",
            "FALSE ALARMS",
            "BASELINE",
            "KNOWN-GOOD",
        ],
        (
            [
                m["name"],
                m["signal"],
                m["environment"] or "all",
                _progress(m["state"]),
                m["state"]["observations"],
                m["state"]["missing"],
                _bad(m["state"]),
                f"{m['false_alarm_rate']:g}/obs",
                _baseline(m["state"]["baseline"]),
                _baseline_of(m),
            ]
            for m in items
        ),
        empty="No monitors on this system: declare them under the system's 'monitors:' in "
        "blastwall.yaml and run `blastwall apply -f blastwall.yaml`.",
    )
    for m in items:
        if m["state"]["message"]:
            out.line(f"{m['name']}: {m['state']['message']}")


def _baseline_of(monitor: dict[str, Any]) -> str:
    """The known-good release whose baseline newer releases are tested against, or 'none'
    (the monitor learns from each release's first observations), or 'pinned'."""
    if monitor["reference"].get("kind") == "pinned":
        return "pinned"
    state = monitor["state"]
    if state.get("known_good_baseline"):
        return str(state.get("baseline_release"))
    return "none"


def _baseline(baseline: Any) -> str:
    if not isinstance(baseline, dict):
        return "-"
    return ", ".join(
        f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in baseline.items()
    )


@alarm.command("list")
def list_alarms(
    *,
    system: Annotated[
        str | None, typer.Option("--system", callback=slug("system"), help="Only this system.")
    ] = None,
    incident: Annotated[
        int | None, typer.Option("--incident", min=1, help="Only alarms of this incident.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most.")] = 50,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Alarms, newest first, with the estimated change time and the incident they joined."""
    items = connect(server).list(path("alarms"), system=system, incident_id=incident, limit=limit)
    out.show(items, as_json, _render_alarms)


def _render_alarms(items: list[dict[str, Any]]) -> None:
    out.table(
        ["ID", "AT", "SYSTEM", "MONITOR", "CHANGE", "SINCE", "INCIDENT", "REPEATS", "SAMPLES"],
        (
            [
                a["id"],
                out.when(a["at"]),
                a["system"],
                a["monitor"],
                a["description"],
                out.when(a["change_at"]),
                f"#{a['incident_id']}" if a["incident_id"] else None,
                a["repeats"],
                a["sample_trace_ids"][:3],
            ]
            for a in items
        ),
        empty="No alarms.",
    )
