"""`blastwall incident ledger|notice` and `blastwall ledger verify`: what was told to whom."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.incidents import IncidentNumber, incident
from blastwall.cli.options import AsJson, Server

app = typer.Typer()
ledger_group = typer.Typer(
    name="ledger", help="Check the communications ledger.", no_args_is_help=True
)
app.add_typer(ledger_group, rich_help_panel="Incident command")

Advice = Annotated[
    str | None, typer.Option("--advice", help="What the user should do (default: nothing).")
]


@incident.command("ledger")
def ledger(
    *, incident_id: IncidentNumber, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Every message sent or exported about an incident, with its SHA-256 (oldest first)."""
    items = connect(server).list(path("incidents", incident_id, "ledger"))
    out.show(items, as_json, _render_ledger)


def _render_ledger(items: list[dict[str, Any]]) -> None:
    out.table(
        ["AT", "KIND", "CHANNEL", "RECIPIENT", "SHA256", "REF"],
        (
            [out.when(e["at"]), e["kind"], e["channel"], e["recipient"], e["sha256"][:12], e["ref"]]
            for e in items
        ),
        title="Communications ledger",
        empty="Nothing was sent or exported about this incident yet.",
    )


@incident.command("notice")
def notice(
    *,
    incident_id: IncidentNumber,
    advice: Advice = None,
    export_recipients: Annotated[
        Path | None,
        typer.Option(
            "--export-recipients",
            dir_okay=False,
            help="Write the affected user ids, one a line, to FILE (commander; audited).",
        ),
    ] = None,
    sent: Annotated[
        list[str] | None,
        typer.Option(
            "--sent", help="Mark the notice sent on this channel (repeatable; commander)."
        ),
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Draft the notice to affected users from the record; export recipients or mark it sent."""
    client = connect(server)
    body: dict[str, Any] = {"advice": advice}
    if export_recipients is not None:
        found = client.post(path("incidents", incident_id, "notice", "export"), body)
        export_recipients.write_text("".join(f"{u}\n" for u in found["recipients"]), "utf-8")
    elif sent:
        found = client.post(
            path("incidents", incident_id, "notice", "sent"), body | {"channels": sent}
        )
    else:
        found = client.post(path("incidents", incident_id, "notice", "draft"), body)
    out.show(found, as_json, lambda n: _render_notice(n, export_recipients, sent))


def _render_notice(found: dict[str, Any], file: Path | None, sent: list[str] | None) -> None:
    rule = "required" if found["required"] else "not required"
    out.line(f"Notice {rule}: {found['reason']}", "bold")
    out.line(found["text"].rstrip())
    if file is not None:
        out.success(f"Wrote {len(found['recipients'])} recipient(s) to {file}")
    if sent:
        out.success(f"Marked the notice sent by {', '.join(sent)}")


@ledger_group.command("verify")
def verify(
    *,
    incident_id: Annotated[
        int | None, typer.Option("--incident", min=1, help="Only this incident's entries.")
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Recompute each ledger entry's SHA-256; exit 1 if any text no longer matches its hash."""
    found = connect(server).get(path("ledger", "verify"), incident_id=incident_id)
    out.show(found, as_json, _render_verify)
    if not found["ok"]:
        raise typer.Exit(1)


def _render_verify(found: dict[str, Any]) -> None:
    if found["ok"]:
        out.success(f"{found['checked']} ledger entries checked: every hash matches its text")
    else:
        ids = ", ".join(str(i) for i in found["mismatched"])
        out.error(f"{found['checked']} entries checked; altered since sent: {ids}")
