"""`blastwall actions list|add|done|create`: action items tracked to done (L2, L3)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server
from blastwall.postmortems.enums import ActionStatus, Category, Creates

app = typer.Typer()
actions = typer.Typer(name="actions", help="Action items from incidents: owners, due dates, done.")
app.add_typer(actions, rich_help_panel="Learn")

ItemId = Annotated[int, typer.Argument(min=1, help="Action item id, e.g. 3.")]


@actions.command("list")
def list_(
    *,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open items past due.")] = False,
    incident: Annotated[
        int | None, typer.Option("--incident", min=1, help="Only this incident's items.")
    ] = None,
    status: Annotated[ActionStatus | None, typer.Option("--status", help="open or done.")] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """List action items in the order added; overdue ones are marked."""
    items = connect(server).list(
        path("action-items"),
        overdue=overdue or None,
        incident_id=incident,
        status=status.value if status else None,
    )
    out.show(items, as_json, _render_list)


@actions.command("add")
def add(
    incident: Annotated[int, typer.Argument(min=1, help="The incident it follows from.")],
    *,
    title: Annotated[str, typer.Option("--title", help="What to change.")],
    owner: Annotated[str, typer.Option("--owner", help="Who owns it.")],
    due: Annotated[str, typer.Option("--due", help="Due date, YYYY-MM-DD.")],
    category: Annotated[Category, typer.Option("--category", help="What gap it closes.")],
    creates: Annotated[
        Creates | None,
        typer.Option(
            "--creates",
            help="What `actions create` makes (detection_gap: monitor, blast_radius: gate).",
        ),
    ] = None,
    description: Annotated[str, typer.Option("--description", help="Details.")] = "",
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Add an action item to an incident (and its postmortem)."""
    body: dict[str, Any] = {
        "incident_id": incident,
        "title": title,
        "owner": owner,
        "due": due,
        "category": category.value,
        "description": description,
    }
    if creates is not None:
        body["creates"] = creates.value
    added = connect(server).post(path("action-items"), body)
    out.show(added, as_json, lambda i: out.success(f"Added action item #{i['id']}: {i['title']}."))


@actions.command("done")
def done(
    item_id: ItemId,
    resolution: Annotated[str, typer.Option("--resolution", "-r", help="What was done.")] = "",
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Mark an item done."""
    finished = connect(server).post(
        path("action-items", item_id, "done"), {"resolution": resolution}
    )
    out.show(finished, as_json, lambda i: out.success(f"Action item #{i['id']} done."))


def _spec(value: str | None) -> dict[str, Any]:
    if value is None:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"--spec is not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(parsed, dict):
        raise typer.BadParameter('--spec must be a JSON object, e.g. \'{"name": "fraud-share"}\'')
    return parsed


@actions.command("create")
def create(
    item_id: ItemId,
    spec: Annotated[
        str | None,
        typer.Option(
            "--spec", help="JSON object replacing prefilled fields of the monitor, canary or gate."
        ),
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Create the monitor, canary or gate the item asks for, prefilled from its incident (L3)."""
    made = connect(server).post(path("action-items", item_id, "create"), {"spec": _spec(spec)})
    out.show(made, as_json, _report_created)


def _report_created(item: dict[str, Any]) -> None:
    created = item["created"]
    out.success(
        f"Action item #{item['id']} created {created['kind']} {created['name']} on "
        f"{created['system']}."
    )


def _render_list(items: list[dict[str, Any]]) -> None:
    out.table(
        ["ID", "INCIDENT", "DUE", "STATUS", "CATEGORY", "OWNER", "TITLE", "CREATED"],
        (
            [
                i["id"],
                i["incident_id"],
                i["due"] + (" (overdue)" if i["overdue"] else ""),
                i["status"],
                i["category"],
                i["owner"],
                i["title"],
                f"{i['created']['kind']} {i['created']['name']}" if i.get("created") else None,
            ]
            for i in items
        ),
        empty="No action items match.",
    )
