"""`blastwall release ...` and `blastwall rollback`: versioned surfaces and known-good (R1, R2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, Client, connect, path
from blastwall.cli.errors import CliError
from blastwall.cli.options import (
    SLUG,
    AsJson,
    IncidentId,
    Reason,
    ReleaseName,
    RequiredEnvironment,
    Server,
    SystemName,
    slug,
)

KNOWN_GOOD = "known-good"

app = typer.Typer()
release = typer.Typer(
    name="release", help="Create, list, activate and mark releases.", no_args_is_help=True
)
app.add_typer(release, rich_help_panel="Roll back")


def _surface_name(text: str, option: str, example: str) -> tuple[str, str]:
    name, sep, rest = text.partition("=" if option == "--surface" else ".")
    if not sep or not rest:
        raise typer.BadParameter(f"{text!r} is not {example}")
    if not SLUG.fullmatch(name):
        raise typer.BadParameter(
            f"surface name {name!r} is invalid: use the lower-case name the system declares"
        )
    return name, rest


def _surface_files(values: list[str] | None) -> list[str]:
    for value in values or []:
        _surface_name(value, "--surface", "NAME=FILE, e.g. --surface prompt=prompt.yaml")
    return values or []


def _settings(values: list[str] | None) -> list[str]:
    for value in values or []:
        _, rest = _surface_name(value, "--set", "NAME.KEY=VALUE, e.g. --set config.temperature=0.2")
        key, sep, _ = rest.partition("=")
        if not sep or not key:
            raise typer.BadParameter(
                f"{value!r} is not NAME.KEY=VALUE, e.g. --set config.temperature=0.2"
            )
    return values or []


def load_content(surface: str, file: Path) -> dict[str, Any]:
    """Read one surface's content object from a .json or .yaml file."""
    suffix = file.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise CliError(
            f"surface {surface!r}: {file} must be a .json, .yaml or .yml file holding an object"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"surface {surface!r}: cannot read {file}: {exc.strerror}") from None
    # YAML on demand: most release commands never read a file (docs/cli.md, "Start-up").
    import yaml  # noqa: PLC0415

    from blastwall.config_as_code.yaml_core import safe_load  # noqa: PLC0415

    try:
        content = json.loads(text) if suffix == ".json" else safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CliError(f"surface {surface!r}: {file} is not valid {suffix[1:]}: {first}") from None
    if not isinstance(content, dict):
        raise CliError(
            f"surface {surface!r}: {file} must hold an object (key: value pairs), "
            f"not {type(content).__name__}"
        )
    return content


def build_surfaces(
    files: list[str], settings: list[str], base: Callable[[str], dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The ``surfaces`` of a new release: file contents, then each --set applied on top of
    the file's content or, without a file, of ``base(surface)`` (the newest release's)."""
    surfaces: dict[str, dict[str, Any]] = {}
    for text in files:
        name, file = text.split("=", 1)
        if name in surfaces:
            raise CliError(f"surface {name!r} is given twice with --surface; give it once")
        surfaces[name] = load_content(name, Path(file))
    for text in settings:
        name, rest = text.split(".", 1)
        key, _, raw = rest.partition("=")
        if name not in surfaces:
            surfaces[name] = dict(base(name))
        # YAML 1.2 scalars: 0.2 is a number, true a boolean, anything else (yes, off) text.
        from blastwall.config_as_code.yaml_core import safe_load  # noqa: PLC0415

        surfaces[name][key] = safe_load(raw) if raw else ""
    return surfaces


def _newest_content(client: Client, system: str) -> Callable[[str], dict[str, Any]]:
    def content(surface: str) -> dict[str, Any]:
        releases = client.list(path("systems", system, "releases"), limit=1)  # newest first
        ref = releases[0]["surfaces"].get(surface) if releases else None
        if ref is None:
            raise CliError(
                f"--set {surface}.KEY=VALUE: {system} has no release with surface {surface!r} "
                f"to start from; pass its whole content with --surface {surface}=FILE"
            )
        versions = client.list(path("systems", system, "surfaces", surface, "versions"))
        found: dict[str, Any] = next(v for v in versions if v["number"] == ref["number"])
        return dict(found["content"])

    return content


@release.command("create")
def create(
    *,
    system: SystemName,
    name: ReleaseName,
    surface: Annotated[
        list[str],
        typer.Option(
            "--surface",
            "-s",
            callback=_surface_files,
            show_default=False,
            help="NAME=FILE: new content for a surface from a .json/.yaml object (repeatable).",
        ),
    ] = [],  # noqa: B006  (Typer reads the default; it is never mutated)
    set_: Annotated[
        list[str],
        typer.Option(
            "--set",
            callback=_settings,
            show_default=False,
            help="NAME.KEY=VALUE: change one key of a surface's content (repeatable); "
            "without --surface NAME=FILE, starts from the newest release's content.",
        ),
    ] = [],  # noqa: B006
    notes: Annotated[str, typer.Option("--notes", help="What changed and why.")] = "",
    expect_shift: Annotated[
        list[str],
        typer.Option(
            "--expect-shift",
            show_default=False,
            help="MONITOR this release is meant to move (repeatable): it learns a new baseline "
            "under the release instead of alarming against the known-good one.",
        ),
    ] = [],  # noqa: B006
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Create release NAME of SYSTEM; surfaces not given carry over from the newest release."""
    client = connect(server)
    surfaces = build_surfaces(surface, set_, _newest_content(client, system))
    body = {"name": name, "notes": notes, "surfaces": surfaces, "expect_shift": expect_shift}
    created = client.post(path("systems", system, "releases"), body)
    out.show(created, as_json, lambda r: out.success(f"Created release {_describe(system, r)}"))


@release.command("list")
def list_(*, system: SystemName, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """List the releases of SYSTEM, newest first."""
    releases = connect(server).list(path("systems", system, "releases"))
    out.show(releases, as_json, lambda items: _render(system, items))


@release.command("mark-known-good")
def mark_known_good(
    *,
    system: SystemName,
    name: ReleaseName,
    reason: Reason = "",
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Mark release NAME of SYSTEM known-good: the default target of `blastwall rollback`."""
    marked = connect(server).post(
        path("systems", system, "releases", name, "known-good"), {"reason": reason}
    )
    out.show(marked, as_json, lambda _: out.success(f"Marked {name} of {system} known-good."))


@release.command("activate")
def activate(
    *,
    system: SystemName,
    name: ReleaseName,
    env: RequiredEnvironment,
    reason: Reason = "",
    incident: IncidentId = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Put release NAME of SYSTEM in force in one environment."""
    body: dict[str, Any] = {"environment": env, "reason": reason, "incident_id": incident}
    active = connect(server).post(path("systems", system, "releases", name, "activate"), body)
    out.show(active, as_json, lambda _: out.success(f"Activated {name} of {system} in {env}."))


@release.command("active")
def active(
    *,
    system: SystemName,
    env: RequiredEnvironment,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Show the release in force for SYSTEM in one environment, surface by surface."""
    current = connect(server).get(path("systems", system, "active"), environment=env)
    out.show(current, as_json, lambda a: _render_active(system, a))


@release.command("history")
def history(
    *,
    system: SystemName,
    env: Annotated[
        str | None, typer.Option("--env", "-e", callback=slug("environment"), help="Only here.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most.")] = 20,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """What was put in force where, when, by whom and why (activations and rollbacks)."""
    items = connect(server).list(
        path("systems", system, "deployments"), environment=env, limit=limit
    )
    out.show(
        items,
        as_json,
        lambda rows: out.table(
            ["ACTIVATED", "ENV", "RELEASE", "BY", "REASON", "INCIDENT"],
            (
                [
                    out.when(d.get("activated_at")),
                    d["environment"],
                    d["release"],
                    d.get("activated_by"),
                    d.get("reason") or None,
                    d.get("incident_id"),
                ]
                for d in rows
            ),
            empty=f"Nothing of {system} has been activated yet.",
        ),
    )


def _target(value: str) -> str:
    if value != KNOWN_GOOD and not SLUG.fullmatch(value):
        raise typer.BadParameter(
            f"{value!r} is neither 'known-good' nor a release name (lower-case, e.g. v41)"
        )
    return value


@app.command(rich_help_panel="Roll back")
def rollback(
    *,
    system: SystemName,
    env: RequiredEnvironment,
    surface: Annotated[
        str | None,
        typer.Option(
            "--surface",
            "-s",
            callback=slug("surface"),
            help="Roll back only this surface (default: the whole release).",
        ),
    ] = None,
    to: Annotated[
        str,
        typer.Option(
            "--to", callback=_target, help="'known-good' (newest known-good release) or a release."
        ),
    ] = KNOWN_GOOD,
    reason: Reason = "",
    incident: IncidentId = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Roll SYSTEM back in one environment to known-good or a named release (R2)."""
    body = {
        "environment": env,
        "surface": surface,
        "to": to,
        "reason": reason,
        "incident_id": incident,
    }
    result = connect(server).post(path("systems", system, "rollback"), body)
    out.show(result, as_json, lambda r: _report_rollback(system, r))


def _versions(surfaces: dict[str, Any]) -> str:
    return ", ".join(f"{name} v{ref['number']}" for name, ref in surfaces.items()) or "no surfaces"


def _describe(system: str, item: dict[str, Any]) -> str:
    return f"{item['name']} of {system}: {_versions(item.get('surfaces', {}))}"


def _render(system: str, items: list[dict[str, Any]]) -> None:
    out.table(
        ["RELEASE", "KNOWN GOOD", "SURFACES", "CREATED", "BY", "NOTES"],
        (
            [
                r["name"],
                r.get("known_good"),
                _versions(r.get("surfaces", {})),
                out.when(r.get("created_at")),
                r.get("created_by"),
                r.get("notes"),
            ]
            for r in items
        ),
        empty=f"{system} has no releases yet: `blastwall release create {system} NAME "
        "--surface SURFACE=FILE` creates one.",
    )


def _render_active(system: str, current: dict[str, Any]) -> None:
    out.line(
        f"{system} in {current['environment']}: release {current['release']}, "
        f"activated {out.when(current.get('activated_at'))} by {current.get('activated_by')}"
    )
    out.table(
        ["SURFACE", "KIND", "VERSION", "CONTENT"],
        (
            [name, s["kind"], s["number"], json.dumps(s.get("content"), sort_keys=True)]
            for name, s in current.get("surfaces", {}).items()
        ),
        empty="This release has no surfaces.",
    )


def _report_rollback(system: str, result: dict[str, Any]) -> None:
    changed = ", ".join(result.get("surfaces_changed", [])) or "none"
    out.success(
        f"Rolled back {system} in {result['environment']}: "
        f"{result['from_release']} -> {result['to_release']} (surfaces changed: {changed})"
    )
