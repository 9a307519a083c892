"""`blastwall audit [head|verify]`: read, anchor and check the tamper-evident audit log (I4)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, Client, connect, path
from blastwall.cli.errors import CliError, UsageProblem
from blastwall.cli.options import AsJson, Server

app = typer.Typer()
audit = typer.Typer(
    name="audit",
    help="List the latest audit entries; `audit head` and `audit verify` check the log.",
    invoke_without_command=True,
)
app.add_typer(audit, rich_help_panel="Audit and admin")


@audit.callback()
def list_(
    *,
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="At most this many entries.")
    ] = 100,
    oldest: Annotated[
        bool, typer.Option("--oldest", help="The oldest entries instead of the latest.")
    ] = False,
    after: Annotated[
        int | None,
        typer.Option("--after", min=0, help="Entries after this sequence number, oldest first."),
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """List audit entries, newest last: who changed what, when and why.

    By default the latest LIMIT entries; --oldest or --after SEQ pages from the start.
    """
    if ctx.invoked_subcommand is not None:
        return
    if oldest and after is not None:
        raise UsageProblem("--oldest and --after both say where to start; give one of them")
    client = connect(server)
    latest = not oldest and after is None
    start = _latest_start(client, limit) if latest else (after or 0)
    entries: list[dict[str, Any]] = client.list(path("audit"), after_seq=start, limit=limit)
    if as_json:
        out.print_json(entries)
        return
    if entries:
        out.line(_header(entries, latest=latest, start=start, limit=limit))
    _render(entries)


def _latest_start(client: Client, limit: int) -> int:
    """The ``after_seq`` that ends the page at the newest entry."""
    newest: int = client.get(path("audit", "head"))["seq"]
    return max(0, newest - limit)


def _header(entries: list[dict[str, Any]], *, latest: bool, start: int, limit: int) -> str:
    first, last = entries[0]["seq"], entries[-1]["seq"]
    count = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
    span = f"seq {first}" if first == last else f"seq {first}-{last}"
    if latest:
        earlier = "; earlier ones: --after SEQ or --oldest" if start > 0 else ""
        return f"Latest {count} ({span}), newest last{earlier}"
    more = f"; next page: --after {last}" if len(entries) == limit else ""
    return f"{count} after seq {start} ({span}), oldest first{more}"


@audit.command("head")
def head(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Print the newest entry as SEQ:HASH: keep it where database writers cannot reach, and
    later check it with `audit verify --since-head SEQ:HASH`."""
    found = connect(server).get(path("audit", "head"))
    if as_json:
        out.print_json(found)
    else:
        out.line(found["head"])
    if found["counter"] != found["seq"]:
        raise CliError(
            f"the audit log was cut: its counter is at {found['counter']} but the newest entry "
            f"is {found['seq']}; run `blastwall audit verify` (do not keep this head)"
        )


@audit.command("verify")
def verify(
    *,
    since_head: Annotated[
        str | None,
        typer.Option(
            "--since-head",
            metavar="SEQ:HASH",
            help="A head printed earlier by `audit head`: prove nothing up to it changed.",
        ),
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Recompute the hash chain against the sequence counter; exit 1 and name the first
    altered, removed or relinked entry."""
    result = connect(server).get(path("audit", "verify"), since_head=since_head)
    if as_json:
        out.print_json(result)
    elif result["ok"]:
        _print_intact(result)
    else:
        out.line(
            f"audit chain broken at entry {result['first_broken_seq']}: {result['problem']}",
            "red",
        )
    if not result["ok"]:
        raise typer.Exit(1)


def _print_intact(result: dict[str, Any]) -> None:
    message = f"audit chain intact: {result['entries']} entries"
    keyed_from = result.get("keyed_from_seq")
    if keyed_from is not None:
        message += f", HMAC-keyed from entry {keyed_from}"
    if result.get("since_head"):
        seq, _, digest = result["since_head"].partition(":")
        message += f"; unchanged up to the kept head {seq}:{digest[:12]}..."
    out.success(message)
    if keyed_from is not None and keyed_from > 1:
        out.line(
            f"note: entries 1-{keyed_from - 1} predate the audit key; only the chain and a "
            "kept head protect them"
        )


def _render(entries: list[dict[str, Any]]) -> None:
    out.table(
        ["SEQ", "AT", "ACTOR", "ROLE", "ACTION", "TARGET", "REASON", "INCIDENT"],
        (
            [
                e["seq"],
                out.when(e.get("at")),
                e.get("actor"),
                e.get("role"),
                e.get("action"),
                e.get("target"),
                e.get("reason") or None,
                e.get("incident_id"),
            ]
            for e in entries
        ),
        empty="No audit entries.",
    )
