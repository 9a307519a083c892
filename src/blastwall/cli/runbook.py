"""`blastwall runbook SYSTEM`: the exact commands that contain SYSTEM, on one page (I6)."""

from __future__ import annotations

from typing import Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server, SystemName

app = typer.Typer()


@app.command("runbook", rich_help_panel="Contain")
def runbook(
    *, system: SystemName, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """What to run to contain SYSTEM now: levers, rollback, who is on call, who owns it."""
    page = connect(server).get(path("systems", system, "runbook"))
    out.show(page, as_json, render)


def _command(text: str) -> None:
    out.line(f"    {text}", "bold cyan")


def render(page: dict[str, Any]) -> None:
    """The runbook as a terminal page: every command on its own line, never wrapped."""
    out.line(
        f"Runbook: {page['system']} ({page['risk_tier']} risk). Owner: {page['owner']}", "bold"
    )
    if page["description"]:
        out.line(page["description"])
    if page["fallback"]:
        out.line(f"When killed, users get: {page['fallback']}")
    out.line("")
    out.line(
        f"CONTAIN in {page['environment']} (replace WHY with what you saw; add --incident ID)",
        "bold",
    )
    for step in page["levers"]:
        out.line(f"  {step['lever']}: {step['does']}")
        _command(step["command"])
    out.line("  undo every lever:")
    _command(page["restore"])
    out.line("")
    out.line("ROLL BACK", "bold")
    for step in page["rollback"]:
        active = step["active"]
        if step["command"] is None:
            where = f"{active} in force; " if active else ""
            out.line(f"  {step['environment']}: {where}{step['note']}")
            continue
        extra = f" ({step['note']})" if step["note"] else ""
        out.line(
            f"  {step['environment']}: {active} in force -> known-good {step['known_good']}{extra}"
        )
        _command(step["command"])
    out.line("")
    _render_policies(page)
    out.line("")
    _render_on_call(page["on_call"])
    triage = page.get("triage")
    if triage:
        out.line("")
        out.line("TRIAGE", "bold")
        out.line(f"  first question: {triage['first_question']}")
        _command(triage["command"])


def _render_on_call(on_call: dict[str, Any]) -> None:
    if on_call["policy"] is None:
        out.line("ON CALL (severity 1): no escalation policy covers this system", "bold")
        return
    out.line(f"ON CALL now (severity 1): policy {on_call['policy']}", "bold")
    after = 0
    for level in on_call["levels"]:
        people = ", ".join(
            f"{p['display_name'] or p['name']} ({p['handle']})"
            if p["handle"]
            else p["display_name"] or p["name"]
            for p in level["people"]
        )
        out.line(f"  level {level['level']}, paged after {after} min: {people or 'nobody on call'}")
        after += level["delay_minutes"]


def _render_policies(page: dict[str, Any]) -> None:
    """What acts on the system without a person: enforce policies first."""
    items = page["policies"]
    if not items:
        out.line("POLICIES: none; nothing acts on this system without a person", "bold")
        return
    out.line("POLICIES (act on their own as policy:NAME; change them in blastwall.yaml)", "bold")
    for p in items:
        fired = f", last fired {out.when(p['last_fired'])}" if p["last_fired"] else ""
        out.line(
            f"  {p['name']} [{p['mode']}]: when {p['when']} -> {p['does']}"
            f" (cooldown {p['cooldown']} s, at most {p['max_per_hour']}/h"
            f", {p['activations_last_hour']} in the last hour{fired})"
        )
    _command(page["policies_command"])
