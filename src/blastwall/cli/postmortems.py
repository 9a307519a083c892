"""`blastwall postmortem draft|show|edit|submit|publish`: the blameless postmortem (L1)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server

app = typer.Typer()
postmortem = typer.Typer(
    name="postmortem", help="Draft, edit, review and publish an incident's postmortem."
)
app.add_typer(postmortem, rich_help_panel="Learn")

IncidentId = Annotated[int, typer.Argument(min=1, help="Incident id, e.g. 12.")]


def _markdown(item: dict[str, Any]) -> None:
    # Plain print: Markdown is meant to be piped to a file, never re-wrapped or styled.
    print(item["markdown"], end="")


@postmortem.command("draft")
def draft(
    incident_id: IncidentId, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Draft the postmortem from the record and print it as Markdown.

    Run it again to re-draft: sections you edited keep your text.
    """
    out.show(
        connect(server).post(path("incidents", incident_id, "postmortem", "draft")),
        as_json,
        _markdown,
    )


@postmortem.command("show")
def show(incident_id: IncidentId, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Print the stored postmortem as Markdown (edits included)."""
    out.show(connect(server).get(path("incidents", incident_id, "postmortem")), as_json, _markdown)


@postmortem.command("edit")
def edit(
    incident_id: IncidentId,
    section: Annotated[str, typer.Argument(help="Section key, e.g. root_cause (see --help).")],
    *,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", exists=True, dir_okay=False, help="Markdown file to use."),
    ] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="The section's text.")] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Drop your edit: the drafted text shows again.")
    ] = False,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Write one section (summary, timeline, detection, containment, rollback, blast_radius,
    release_diff, model_output, root_cause, amplification, drift_data, monitoring_gap,
    incentives)."""
    given = [x for x in (file, text) if x is not None]
    if len(given) + int(reset) != 1:
        raise typer.BadParameter("give exactly one of --file, --text or --reset")
    value = None if reset else (file.read_text(encoding="utf-8") if file else text)
    body = {"sections": {section: value}}
    edited = connect(server).patch(path("incidents", incident_id, "postmortem"), body)
    out.show(
        edited,
        as_json,
        lambda p: out.success(
            f"Section {section} of incident "
            f"{incident_id}'s postmortem {'reset' if reset else 'saved'}."
        ),
    )


@postmortem.command("submit")
def submit(
    incident_id: IncidentId, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Ask for review: draft -> in review."""
    done = connect(server).post(path("incidents", incident_id, "postmortem", "submit"))
    out.show(
        done, as_json, lambda p: out.success(f"Postmortem of incident {incident_id} is in review.")
    )


@postmortem.command("publish")
def publish(
    incident_id: IncidentId, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Publish (commander): in review -> published; the incident becomes postmortem_done."""
    done = connect(server).post(path("incidents", incident_id, "postmortem", "publish"))
    out.show(
        done, as_json, lambda p: out.success(f"Postmortem of incident {incident_id} published.")
    )
