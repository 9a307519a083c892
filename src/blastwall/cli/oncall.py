"""`blastwall oncall now|override|list`: who is paged for a system, and changing it for a while.

`now` answers from the server (GET /api/v1/oncall/now); its `--json` shape is documented
in docs/oncall.md. People, schedules and policies come from blastwall.yaml (`blastwall
apply`); an override is the one change made from here, by a responder or above.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Reason, Server, SystemName, slug

app = typer.Typer()
oncall = typer.Typer(
    name="oncall", help="On-call: who is paged for a system, overrides.", no_args_is_help=True
)
app.add_typer(oncall, rich_help_panel="Incident command")


def _instant(value: str | None) -> str | None:
    """An ISO 8601 time with an offset, as the API takes it (a bare time is ambiguous)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise typer.BadParameter(
            f"{value!r} is not a time with a UTC offset: write e.g. 2026-03-17T12:00:00Z or "
            "2026-03-17T13:00:00+01:00"
        )
    return moment.isoformat()


At = Annotated[
    str | None,
    typer.Option("--at", callback=_instant, help="Ask about this instant (default: now)."),
]


@oncall.command("now")
def now(
    system: SystemName,
    severity: Annotated[int, typer.Option("--severity", "-s", min=1, max=3)] = 1,
    at: At = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Who each level of the policy covering SYSTEM pages, and the next hand-off."""
    found = connect(server).get(path("oncall", "now"), system=system, severity=severity, at=at)
    out.show(found, as_json, _render_now)


@oncall.command("override")
def override(
    schedule: Annotated[str, typer.Argument(callback=slug("schedule"), help="Schedule name.")],
    *,
    person: Annotated[
        str, typer.Option("--person", "-p", callback=slug("person"), help="Who takes over.")
    ],
    start: Annotated[
        str, typer.Option("--from", callback=_instant, help="Start, e.g. 2026-03-17T13:00+01:00.")
    ],
    end: Annotated[str, typer.Option("--to", callback=_instant, help="End (exclusive).")],
    reason: Reason,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Put PERSON on call for SCHEDULE from --from to --to (a swap, a sick day); audited."""
    body = {"person": person, "from": start, "to": end, "reason": reason}
    made = connect(server).post(path("oncall", "schedules", schedule, "overrides"), body)
    out.show(made, as_json, _report_override)


@oncall.command("cancel-override")
def cancel_override(
    schedule: Annotated[str, typer.Argument(callback=slug("schedule"), help="Schedule name.")],
    override_id: Annotated[int, typer.Argument(min=1, help="Override id, e.g. 3.")],
    reason: Reason,
    server: Server = DEFAULT_SERVER,
) -> None:
    """Remove an override of SCHEDULE (the layers decide again); audited."""
    url = path("oncall", "schedules", schedule, "overrides", override_id, "cancel")
    connect(server).post(url, {"reason": reason})
    out.success(f"Cancelled override #{override_id} of {schedule}.")


@oncall.command("list")
def list_(server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """People, schedules, escalation policies and coverage, as blastwall.yaml set them."""
    client = connect(server)
    found = {
        "people": client.list(path("oncall", "people")),
        "schedules": client.list(path("oncall", "schedules")),
        "escalation_policies": client.list(path("oncall", "policies")),
        "coverage": client.list(path("oncall", "coverage")),
    }
    out.show(found, as_json, _render_list)


def _person(person: dict[str, Any] | None) -> str:
    if person is None:
        return "nobody"
    name = person["display_name"] or person["name"]
    return f"{name} ({person['handle']})" if person["handle"] else name


def _render_now(found: dict[str, Any]) -> None:
    heading = f"{found['system']}, severity {found['severity']}, at {out.when(found['at'])} UTC"
    if found["policy"] is None:
        out.line(f"{heading}: no escalation policy covers it; add one under oncall.coverage")
        return
    if found["pagerduty_service"]:
        out.line(
            f"{heading}: policy {found['policy']} pages PagerDuty service "
            f"{found['pagerduty_service']}, whose own on-call decides who"
        )
        return
    repeat = f", repeated {found['repeat']} times" if found["repeat"] else ""
    out.line(f"{heading}: policy {found['policy']}{repeat}")
    rows, after = [], 0
    for level in found["levels"]:
        for target in level["targets"]:
            upcoming = target["next"]
            handoff = (
                f"{out.when(upcoming['at'])}: {_person(upcoming['person'])}" if upcoming else None
            )
            via = f"{target['kind']} {target['name']}"
            rows.append([level["level"], f"{after} min", _person(target["on_call"]), via, handoff])
        after += level["delay_minutes"]
    out.table(["LEVEL", "PAGED AFTER", "ON CALL", "VIA", "NEXT HAND-OFF (UTC)"], rows, empty="")


def _render_list(found: dict[str, Any]) -> None:
    out.table(
        ["PERSON", "NAME", "HANDLE", "E-MAIL", "SLACK", "PHONE"],
        (
            [p["name"], p["display_name"], p["handle"], p["email"], p["slack_user"], p["phone"]]
            for p in found["people"]
        ),
        empty="No people: declare them under oncall.people in blastwall.yaml.",
    )
    out.table(
        ["SCHEDULE", "TIME ZONE", "LAYERS"],
        (
            [s["name"], s["time_zone"], [_layer(layer) for layer in s["layers"]]]
            for s in found["schedules"]
        ),
        empty="No schedules.",
    )
    out.table(
        ["POLICY", "LEVELS", "REPEAT", "PAGERDUTY SERVICE"],
        (
            [p["name"], len(p["levels"]), p["repeat"], p["pagerduty_service"]]
            for p in found["escalation_policies"]
        ),
        empty="No escalation policies.",
    )
    out.table(
        ["COVERAGE POLICY", "SYSTEMS", "SEVERITY"],
        ([r["policy"], r["systems"] or "all", r["severity"] or "all"] for r in found["coverage"]),
        empty="No coverage: no system pages anyone yet.",
    )


def _layer(layer: dict[str, Any]) -> str:
    return f"{layer['name']}: {' > '.join(layer['people'])} {layer['rotation']}"


def _report_override(made: dict[str, Any]) -> None:
    out.success(
        f"Override #{made['id']}: {made['person']} is on call for {made['schedule']} from "
        f"{out.when(made['from'])} to {out.when(made['to'])} UTC."
    )
