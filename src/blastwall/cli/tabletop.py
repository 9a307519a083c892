"""A tabletop drill: the scenario's runbook as timed prompts, each step recorded on the run."""

from __future__ import annotations

import time
from typing import Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import Client, path


def steps(run: dict[str, Any], runbook: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, what to do) for each step, from the system's runbook (blastwall runbook)."""
    found = [
        (
            "Recognise the failure",
            f"Scenario: {run['title']}. Which monitor alarms, and which incident opens? "
            f"Look: blastwall incident list --system {run['system']}",
        ),
        (
            "Acknowledge and take command",
            "Acknowledge the incident: blastwall incident ack ID",
        ),
    ]
    found += [
        (f"Contain: {lever['lever']}", f"{lever['does']}\n    {lever['command']}")
        for lever in runbook.get("levers", [])
    ]
    found += [
        (f"Roll back {step['environment']}", f"    {step['command']}")
        for step in runbook.get("rollback", [])
        if step.get("command")
    ]
    found.append(
        ("Verify", "Confirm the monitor is back at its baseline: blastwall incident show ID")
    )
    return found


def walk(
    client: Client,
    run: dict[str, Any],
    runbook: dict[str, Any],
    *,
    step_seconds: float | None,
    quiet: bool,
) -> None:
    """Print each step, wait for Enter (or ``step_seconds``), record how long it took."""
    todo = steps(run, runbook)
    for number, (title, text) in enumerate(todo, start=1):
        if not quiet:
            out.line(f"\nStep {number}/{len(todo)}: {title}", "bold")
            out.line(text)
        began = time.monotonic()
        if step_seconds is not None:
            time.sleep(step_seconds)
        else:
            typer.prompt("Press Enter when done", default="", show_default=False)
        took = round(time.monotonic() - began, 1)
        client.post(path("drills", run["id"], "steps"), {"step": title, "seconds": took})
