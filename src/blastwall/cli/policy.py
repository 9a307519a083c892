"""`blastwall policy list`: the auto-containment policies in force and how often they fired."""

from __future__ import annotations

from typing import Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server

app = typer.Typer()
policy = typer.Typer(
    name="policy",
    help="Auto-containment policies (change them in blastwall.yaml, then apply).",
    no_args_is_help=True,
)
app.add_typer(policy, rich_help_panel="Incident command")


@policy.command("list")
def list_(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """List every policy: mode, trigger, actions, cooldown, cap and recent activations."""
    items = connect(server).get(path("policies"))["items"]
    out.show(items, as_json, _render)


def _render(items: list[dict[str, Any]]) -> None:
    out.table(
        ["NAME", "MODE", "WHEN", "DO", "COOLDOWN", "CAP/H", "LAST HOUR", "LAST FIRED"],
        (
            [
                p["name"],
                p["mode"],
                p["when_text"],
                p["do_text"],
                f"{p['cooldown']} s",
                p["max_per_hour"],
                p["activations_last_hour"],
                out.when(p["last_fired"]) or "never",
            ]
            for p in items
        ),
        empty="No policies yet: add them under policies: in blastwall.yaml and run "
        "`blastwall apply -f blastwall.yaml` (docs/policies.md).",
    )
