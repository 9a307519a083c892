"""`blastwall readiness [SYSTEM]`: how ready each system is for its next incident (P2)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server, slug

app = typer.Typer()

MaybeSystem = Annotated[
    str | None,
    typer.Argument(callback=slug("system"), help="System name; every system when left out."),
]
# A glyph AND a word: the result never rests on colour or a symbol alone.
PASS, FAIL = "✓ ok", "✗ MISSING"


@app.command("readiness", rich_help_panel="Inventory")
def readiness(
    system: MaybeSystem = None, *, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Readiness of SYSTEM (or of every system): each check, and the command that fixes it."""
    client = connect(server)
    if system is not None:
        out.show(client.get(path("systems", system, "readiness")), as_json, render)
        return
    out.show(client.get(path("readiness"))["items"], as_json, _render_all)


def _score(item: dict[str, Any]) -> str:
    return f"{item['passed']}/{item['total']} ({round(item['score'] * 100)}%)"


def render(item: dict[str, Any]) -> None:
    """One system: a line per check, then the fix of each missing one, line by line."""
    out.line(f"Readiness: {item['system']} ({item['environment']}): {_score(item)}", "bold")
    for check in item["checks"]:
        mark = PASS if check["ok"] else FAIL
        out.line(f"  {mark:<9}  {check['title']}: {check['detail']}", "" if check["ok"] else "red")
        for fix in (check["fix"] or "").splitlines():
            out.line(f"      {fix}", "bold cyan")


def _render_all(items: list[dict[str, Any]]) -> None:
    out.table(
        ["SYSTEM", "READY", "MISSING"],
        (
            [
                i["system"],
                _score(i),
                ", ".join(c["name"] for c in i["checks"] if not c["ok"]) or "nothing",
            ]
            for i in items
        ),
        empty="No systems yet: declare them in blastwall.yaml and run "
        "`blastwall apply -f blastwall.yaml`.",
    )
