"""`blastwall systems`: the inventory of AI systems (P1)."""

from __future__ import annotations

from typing import Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server

app = typer.Typer()


@app.command(rich_help_panel="Inventory")
def systems(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """List every registered AI system with its risk tier, owner and surfaces."""
    out.show(connect(server).list(path("systems")), as_json, _render)


def _render(items: list[dict[str, Any]]) -> None:
    out.table(
        ["NAME", "RISK", "OWNER", "ENVIRONMENTS", "SURFACES", "IRREVERSIBLE ACTIONS"],
        (
            [
                s["name"],
                s.get("risk_tier"),
                s.get("owner"),
                s.get("environments"),
                [f"{x['name']} ({x['kind']})" for x in s.get("surfaces", [])],
                [a["name"] for a in s.get("actions", []) if not a.get("reversible", True)],
            ]
            for s in items
        ),
        empty="No systems registered yet: describe them in blastwall.yaml and run "
        "`blastwall apply -f blastwall.yaml`.",
    )
