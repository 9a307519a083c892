"""The evidence bundle: exact files and counts, audited, and a tampered file detected."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes.models import AuditEntry
from blastwall.comms import ledger
from blastwall.comms.enums import MessageKind
from tests.blastradius.factories import seed
from tests.cli.conftest import Invoke
from tests.incidents.factories import at

FILES = ["traces.jsonl", "timeline.jsonl", "audit.jsonl", "releases.jsonl", "communications.jsonl"]


def _arrange(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session, session.begin():
        incident = seed(session)
        incident.contained_at = at(60)
        ledger.append(
            session,
            kind=next(iter(MessageKind)),
            channel="email",
            recipient="legal@example.com",
            text="We are investigating.",
            actor="cora",
            incident_id=incident.id,
        )
        return incident.id


def test_cli_exports_the_bundle_and_verify_export_catches_tampering(
    cli: Invoke, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    incident_id = _arrange(session_factory)
    out = tmp_path / "bundle"
    result = cli("incident", "export", str(incident_id), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, "manifest.json"])
    assert {name: entry["lines"] for name, entry in manifest["files"].items()} == {
        "traces.jsonl": 5,  # minutes 10, 15 (canary), 20, 30, 40 of refund-bot
        "timeline.jsonl": 1,  # opened (under evidence hold, said in the same entry)
        "audit.jsonl": 2,  # incident.open, incident.hold
        "releases.jsonl": 0,
        "communications.jsonl": 1,
    }
    traces = [json.loads(line) for line in (out / "traces.jsonl").read_text().splitlines()]
    assert [(t["trace_id"], t["canary"]) for t in traces][:2] == [
        ("refund-bot-10", False),
        ("refund-bot-15", True),
    ]
    assert manifest["window"] == {"start": at(0).isoformat(), "end": at(60).isoformat()}
    intact = cli("incident", "verify-export", str(out), "--json")
    assert (intact.exit_code, json.loads(intact.output)) == (0, {"intact": True, "problems": []})
    timeline = out / "timeline.jsonl"
    timeline.write_text(timeline.read_text().replace("opened", "OPENED"))
    (out / "extra.txt").write_text("x")
    tampered = cli("incident", "verify-export", str(out))
    assert tampered.exit_code == 1
    assert "timeline.jsonl: SHA-256" in tampered.output
    assert "extra.txt: not in the manifest" in tampered.output
    again = cli("incident", "export", str(incident_id), "--out", str(out))
    assert (again.exit_code, "is not empty" in again.output) == (1, True)


def test_api_returns_a_tar_and_audits_the_export(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    incident_id = _arrange(session_factory)
    answer = client.post(f"/api/v1/incidents/{incident_id}/evidence/export")
    assert (answer.status_code, answer.headers["content-type"]) == (200, "application/x-tar")
    with tarfile.open(fileobj=io.BytesIO(answer.content)) as tar:
        names = sorted(m.name for m in tar.getmembers() if m.isfile())
    folder = f"incident-{incident_id}-evidence"
    assert names == sorted(f"{folder}/{n}" for n in [*FILES, "manifest.json"])
    with session_factory() as session:
        audited = session.scalars(
            select(AuditEntry.after).where(AuditEntry.action == "evidence.exported")
        ).one()
    assert audited is not None
    assert audited["files"]["traces.jsonl"] == 5
    missing = client.post("/api/v1/incidents/999/evidence/export")
    assert missing.status_code == 404
