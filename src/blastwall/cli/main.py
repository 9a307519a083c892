"""The `blastwall` command: one Typer app; each command group lives in its own module.

Adding a group is one line below: ``app.add_typer(module.app)``. A module's ``app`` either
holds top-level commands (``kill``, ``systems``) or is a named group
(``typer.Typer(name="incident")``); both merge the same way. Raise ``typer.BadParameter``,
``errors.UsageProblem`` or ``errors.CliError``, never click's exceptions: Typer ships its own
click, and the ``click`` package is not a dependency of ``blastwall[cli]`` (docs/cli.md).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from blastwall import __version__
from blastwall.cli import (
    actions,
    apply,
    approvals,
    audit,
    canaries,
    detect,
    drills,
    handoffs,
    incidents,
    levers,
    metrics,
    model_kills,
    monitors,
    notify,
    oncall,
    policy,
    postmortems,
    regulatory,
    releases,
    review,
    runbook,
    serve,
    systems,
    tasks,
    tokens,
    traces,
    triage,
)
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


app = typer.Typer(
    cls=_Blastwall,
    name="blastwall",
    help="Blastwall: incident command for production AI. Detect, contain, roll back, command.",
    no_args_is_help=True,
    add_completion=False,
    # Locals can hold API tokens; never print them in a crash report.
    pretty_exceptions_show_locals=False,
)
app.add_typer(systems.app)
app.add_typer(levers.app)
app.add_typer(model_kills.app)
app.add_typer(releases.app)
app.add_typer(incidents.app)
app.add_typer(audit.app)
app.add_typer(apply.app)
app.add_typer(tokens.app)
app.add_typer(serve.app)
app.add_typer(traces.app)
app.add_typer(handoffs.app)
app.add_typer(approvals.app)
app.add_typer(detect.app)
app.add_typer(monitors.app)
app.add_typer(oncall.app)
app.add_typer(review.app)
app.add_typer(canaries.app)
app.add_typer(tasks.app)
app.add_typer(notify.app)
app.add_typer(triage.app)
app.add_typer(runbook.app)
app.add_typer(policy.app)
app.add_typer(postmortems.app)
app.add_typer(actions.app)
app.add_typer(metrics.app)
app.add_typer(regulatory.app)
app.add_typer(drills.app)


def _version(value: bool) -> None:
    if value:
        out.line(f"blastwall {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Blastwall: incident command for production AI. Detect, contain, roll back, command."""


def main() -> None:
    """Console-script entry point."""
    app(prog_name="blastwall")
