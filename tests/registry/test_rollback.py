"""Rollback (R2): one surface or the whole release, in one call, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall.changes import audit_verify
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.incidents import timeline
from blastwall.registry import releases
from blastwall.registry.models import Deployment, Release
from blastwall.registry.rollback import RollbackResult, rollback
from tests.registry.factories import (
    RESPONDER,
    SYSTEM,
    activate,
    audit_count,
    contents,
    last_audit,
    make_incident,
    make_system,
    release,
)


def _setup(session: Session) -> None:
    """r1 (known-good) then r2 with a new model and prompt, active in prod."""
    make_system(session)
    release(session, "r1", contents("1"), known_good=True)
    release(session, "r2", {"model": {"model": "gpt-2"}, "prompt": {"template": "Be bold."}})
    activate(session, "r2")


def _active(session: Session, environment: str = "prod") -> tuple[str, dict[str, int]]:
    deployment = releases.get_active(session, SYSTEM, environment)
    return deployment.release.name, releases.versions(deployment.release)


def _rollback(session: Session, **kwargs: object) -> RollbackResult:
    args: dict[str, object] = {"environment": "prod", "reason": "bad answers", "actor": RESPONDER}
    return rollback(session, SYSTEM, **{**args, **kwargs})  # type: ignore[arg-type]


def _counts(session: Session) -> tuple[int, int, int]:
    releases_ = session.scalar(select(func.count()).select_from(Release)) or 0
    deployments = session.scalar(select(func.count()).select_from(Deployment)) or 0
    return releases_, deployments, audit_count(session)


def test_whole_release_rolls_back_to_newest_known_good(session: Session) -> None:
    _setup(session)
    result = _rollback(session)
    assert result == RollbackResult("prod", "r2", "r1", ["model", "prompt"])
    assert _active(session) == ("r1", {"kb": 1, "model": 1, "prompt": 1, "settings": 1})
    entry = last_audit(session)
    assert (entry.action, entry.target, entry.actor, entry.reason) == (
        "release.rollback",
        "support-agent/prod",
        "remy",
        "bad answers",
    )
    assert (entry.before["release"], entry.after["release"]) == ("r2", "r1")  # type: ignore[index]


def test_known_good_means_the_newest_known_good_release(session: Session) -> None:
    _setup(session)
    release(session, "r3", {"kb": {"index": "kb-3"}}, known_good=True)
    release(session, "r4", {"settings": {"temperature": 1.5}})
    activate(session, "r4")
    assert _rollback(session).to_release == "r3"


def test_one_surface_rolls_back_and_the_others_stay(session: Session) -> None:
    _setup(session)
    result = _rollback(session, surface="prompt")
    assert result == RollbackResult("prod", "r2", "r2+rollback-prompt-1", ["prompt"])
    assert _active(session) == (
        "r2+rollback-prompt-1",
        {"kb": 1, "model": 2, "prompt": 1, "settings": 1},
    )
    derived = releases.get_release(session, SYSTEM, "r2+rollback-prompt-1")
    assert (derived.known_good, derived.created_by) == (False, "remy")
    assert derived.notes == (
        "Rollback of surface prompt in prod from release r2 to version 1 "
        "(from release r1): bad answers"
    )
    # A second surface rollback chains from the derived release.
    second = _rollback(session, surface="model")
    assert second.to_release == "r2+rollback-prompt-1+rollback-model-1"
    assert _active(session)[1] == {"kb": 1, "model": 1, "prompt": 1, "settings": 1}


def test_rollback_to_a_named_release(session: Session) -> None:
    _setup(session)
    release(session, "r3", {"settings": {"temperature": 0.9}})
    activate(session, "r3")
    assert _rollback(session, to="r2") == RollbackResult("prod", "r3", "r2", ["settings"])
    assert _rollback(session, to="r1", surface="model").surfaces_changed == ["model"]


def test_rollback_for_an_incident_adds_a_timeline_entry(session: Session) -> None:
    _setup(session)
    incident = make_incident(session)
    _rollback(session, surface="prompt", incident_id=incident.id)
    session.refresh(incident)
    # The rollback contains the incident (incidents/containment.py): a status entry follows.
    entry, contained = incident.timeline
    assert (contained.kind, incident.status) == ("status", "contained")
    assert (entry.kind, entry.actor, entry.message) == (
        "rollback",
        "remy",
        "Rolled back support-agent/prod from r2 to r2+rollback-prompt-1 (changed: prompt)",
    )
    assert entry.data == {
        "system": "support-agent",
        "environment": "prod",
        "from_release": "r2",
        "to_release": "r2+rollback-prompt-1",
        "surfaces_changed": ["prompt"],
        "audit_seq": last_audit(session).seq - 1,
    }
    deployment = releases.get_active(session, SYSTEM, "prod")
    assert (deployment.incident_id, last_audit(session).incident_id) == (incident.id, incident.id)


def test_failed_rollback_changes_nothing(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(session)
    incident = make_incident(session)
    before = (_active(session), _counts(session))

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("timeline store unavailable")

    # Fails at the last step, after the derived release, deployment and audit entry exist.
    monkeypatch.setattr(timeline, "add_entry", broken)
    with pytest.raises(RuntimeError, match="timeline store unavailable"):
        _rollback(session, surface="prompt", incident_id=incident.id)
    assert (_active(session), _counts(session)) == before
    assert audit_verify.verify(session).ok
    monkeypatch.undo()
    # The same rollback then succeeds with the name the failed one would have taken.
    assert _rollback(session, surface="prompt").to_release == "r2+rollback-prompt-1"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"surface": "tools"}, InvalidInput, "support-agent has no surface 'tools'"),
        ({"environment": "qa"}, InvalidInput, "environment 'qa' is not one of support-agent's"),
        ({"environment": "staging"}, Conflict, "nothing is active in support-agent/staging"),
        ({"reason": "  "}, InvalidInput, "reason is required: say why you are rolling back"),
        ({"to": "r2"}, Conflict, "support-agent/prod already runs release r2; nothing to roll"),
        (
            {"to": "r2", "surface": "kb"},
            Conflict,
            "surface 'kb' in support-agent/prod is already at version 1 \\(as in release r2\\)",
        ),
        ({"to": "r9"}, NotFound, "support-agent has no release 'r9'"),
        ({"incident_id": 999}, NotFound, "incident 999 does not exist"),
    ],
)
def test_bad_rollback_is_refused_and_changes_nothing(
    session: Session, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    _setup(session)
    before = _counts(session)
    with pytest.raises(error, match=message):
        _rollback(session, **kwargs)
    assert _counts(session) == before


def test_rollback_without_a_known_good_release_says_what_to_do(session: Session) -> None:
    make_system(session)
    release(session, "r1", contents("1"))
    activate(session, "r1")
    with pytest.raises(Conflict) as caught:
        _rollback(session)
    assert caught.value.detail == (
        "no release of support-agent is marked known-good; mark one with "
        "`blastwall release mark-known-good support-agent RELEASE --reason ...`, "
        "or roll back to a named release (--to RELEASE)"
    )


def test_whole_rollback_to_identical_versions_is_refused(session: Session) -> None:
    _setup(session)
    _rollback(session, surface="prompt")
    _rollback(session, surface="model")
    with pytest.raises(Conflict, match="which has the same surface versions as r1"):
        _rollback(session)


def test_derived_names_stay_within_the_name_limit(session: Session) -> None:
    make_system(session)
    long = "a" * 100
    release(session, "r1", contents("1"), known_good=True)
    release(session, long, {"prompt": {"template": "x"}})
    activate(session, long)
    result = _rollback(session, surface="prompt")
    assert result.to_release == "a" * 82 + "+rollback-prompt-1"
    assert len(result.to_release) == 100
