"""Releases (R1, R2): carry-over of unnamed surfaces, known-good marks, activation per env."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.registry import releases
from blastwall.registry.schemas import ActiveRead, ReleaseRead
from tests.registry.factories import (
    COMMANDER,
    SYSTEM,
    activate,
    audit_count,
    contents,
    last_audit,
    make_incident,
    make_system,
    release,
)


def test_first_release_must_name_every_surface(session: Session) -> None:
    make_system(session)
    partial = {"model": contents("1")["model"], "prompt": contents("1")["prompt"]}
    with pytest.raises(InvalidInput) as caught:
        release(session, "r1", partial)
    assert caught.value.detail == (
        "release 'r1' is the first of support-agent, so it must give content for every "
        "surface; missing: kb, settings"
    )


def test_surfaces_not_named_carry_over_from_the_newest_release(session: Session) -> None:
    make_system(session)
    release(session, "r1", contents("1"))
    r2 = release(session, "r2", {"prompt": {"template": "Be brief."}})
    assert {s: (v.number, v.kind) for s, v in ReleaseRead.of(r2).surfaces.items()} == {
        "kb": (1, "retrieval"),
        "model": (1, "model"),
        "prompt": (2, "prompt"),
        "settings": (1, "config"),
    }
    # Same content as r1's prompt: no new version, the old number comes back.
    r3 = release(session, "r3", {"prompt": contents("1")["prompt"]})
    assert releases.versions(r3) == {"kb": 1, "model": 1, "prompt": 1, "settings": 1}
    assert [r.name for r in releases.list_releases(session, SYSTEM).items] == ["r3", "r2", "r1"]
    assert (last_audit(session).action, last_audit(session).target) == (
        "release.create",
        "support-agent@r3",
    )


def test_surface_added_later_must_be_named_in_the_next_release(session: Session) -> None:
    make_system(session, surfaces=[{"name": "model", "kind": "model"}])
    release(session, "r1", {"model": {"model": "a"}})
    make_system(
        session, surfaces=[{"name": "model", "kind": "model"}, {"name": "guard", "kind": "config"}]
    )
    with pytest.raises(
        InvalidInput, match="surface\\(s\\) guard: the newest release, r1, has no version"
    ):
        release(session, "r2", {"model": {"model": "b"}})


@pytest.mark.parametrize(
    ("name", "surfaces", "error", "message"),
    [
        ("R 1", {}, InvalidInput, "release name: 'R 1' is not a valid name"),
        ("known-good", {}, InvalidInput, "release name 'known-good' is reserved"),
        ("r1", {}, Conflict, "already has a release 'r1'; releases are immutable"),
        ("r2", {"tools": {}, "db": {}}, InvalidInput, "has no surface 'db', 'tools' \\(its"),
        ("r2", {"model": ["gpt"]}, InvalidInput, "surfaces.model: content must be a JSON object"),
    ],
)
def test_bad_release_is_refused(
    session: Session, name: str, surfaces: dict[str, object], error: type[Exception], message: str
) -> None:
    make_system(session)
    release(session, "r1", contents("1"))
    with pytest.raises(error, match=message):
        release(session, name, surfaces)


def test_get_release_says_how_to_list(session: Session) -> None:
    make_system(session)
    with pytest.raises(NotFound) as caught:
        releases.get_release(session, SYSTEM, "r9")
    assert caught.value.detail == (
        "support-agent has no release 'r9'; `blastwall release list support-agent` lists them"
    )


def test_mark_known_good_is_audited_once(session: Session) -> None:
    make_system(session)
    release(session, "r1", contents("1"))
    marked = releases.mark_known_good(session, SYSTEM, "r1", actor=COMMANDER, reason="soaked")
    assert marked.known_good is True
    assert marked.known_good_at is not None
    entry = last_audit(session)
    assert (entry.action, entry.target, entry.reason, entry.actor) == (
        "release.known_good",
        "support-agent@r1",
        "soaked",
        "cora",
    )
    entries = audit_count(session)
    releases.mark_known_good(session, SYSTEM, "r1", actor=COMMANDER)
    assert audit_count(session) == entries
    unmarked = releases.mark_known_good(session, SYSTEM, "r1", actor=COMMANDER, known_good=False)
    assert (unmarked.known_good, unmarked.known_good_at) == (False, None)
    assert last_audit(session).action == "release.not_known_good"


def test_activation_puts_the_release_in_force_and_is_audited(session: Session) -> None:
    make_system(session)
    release(session, "r1", contents("1"))
    release(session, "r2", {"model": {"model": "gpt-2"}})
    activate(session, "r1")
    deployment = releases.activate(
        session, SYSTEM, "r2", environment="prod", actor=COMMANDER, reason="weekly deploy"
    )
    assert deployment.activated_by == "cora"
    entry = last_audit(session)
    assert (entry.action, entry.target, entry.reason) == (
        "release.activate",
        "support-agent/prod",
        "weekly deploy",
    )
    assert entry.before == {
        "release": "r1",
        "surfaces": {"kb": 1, "model": 1, "prompt": 1, "settings": 1},
    }
    assert entry.after == {
        "release": "r2",
        "surfaces": {"kb": 1, "model": 2, "prompt": 1, "settings": 1},
    }
    active = ActiveRead.of(releases.get_active(session, SYSTEM, "prod"))
    assert (active.release, active.surfaces["model"].content) == ("r2", {"model": "gpt-2"})
    with pytest.raises(NotFound, match="nothing is active in support-agent/staging"):
        releases.get_active(session, SYSTEM, "staging")
    history = releases.list_deployments(session, SYSTEM, "prod").items
    assert [d.release.name for d in history] == ["r2", "r1"]


def test_activation_refuses_unknown_environment_and_repeat(session: Session) -> None:
    make_system(session)
    release(session, "r1", contents("1"))
    with pytest.raises(InvalidInput) as caught:
        activate(session, "r1", environment="qa")
    assert caught.value.detail == (
        "environment 'qa' is not one of support-agent's environments (staging, prod); "
        "use one of those, or add it to the system"
    )
    activate(session, "r1")
    with pytest.raises(Conflict, match="release r1 is already active in support-agent/prod"):
        activate(session, "r1")


def test_activation_for_an_incident_adds_a_timeline_entry(session: Session) -> None:
    make_system(session)
    release(session, "r1", contents("1"))
    incident = make_incident(session)
    releases.activate(
        session, SYSTEM, "r1", environment="prod", actor=COMMANDER, incident_id=incident.id
    )
    session.refresh(incident)
    [entry] = incident.timeline
    assert (entry.kind, entry.actor, entry.message) == (
        "release",
        "cora",
        "Activated release r1 in support-agent/prod",
    )
    assert last_audit(session).incident_id == incident.id
    with pytest.raises(NotFound, match="incident 999 does not exist"):
        releases.activate(
            session, SYSTEM, "r1", environment="staging", actor=COMMANDER, incident_id=999
        )
