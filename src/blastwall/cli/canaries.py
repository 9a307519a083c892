"""`blastwall canary list|show|run|runs`: canary sets of a system and their runs (D3, R4)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server, slug

app = typer.Typer()
canary = typer.Typer(
    name="canary", help="Canary prompts and the release gate.", no_args_is_help=True
)
app.add_typer(canary, rich_help_panel="Detection")

SystemArg = Annotated[str, typer.Argument(callback=slug("system"), help="System name.")]
SetArg = Annotated[str, typer.Argument(callback=slug("canary set"), help="Canary set name.")]
ReleaseOpt = Annotated[
    str | None,
    typer.Option(
        "--release", callback=slug("release"), help="Release to test (default: the active one)."
    ),
]


@canary.command("list")
def list_sets(
    system: SystemArg, *, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """The newest version of each canary set of SYSTEM."""
    items = connect(server).list(path("systems", system, "canaries"))
    out.show(items, as_json, _render_sets)


def _render_sets(items: list[dict[str, Any]]) -> None:
    out.table(
        ["SET", "VERSION", "CASES", "EVERY", "HASH", "CREATED"],
        (
            [
                s["name"],
                s["version"],
                len(s["cases"]),
                f"{s['interval_s']} s" if s["interval_s"] else "on demand",
                s["content_hash"][:12],
                out.when(s["created_at"]),
            ]
            for s in items
        ),
        empty="No canary sets: declare them under the system's 'canaries:' in blastwall.yaml "
        "and run `blastwall apply -f blastwall.yaml`.",
    )


@canary.command("show")
def show_set(
    system: SystemArg,
    canary_set: SetArg,
    *,
    version: Annotated[
        int | None, typer.Option("--version", min=1, help="Default: newest.")
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """One canary set with its cases and checks."""
    found = connect(server).get(path("systems", system, "canaries", canary_set), version=version)
    out.show(found, as_json, _render_set)


def _render_set(found: dict[str, Any]) -> None:
    out.fields(
        [
            ("Set", f"{found['name']} v{found['version']}"),
            ("Description", found["description"] or "-"),
            ("Hash", found["content_hash"]),
        ]
    )
    out.table(
        ["CASE", "CHECK", "PROMPT"],
        ([c["name"], _check(c["check"]), c["prompt"][:60]] for c in found["cases"]),
        empty="No cases.",
    )


def _check(check: dict[str, Any]) -> str:
    rest = {k: v for k, v in check.items() if k != "kind"}
    return f"{check['kind']} {rest}"


@canary.command("run")
def run(
    system: SystemArg,
    *,
    canary_set: Annotated[
        str | None, typer.Option("--set", callback=slug("canary set"), help="Only this set.")
    ] = None,
    release: ReleaseOpt = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Run SYSTEM's canaries now (against --release, for the release gate); exit 1 if any fail."""
    url = path("systems", system, "canaries", *([canary_set] if canary_set else []), "run")
    if release:
        url += f"?release={quote(release)}"
    results = connect(server).post(url)
    out.show(results, as_json, _render_runs_detail)
    if any(r["failed"] for r in results):
        raise typer.Exit(1)


def _render_runs_detail(runs: list[dict[str, Any]]) -> None:
    for run in runs:
        verdict = "passed" if not run["failed"] else f"FAILED {run['failed']}/{len(run['results'])}"
        out.line(
            f"Run {run['id']}: {run['set_name']} v{run['set_version']} against "
            f"{run['release'] or 'no active release'}: {verdict}"
        )
        for result in run["results"]:
            if not result["passed"]:
                out.line(f"  {result['case']}: {result['reason']}")


@canary.command("runs")
def list_runs(
    system: SystemArg,
    *,
    release: ReleaseOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="At most.")] = 20,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Canary runs of SYSTEM, newest first."""
    items = connect(server).list(path("canary-runs"), system=system, release=release, limit=limit)
    out.show(items, as_json, _render_runs)


def _render_runs(items: list[dict[str, Any]]) -> None:
    out.table(
        ["ID", "STARTED", "SET", "RELEASE", "TRIGGER", "STATUS", "PASSED", "FAILED"],
        (
            [
                r["id"],
                out.when(r["started_at"]),
                f"{r['set_name']} v{r['set_version']}",
                r["release"],
                r["trigger"],
                r["status"],
                r["passed"],
                r["failed"],
            ]
            for r in items
        ),
        empty="No canary runs yet.",
    )
