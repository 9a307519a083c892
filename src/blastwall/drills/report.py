"""A drill's report in Markdown: the scenario, each measured time, the harm, what was missing."""

from __future__ import annotations

from typing import Any

from blastwall.drills.schemas import DrillRead

ROWS = (
    ("Detected (incident opened)", "time_to_detect_s"),
    ("Paged", "time_to_page_s"),
    ("Acknowledged", "time_to_acknowledge_s"),
    ("Contained (lever or rollback)", "time_to_contain_s"),
)


def _seconds(value: Any) -> str:
    return "-" if value is None else f"{value:.1f} s"


def markdown(run: DrillRead) -> str:
    """The report a team reads after the game day (``blastwall drill report ID``)."""
    m = run.measurements
    lines = [
        f"# Drill {run.id}: {run.scenario} on {run.system} ({run.environment})",
        "",
        f"{run.title}. Mode **{run.mode}**, status **{run.status}**"
        + (f" ({run.end_reason})" if run.end_reason else "")
        + f"; started {run.started_at:%Y-%m-%d %H:%M:%S} UTC by {run.started_by}.",
        "",
    ]
    if run.mode == "live":
        fault = ", ".join(f"{k}={v}" for k, v in run.fault.items()) or "-"
        incident = m.get("incident_id")
        lines += [
            f"Fault injected: {fault}.",
            "",
            "| Measured from the injection | Time |",
            "|---|---|",
            *(f"| {label} | {_seconds(m.get(key))} |" for label, key in ROWS),
            "",
            f"- Incident: {f'#{incident}' if incident else 'none'}"
            + (" (marked DRILL)" if m.get("drill_incident") else "")
            + (f", alarm from monitor {m['monitor']}" if m.get("monitor") else ""),
            f"- Contained by: {m.get('contained_by') or '-'}",
            f"- Harmful outputs delivered before containment: {m.get('harmful_outputs', 0)}",
            f"- Rollback or lever verified (R3): {m.get('verification', 'none')}",
        ]
    if run.steps:
        lines += ["", "| Tabletop step | Took |", "|---|---|"]
        lines += [f"| {s['step']} | {_seconds(s['seconds'])} |" for s in run.steps]
    gaps = m.get("missing") or []
    lines += ["", "## What was missing", ""]
    lines += [f"- {gap}" for gap in gaps] if gaps else ["Nothing: every step happened."]
    return "\n".join(lines) + "\n"
