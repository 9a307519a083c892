"""`blastwall incident hold|release-hold|evidence|export|verify-export` (F4).

Registered on the ``incident`` group by ``cli/incidents.py``. ``export`` asks the server
for the bundle (a tar) and unpacks it into a new directory; ``verify-export`` needs no
server: it re-hashes the files against the bundle's manifest.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.errors import CliError
from blastwall.cli.options import AsJson, Server
from blastwall.evidence import manifest as bundle

IncidentNumber = Annotated[int, typer.Argument(min=1, help="Incident id, e.g. 12.")]


def hold(
    *,
    incident_id: IncidentNumber,
    require_reason: Annotated[
        bool,
        typer.Option("--require-reason", help="Refuse changes to the system without a reason."),
    ] = False,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why, for the timeline.")] = "",
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Put an incident under evidence hold (EU AI Act Art. 73(6))."""
    body = {"require_reason": require_reason, "reason": reason}
    found = connect(server).post(path("incidents", incident_id, "hold"), body)
    out.show(found, as_json, _render)


def release_hold(
    *,
    incident_id: IncidentNumber,
    reason: Annotated[
        str, typer.Option("--reason", "-r", help="Why it may end, e.g. 'report sent'.")
    ],
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """End an incident's evidence hold (commander and up)."""
    found = connect(server).post(
        path("incidents", incident_id, "hold", "release"), {"reason": reason}
    )
    out.show(found, as_json, _render)


def evidence(
    *, incident_id: IncidentNumber, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Whether an incident is under hold, and the traces its window holds past retention."""
    out.show(connect(server).get(path("incidents", incident_id, "evidence")), as_json, _render)


def export(
    *,
    incident_id: IncidentNumber,
    out_dir: Annotated[
        Path, typer.Option("--out", file_okay=False, help="A new or empty directory.")
    ],
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Export the evidence bundle (JSON Lines and a manifest of SHA-256 hashes) into DIR."""
    if out_dir.exists() and any(out_dir.iterdir()):
        raise CliError(f"{out_dir} is not empty; export into a new or empty directory")
    client = connect(server)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "bundle.tar"
        url = path("incidents", incident_id, "evidence", "export")
        client.download(url, archive, method="POST")
        _unpack(archive, out_dir)
    manifest = _manifest(out_dir)
    out.show(manifest, as_json, lambda m: _render_manifest(m, out_dir))


def verify_export(
    *,
    directory: Annotated[
        Path, typer.Argument(file_okay=False, exists=True, help="An exported bundle.")
    ],
    as_json: AsJson = False,
) -> None:
    """Re-hash an exported bundle against its manifest; exits 1 if anything differs."""
    problems = bundle.verify(directory)
    result = {
        "intact": not problems,
        "problems": [{"file": p.file, "reason": p.reason} for p in problems],
    }
    out.show(result, as_json, _render_verification)
    if problems:
        raise typer.Exit(1)


def _unpack(archive: Path, directory: Path) -> None:
    """Extract the bundle's files (one top folder in the tar) straight into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts
            if member.isdir() and len(parts) == 1:
                continue
            if not member.isfile() or len(parts) != 2:
                raise CliError(f"unexpected entry {member.name!r} in the bundle; not extracted")
            member.name = parts[1]
            tar.extract(member, directory, filter="data")


def _manifest(directory: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((directory / bundle.MANIFEST).read_text("utf-8"))
    return manifest


def _render(found: dict[str, Any]) -> None:
    state = "on" if found["evidence_hold"] else "off"
    if found["evidence_hold"] and found["hold_requires_reason"]:
        state += " (changes need a reason)"
    out.fields(
        [
            ("incident", f"#{found['incident_id']}"),
            ("evidence hold", state),
            ("held past retention", "yes" if found["held"] else "no"),
            ("systems", ", ".join(found["systems"]) or "(none)"),
            ("held window", f"{out.when(found['start'])} to {out.when(found['end'])}"),
            ("traces held", found["traces"]),
        ]
    )


def _render_manifest(manifest: dict[str, Any], directory: Path) -> None:
    rows = [
        [name, str(entry["lines"]), entry["sha256"][:16]]
        for name, entry in manifest["files"].items()
    ]
    out.records(["file", "lines", "sha256"], rows, title=f"Evidence bundle in {directory}")
    out.success(
        f"Exported incident #{manifest['incident_id']}; check it with "
        f"`blastwall incident verify-export {directory}`."
    )


def _render_verification(result: dict[str, Any]) -> None:
    if result["intact"]:
        out.success("Every file matches the manifest.")
        return
    for problem in result["problems"]:
        out.error(f"{problem['file']}: {problem['reason']}")
