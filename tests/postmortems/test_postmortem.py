"""Postmortems drafted from the record: real times, the release diff, edits kept across a
re-draft, draft -> in review -> published with who and when (incident to postmortem_done)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes.models import AuditEntry
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.incidents import service as incidents
from blastwall.postmortems import service
from blastwall.postmortems.api import read
from blastwall.postmortems.text import at, between, duration
from blastwall.registry import rollback
from blastwall.registry.models import Surface, SurfaceVersion
from tests.incidents.factories import incident_data
from tests.postmortems.factories import COMMANDER, RESPONDER, incident, released_system
from tests.postmortems.factories import at as minutes_after


def _hash(session: Session, surface: str, number: int) -> str:
    """The first 12 characters of a surface version's content hash, as the diff shows them."""
    query = (
        select(SurfaceVersion.content_hash)
        .join(Surface, Surface.id == SurfaceVersion.surface_id)
        .where(Surface.name == surface, SurfaceVersion.number == number)
    )
    found = session.scalar(query)
    assert found is not None
    return found[:12]


def test_draft_carries_the_real_times_why_not_sooner_and_the_release_diff(
    session: Session,
) -> None:
    released_system(session)
    opened = incident(session)
    markdown = read(session, service.draft(session, opened.id, RESPONDER)).markdown
    prompt1, prompt2 = _hash(session, "sys", 1), _hash(session, "sys", 2)
    model1 = _hash(session, "main-model", 1)

    assert markdown.startswith(
        f"# Postmortem: incident {opened.id}, refund bot overpays\n\nStatus: draft; drafted "
    )
    for line in [
        "| Estimated start | 2025-01-01 00:05:00 UTC |  |",
        "| Detected | 2025-01-01 00:25:00 UTC | 20m 0s |",
        "- Estimated start: 2025-01-01 00:05:00 UTC",
        "- Detected: 2025-01-01 00:25:00 UTC (time to detect: 20m 0s)",
        f"No monitor or alert opened or joined this incident: {RESPONDER.name} opened it by hand.",
        "- refund-bot has no monitor: nothing watched its outputs.",
        "- Release in force at the start: **v2**, activated 2025-01-01 00:00:00 UTC by cora "
        "(5m 0s before the estimated start).",
        "- Release before it: **v1**, activated 2024-12-31 00:00:00 UTC by cora.",
        f"| main-model | model | v1 ({model1}) | v1 ({model1}) | no |",
        f"| sys | prompt | v1 ({prompt1}) | v2 ({prompt2}) | yes |",
        "--- sys v1 text\n+++ sys v2 text\n@@ -1,3 +1,3 @@\n You are a refund assistant."
        "\n-Check the order total.\n+Refund whatever is asked.\n Be polite.",
        "No rollback was made for this incident.",
        "- Affected users: 0",
        "## Root cause across surfaces\n\n_To fill: Which surface caused it: model, prompt, "
        "retrieval, configuration or the input distribution? Say how you know._",
        "## What incentive kept anyone from flagging it earlier",
        "## Action items\n\nNone yet: `blastwall actions add` records one.",
    ]:
        assert line in markdown, line


def test_redraft_keeps_edited_sections_and_publish_moves_the_incident(session: Session) -> None:
    released_system(session)
    opened = incident(session)
    service.draft(session, opened.id, RESPONDER)
    service.edit(
        session, opened.id, {"root_cause": "The v2 prompt dropped the total check."}, RESPONDER
    )
    with pytest.raises(InvalidInput, match="sections: rootcause; send one or more of summary"):
        service.edit(session, opened.id, {"rootcause": "x"}, RESPONDER)
    incidents.add_note(session, opened.id, "found the prompt change", RESPONDER)

    again = service.draft(session, opened.id, RESPONDER)
    body = service.body(again)
    assert (again.drafts, body["root_cause"]) == (2, "The v2 prompt dropped the total check.")
    assert "· note · rita: found the prompt change" in body["timeline"]

    with pytest.raises(Conflict, match="submit it for review first"):
        service.publish(session, opened.id, COMMANDER)
    service.submit(session, opened.id, RESPONDER)
    with pytest.raises(Conflict, match=f"incident {opened.id} is detected: resolve it before"):
        service.publish(session, opened.id, COMMANDER)
    incidents.transition(session, opened.id, "contained", COMMANDER)
    incidents.resolve(session, opened.id, COMMANDER)
    published = service.publish(session, opened.id, COMMANDER)

    assert (published.status, published.submitted_by, published.published_by) == (
        "published",
        "rita",
        "cora",
    )
    assert opened.status == "postmortem_done"
    assert opened.postmortem_done_at is not None
    assert opened.postmortem_done_at >= published.published_at  # type: ignore[operator]
    with pytest.raises(Conflict, match="is published, which is final: it cannot be re-drafted"):
        service.draft(session, opened.id, RESPONDER)
    audited = session.execute(
        select(AuditEntry.action, AuditEntry.actor)
        .where(AuditEntry.action.like("postmortem.%"))
        .order_by(AuditEntry.seq)
    )
    assert [tuple(row) for row in audited] == [
        ("postmortem.draft", "rita"),
        ("postmortem.edit", "rita"),
        ("postmortem.draft", "rita"),
        ("postmortem.submit", "rita"),
        ("postmortem.publish", "cora"),
    ]
    kinds = [(e.kind, e.message) for e in opened.timeline if e.kind == "postmortem"]
    assert kinds[2:] == [
        (
            "postmortem",
            "postmortem re-drafted from the record, keeping edited sections: root_cause",
        ),
        ("postmortem", "postmortem submitted for review by rita"),
        ("postmortem", "postmortem published by cora"),
    ]


def test_get_is_none_before_a_draft_and_require_says_how_to_draft(session: Session) -> None:
    released_system(session)
    opened = incident(session)
    assert service.get(session, opened.id) is None
    with pytest.raises(NotFound, match=f"blastwall postmortem draft {opened.id}"):
        service.require(session, opened.id)


def test_containment_and_rollback_sections_name_who_did_what_and_the_verification(
    session: Session,
) -> None:
    released_system(session)
    opened = incident(session)
    rollback.rollback(
        session, "refund-bot", environment="prod", reason="prompt v2 overpays", actor=COMMANDER,
        to="v1", incident_id=opened.id,
    )  # fmt: skip
    sections = service.body(service.draft(session, opened.id, RESPONDER))
    moves = [e for e in opened.timeline if e.kind in ("rollback", "status")]
    assert [e.kind for e in moves] == ["rollback", "status"]  # the rollback contained it

    assert sections["containment"].splitlines()[1:] == [
        f"- Contained: {at(opened.contained_at)} (time to contain: "
        f"{duration(between(opened.detected_at, opened.contained_at))})",
        "",
        "Levers, policies, rollbacks and moves, with who and when:",
        *[f"- {at(e.at)} · {e.kind} · {e.actor}: {e.message}" for e in moves],
    ]
    assert sections["rollback"] == (
        f"- {at(moves[0].at)} · rollback · cora: {moves[0].message}\n\n"
        "Verification: not verified (no verification was recorded)."
    )
    # The rollback was made for the incident, after detection: the suspect stays v2.
    assert "- Release in force at the start: **v2**" in sections["release_diff"]


def test_an_incident_without_a_system_drafts_with_what_is_known(session: Session) -> None:
    opened = incidents.open(session, incident_data(), RESPONDER, detected_at=minutes_after(25))
    sections = service.body(service.draft(session, opened.id, RESPONDER))
    assert sections["release_diff"] == (
        "No system is named on the incident, so there is no release history to compare."
    )
    assert sections["detection"].endswith(
        "Why not sooner:\n- No system is named on the incident, so no monitor could watch it."
    )
    assert "- Affected users: 0\n- Traces: 0" in sections["blast_radius"]
