"""`blastwall incident assign|handover|unassign`: who commands, communicates, responds (I2).

The commands are registered on the ``incident`` group by ``cli/incidents.py``; each is one
API call, so the server applies the hand-over rule and records the change.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server
from blastwall.incidents.enums import IncidentRole

IncidentNumber = Annotated[int, typer.Argument(min=1, help="Incident id, e.g. 12.")]
Reason = Annotated[str | None, typer.Option("--reason", "-r", help="Why, for the timeline.")]
Person = Annotated[str, typer.Option("--to", help="Who takes the role, e.g. alice.")]


class SingleRole(StrEnum):
    """The roles a hand-over passes on: they have one holder."""

    commander = "commander"
    communications = "communications"


def assign(
    *,
    incident_id: IncidentNumber,
    role: Annotated[IncidentRole, typer.Option("--role", help="The role to give.")],
    to: Person,
    reason: Reason = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Give a role: hands over commander or communications, or adds a responder."""
    _post(incident_id, role.value, to, reason, server=server, as_json=as_json)


def handover(
    *,
    incident_id: IncidentNumber,
    to: Person,
    role: Annotated[
        SingleRole, typer.Option("--role", help="The role to hand over.")
    ] = SingleRole.commander,
    reason: Reason = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Hand the commander (or communications) role to someone else: `assign` for one holder."""
    _post(incident_id, role.value, to, reason, server=server, as_json=as_json)


def unassign(
    *,
    incident_id: IncidentNumber,
    role: Annotated[IncidentRole, typer.Option("--role", help="The role to take away.")],
    person: Annotated[str, typer.Option("--person", help="Who gives it up, e.g. carol.")],
    reason: Reason = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Take a role away from someone (a responder who left, a commander who went off shift)."""
    url = path("incidents", incident_id, "roles", role.value, person)
    item = connect(server).delete(url, reason=reason)
    out.show(item, as_json, lambda i: _report(i, f"{person} is no longer {role.label}"))


def _post(
    incident_id: int, role: str, to: str, reason: str | None, *, server: str, as_json: bool
) -> None:
    body = {"role": role, "to": to} | ({} if reason is None else {"reason": reason})
    item = connect(server).post(path("incidents", incident_id, "roles"), body)
    out.show(item, as_json, lambda i: _report(i, f"{to} is {IncidentRole(role).label}"))


def _report(item: dict[str, Any], done: str) -> None:
    out.success(f"Incident #{item['id']}: {done}.")
    out.fields(roles_of(item))


def roles_of(item: dict[str, Any]) -> list[tuple[str, Any]]:
    """The incident's roles as (label, holder) pairs, for `show` and the commands above."""
    return [
        ("commander", item.get("commander")),
        ("communications lead", item.get("communications_lead")),
        ("responders", ", ".join(item.get("responders") or []) or None),
    ]
