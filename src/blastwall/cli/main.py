"""The `blastwall` command: one Typer app; each command group lives in its own module.

Adding a group is one entry in ``MODULES`` (its place there is its place in ``--help``) and
its top-level names in ``COMMANDS``; a test checks both against the modules. A module's
``app`` either holds top-level commands (``kill``, ``systems``) or is a named group
(``typer.Typer(name="incident")``); both merge the same way. Raise ``typer.BadParameter``,
``errors.UsageProblem`` or ``errors.CliError``, never click's exceptions: Typer ships its own
click, and the ``click`` package is not a dependency of ``blastwall[cli]`` (docs/cli.md).

Start-up: ``blastwall runbook X`` imports and builds only ``cli/runbook.py``: Typer turns
every command's signature into click parameters when it builds an app, which for all
command modules costs more than importing them. ``--help`` (or an unknown name) builds the
whole app, so every command is listed. ``app`` (tests, scripts) is the whole app, built on
first use.
"""

from __future__ import annotations

import importlib
import sys
from functools import cache
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from blastwall import __version__
from blastwall.cli import output as out


class _Blastwall(TyperGroup):
    """Turns every expected failure into one red line and an exit code, never a traceback."""

    # ``ctx`` is Typer's vendored click Context, which Typer does not export under a name.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.TyperException as exc:
            # Typer shows a group's help this way; it is not an error (Typer checks the
            # name too, as the class is private).
            if type(exc).__name__ == "NoArgsIsHelpError":
                raise
            # Typer coerces values with pydantic, whose prefix only adds noise here.
            message = exc.format_message().replace("Value error, ", "")
            failed: typer.Context | None = getattr(exc, "ctx", None)
            if failed is not None:
                message += f" (see `{failed.command_path} --help`)"
            out.error(message)
            raise typer.Exit(exc.exit_code) from None


# Each command module in --help order, and the top-level names each one registers.
MODULES = (
    "systems",
    "levers",
    "model_kills",
    "releases",
    "incidents",
    "audit",
    "apply",
    "tokens",
    "serve",
    "traces",
    "handoffs",
    "approvals",
    "detect",
    "monitors",
    "oncall",
    "review",
    "canaries",
    "tasks",
    "notify",
    "triage",
    "runbook",
    "policy",
    "postmortems",
    "actions",
    "metrics",
    "regulatory",
    "communications",
    "readiness",
    "drills",
)
COMMANDS: dict[str, str] = {
    "apply": "apply",
    "approvals": "approvals",
    "audit": "audit",
    "canary": "canaries",
    "detect": "detect",
    "handoff": "handoffs",
    "incident": "incidents",
    **dict.fromkeys(("kill", "restore", "contain", "levers", "authority"), "levers"),
    **dict.fromkeys(("kill-model", "restore-model", "model-kills"), "model_kills"),
    **dict.fromkeys(("monitor", "alarm"), "monitors"),
    "notify": "notify",
    "oncall": "oncall",
    "policy": "policy",
    "postmortem": "postmortems",
    "actions": "actions",
    "metrics": "metrics",
    **dict.fromkeys(("clocks", "report"), "regulatory"),
    "readiness": "readiness",
    "drill": "drills",
    "ledger": "communications",
    **dict.fromkeys(("rollback", "release"), "releases"),
    "review": "review",
    "runbook": "runbook",
    "serve": "serve",
    "systems": "systems",
    "tasks": "tasks",
    **dict.fromkeys(("whoami", "token"), "tokens"),
    "trace": "traces",
    "triage": "triage",
}


def build(modules: tuple[str, ...] = MODULES) -> typer.Typer:
    """The `blastwall` app with the commands of ``modules`` (default: all of them)."""
    built = typer.Typer(
        cls=_Blastwall,
        name="blastwall",
        help="Blastwall: incident command for production AI. Detect, contain, roll back, command.",
        no_args_is_help=True,
        add_completion=False,
        # Locals can hold API tokens; never print them in a crash report.
        pretty_exceptions_show_locals=False,
    )
    built.callback()(_root)
    for name in modules:
        built.add_typer(importlib.import_module(f"blastwall.cli.{name}").app)
    return built


@cache
def _full() -> typer.Typer:
    return build()


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole app, built on first use (PEP 562), so importing this module is cheap."""
    if name == "app":
        return _full()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _version(value: bool) -> None:
    if value:
        out.line(f"blastwall {__version__}")
        raise typer.Exit


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Blastwall: incident command for production AI. Detect, contain, roll back, command."""


def for_argv(argv: list[str]) -> typer.Typer:
    """The app for one command line: only the module that owns its command, when it names
    one; the whole app for ``--help``, ``--version``, nothing or an unknown name."""
    first = argv[0] if argv else ""
    module = COMMANDS.get(first)
    return build((module,)) if module is not None else _full()


def main() -> None:
    """Console-script entry point."""
    for_argv(sys.argv[1:])(prog_name="blastwall")
