"""Options and arguments shared by every command, each validated with a message that says
what was wrong and how to fix it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

import typer

from blastwall.cli.client import DEFAULT_SERVER
from blastwall.cli.errors import UsageProblem

SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
ALL_ENVIRONMENTS = "*"


def _server(value: str) -> str:
    url = value.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        raise typer.BadParameter(
            f"{value!r} is not an http(s) URL: use http://HOST:PORT, e.g. {DEFAULT_SERVER}"
        )
    return url


def slug(kind: str) -> Callable[[str | None], str | None]:
    """A validator for a system, surface or release name as the API spells them."""

    def check(value: str | None) -> str | None:
        if value is not None and not SLUG.fullmatch(value):
            raise typer.BadParameter(
                f"{kind} name {value!r} is invalid: use 1-100 lower-case letters, digits, "
                "'.', '_' or '-', starting with a letter or digit (e.g. support-bot)"
            )
        return value

    return check


def _environment(value: str) -> str:
    if value != ALL_ENVIRONMENTS and not SLUG.fullmatch(value):
        raise typer.BadParameter(
            f"environment {value!r} is invalid: use a lower-case name such as prod, "
            "or '*' for every environment"
        )
    return value


def _reason(value: str) -> str:
    if not value.strip():
        raise UsageProblem(
            "missing --reason: every change is audited, so say why, "
            "e.g. --reason 'refunds routed to fraud queue'"
        )
    return value.strip()


Server = Annotated[
    str,
    typer.Option(
        "--server",
        envvar="BLASTWALL_SERVER",
        callback=_server,
        help="Blastwall API base URL.",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Reason = Annotated[
    str,
    typer.Option(
        "--reason",
        "-r",
        callback=_reason,
        show_default=False,
        help="Why (required; recorded in the audit log and the incident timeline).",
    ),
]
Environment = Annotated[
    str,
    typer.Option("--env", "-e", callback=_environment, help="Environment; '*' means every one."),
]
RequiredEnvironment = Annotated[
    str,
    typer.Option("--env", "-e", callback=_environment, help="Environment, e.g. prod."),
]
IncidentId = Annotated[
    int | None,
    typer.Option("--incident", "-i", min=1, help="Incident this change is for (timeline entry)."),
]
SystemName = Annotated[str, typer.Argument(callback=slug("system"), help="System name.")]
ReleaseName = Annotated[str, typer.Argument(callback=slug("release"), help="Release name.")]


def moment(value: str | None) -> str | None:
    """A date-time option: ISO 8601 with a zone (``Z`` or an offset), sent as ISO text."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date-time: use ISO 8601 with a zone, e.g. 2024-06-01T09:30:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise typer.BadParameter(
            f"{value!r} has no time zone: add one, e.g. {value}Z for UTC or {value}+02:00"
        )
    return parsed.isoformat()
