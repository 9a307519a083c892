"""The errors CLI commands raise: a message that says what went wrong and what to do."""

from __future__ import annotations

from typer import TyperException


class CliError(TyperException):
    """A failure the user can act on; printed as one red line, exit code 1, no traceback."""

    exit_code = 1


class UsageProblem(CliError):
    """A command-line mistake found after parsing (exit code 2, like any usage error)."""

    exit_code = 2
