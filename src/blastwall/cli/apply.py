"""`blastwall apply -f FILE`: make the server match blastwall.yaml, showing the plan first (P4)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.errors import CliError, UsageProblem
from blastwall.cli.options import AsJson, Server

app = typer.Typer()

CHANGES = ("create", "update", "delete")
VALUE_MAX = 60
INDENT = "    "
NOTHING: tuple[Any, ...] = (None, "", [], {})
_FILE = {"exists": True, "dir_okay": False, "readable": True}


@app.command(rich_help_panel="Configuration")
def apply(
    *,
    path_arg: Annotated[
        Path | None,
        typer.Argument(metavar="[FILE]", show_default=False, help="Same as --file.", **_FILE),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", show_default=False, help="The file, e.g. blastwall.yaml.", **_FILE
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Make Blastwall match a configuration file (systems, matrix, authority...): shows the
    plan, then applies it in one transaction."""
    source = _one_file(path_arg, file)
    document = _load(source)
    client = connect(server)
    plan = client.post(path("apply"), {"document": document, "dry_run": True})
    if dry_run or not _changes(plan):
        out.show(plan, as_json, lambda p: _report(p, source, dry_run=dry_run))
        return
    result = client.post(path("apply"), {"document": document, "dry_run": False})
    out.show(result, as_json, lambda r: _report(r, source, dry_run=False))


def _one_file(positional: Path | None, option: Path | None) -> Path:
    if positional is not None and option is not None and positional != option:
        raise UsageProblem(f"two files given ({positional} and {option}): apply one at a time")
    chosen = option or positional
    if chosen is None:
        raise UsageProblem("missing the file to apply: blastwall apply -f blastwall.yaml")
    return chosen


def _load(file: Path) -> dict[str, Any]:
    # Parsed locally first so mistakes point at file:line before anything is sent.
    from blastwall.config_as_code import loader  # noqa: PLC0415  (server extras; see local.py)
    from blastwall.config_as_code.errors import ConfigError  # noqa: PLC0415

    try:
        return loader.load_document(file)
    except ConfigError as exc:
        count = len(exc.issues)
        heading = "1 problem" if count == 1 else f"{count} problems"
        raise CliError(f"{file} has {heading}; fix and run again:\n{exc}") from None


def _changes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in plan.get("plan", []) if step.get("action") in CHANGES]


def _value(value: Any) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 3] + "..."


def _lines(step: dict[str, Any], width: int) -> list[str]:
    """What a step changes, one field a line (an update whose old and new values do not
    fit one line gets two); a create lists only the values it sets."""
    pairs = (step.get("changes") or {}).items()
    if step["action"] == "create":
        return [f"{f} = {_value(after)}" for f, (_, after) in pairs if after not in NOTHING]
    lines: list[str] = []
    for field, (before, after) in pairs:
        both = f"{field}: {_value(before)} -> {_value(after)}"
        if len(INDENT + both) <= width:
            lines.append(both)
        else:
            lines += [f"{field}: {_value(before)}", f"  -> {_value(after)}"]
    return lines


def _plan(steps: list[dict[str, Any]]) -> None:
    """Each step on a line, then the fields it changes, indented; nothing wraps (a long
    value ends in '...'), so a plan reads the same in an 80-column terminal."""
    width = out.width()
    for step in steps:
        out.cropped(f"{step['action']} {step['kind']} {step['name']}", style="bold")
        for text in _lines(step, width):
            out.cropped(INDENT + text)


def _report(plan: dict[str, Any], file: Path, *, dry_run: bool) -> None:
    pending = _changes(plan)
    if not pending:
        out.line(f"Nothing to apply: Blastwall already matches {file}.")
        return
    _plan(pending)
    summary = plan.get("summary", f"{len(pending)} changes")
    if dry_run:
        out.line(f"Dry run: {summary}. Nothing was changed.")
    else:
        out.success(f"Applied {file}: {summary}.")
