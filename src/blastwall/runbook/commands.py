"""The exact `blastwall` command lines a responder copies, built in one place.

Every line parses with the CLI as printed (tests/runbook/test_commands.py runs each through
the Typer app); ``"WHY"`` is the one word a responder replaces, with what they saw.
"""

from __future__ import annotations

import shlex

REASON = "WHY"
POLICIES = "blastwall policy list"
# How `blastwall contain --lever` spells each lever.
_SPELLING = {"disable_tool": "disable-tool"}


def _tail(environment: str, incident: int | None) -> str:
    parts = ["--env", shlex.quote(environment)]
    if incident is not None:
        parts += ["--incident", str(incident)]
    parts += ["--reason", f'"{REASON}"']
    return " ".join(parts)


def lever(
    system: str, name: str, value: str | None, environment: str, incident: int | None = None
) -> str:
    """`blastwall kill` for the kill switch, else `blastwall contain --lever NAME[=VALUE]`."""
    if name == "kill":
        return f"blastwall kill {system} {_tail(environment, incident)}"
    spelled = _SPELLING.get(name, name)
    argument = spelled if value is None else f"{spelled}={value}"
    return (
        f"blastwall contain {system} --lever {shlex.quote(argument)} {_tail(environment, incident)}"
    )


def restore(system: str, environment: str, incident: int | None = None) -> str:
    return f"blastwall restore {system} {_tail(environment, incident)}"


def rollback(system: str, release: str, environment: str, incident: int | None = None) -> str:
    return f"blastwall rollback {system} --to {release} {_tail(environment, incident)}"
