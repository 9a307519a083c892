"""`blastwall apply -f FILE`: make the server match blastwall.yaml, showing the plan first (P4)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.errors import CliError
from blastwall.cli.options import AsJson, Server

app = typer.Typer()

UNCHANGED = "unchanged"


@app.command(rich_help_panel="Configuration")
def apply(
    *,
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            "-f",
            exists=True,
            dir_okay=False,
            readable=True,
            help="The configuration file, e.g. blastwall.yaml.",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Apply a configuration file: systems, matrix, authority and more, all in one change."""
    document = _load(file)
    client = connect(server)
    plan = client.post(path("apply"), {"document": document, "dry_run": True})
    pending = _changes(plan)
    if dry_run or not pending:
        out.show(plan, as_json, lambda p: _report(p, file, dry_run=dry_run))
        return
    result = client.post(path("apply"), {"document": document, "dry_run": False})
    out.show(result, as_json, lambda r: _report(r, file, dry_run=False))


def _load(file: Path) -> dict[str, Any]:
    # Parsed locally first so mistakes point at file:line before anything is sent.
    from blastwall.config_as_code import loader  # noqa: PLC0415  (server extras; see local.py)
    from blastwall.config_as_code.errors import ConfigError  # noqa: PLC0415

    try:
        return loader.load_document(file)
    except ConfigError as exc:
        raise CliError(exc.detail.split(": ", 1)[0] + ":\n" + str(exc)) from None


def _changes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in plan.get("plan", []) if step.get("action") != UNCHANGED]


def _render_plan(plan: dict[str, Any]) -> None:
    out.table(
        ["ACTION", "KIND", "NAME", "CHANGES"],
        (
            [step["action"], step["kind"], step["name"], _diff(step.get("changes") or {})]
            for step in plan.get("plan", [])
        ),
        empty="The file declares nothing.",
    )


def _diff(changes: dict[str, Any]) -> str:
    return "; ".join(f"{field}: {pair[0]!r} -> {pair[1]!r}" for field, pair in changes.items())


def _report(plan: dict[str, Any], file: Path, *, dry_run: bool) -> None:
    _render_plan(plan)
    count = len(_changes(plan))
    if not count:
        out.success(f"Nothing to apply: the server already matches {file}.")
    elif dry_run:
        out.line(f"Dry run: {count} change(s) planned, nothing applied.")
    else:
        out.success(f"Applied {count} change(s) from {file}.")
