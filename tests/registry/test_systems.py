"""The inventory (P1): idempotent upserts that report changes, and clear errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from blastwall.exceptions import Conflict, NotFound
from blastwall.registry import service, surfaces
from blastwall.registry.enums import ChangeAction
from tests.registry.factories import (
    ADMIN,
    SYSTEM,
    audit_count,
    contents,
    last_audit,
    make_system,
    release,
    system_spec,
)


def test_upsert_creates_then_is_idempotent(session: Session) -> None:
    created = service.upsert_system(session, system_spec(), ADMIN)
    assert created.action is ChangeAction.create
    assert created.changes["owner"] == (None, "alice@example.com")
    assert created.changes["actions"][1] == [
        {"name": "issue-refund", "reversible": False, "description": ""},
        {"name": "tag-ticket", "reversible": True, "description": "Adds a label."},
    ]
    assert (last_audit(session).action, last_audit(session).target) == ("system.create", SYSTEM)

    entries = audit_count(session)
    again = service.upsert_system(session, system_spec(), ADMIN)
    assert (again.action, again.changes, again.system.id) == (
        ChangeAction.unchanged,
        {},
        created.system.id,
    )
    assert audit_count(session) == entries


def test_upsert_reports_only_what_changed(session: Session) -> None:
    make_system(session)
    spec = system_spec(
        risk_tier="critical",
        actions=[{"name": "issue-refund", "reversible": True}],
        surfaces=[{"name": "model", "kind": "model"}, {"name": "prompt", "kind": "prompt"}],
    )
    result = service.upsert_system(session, spec, ADMIN)
    assert result.action is ChangeAction.update
    assert set(result.changes) == {"risk_tier", "actions", "surfaces"}
    assert result.changes["risk_tier"] == ("high", "critical")
    assert [(a.name, a.reversible) for a in result.system.actions] == [("issue-refund", True)]
    assert [s.name for s in result.system.surfaces] == ["model", "prompt"]
    assert last_audit(session).after == {
        "risk_tier": "critical",
        "actions": [{"name": "issue-refund", "reversible": True, "description": ""}],
        "surfaces": [{"name": "model", "kind": "model"}, {"name": "prompt", "kind": "prompt"}],
    }


def test_plan_system_does_not_write(session: Session) -> None:
    action, changes = service.plan_system(session, system_spec())
    assert action is ChangeAction.create
    assert changes["environments"] == (None, ["staging", "prod"])
    assert service.all_(session) == []


def test_surface_with_versions_cannot_be_removed_or_rekinded(session: Session) -> None:
    make_system(session)
    surfaces.add_surface_version(session, SYSTEM, "prompt", {"template": "hi"}, ADMIN)
    without_prompt = [{"name": "model", "kind": "model"}]
    with pytest.raises(Conflict, match="surface 'prompt' of support-agent has versions"):
        service.upsert_system(session, system_spec(surfaces=without_prompt), ADMIN)
    rekinded = [{"name": "prompt", "kind": "config"}]
    with pytest.raises(Conflict, match="cannot become 'config'; add a new surface"):
        service.plan_system(session, system_spec(surfaces=rekinded))


def test_create_refuses_existing_name_and_says_to_update(session: Session) -> None:
    make_system(session)
    with pytest.raises(
        Conflict, match=r"change it in blastwall\.yaml and run `blastwall apply -f blastwall\.yaml`"
    ):
        service.create(session, system_spec(), ADMIN)


def test_get_by_name_says_how_to_list(session: Session) -> None:
    with pytest.raises(NotFound) as caught:
        service.get_by_name(session, "nope")
    assert caught.value.detail == "no system named 'nope'; `blastwall systems` lists the systems"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"name": "Support Agent"}, "'Support Agent' is not a valid name: use 1-100 lower-case"),
        ({"environments": []}, "List should have at least 1 item"),
        ({"environments": ["prod", "prod"]}, "environments: prod listed twice"),
        ({"environments": ["*"]}, "'*' is not a valid name"),
        ({"risk_tier": "extreme"}, "Input should be 'low', 'medium', 'high' or 'critical'"),
        ({"surfaces": [{"name": "m", "kind": "weights"}]}, "'model', 'prompt', 'retrieval'"),
        ({"stale_policy": "safe_mode"}, "stale_after_s is required when stale_policy"),
        ({"owner": ""}, "String should have at least 1 character"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_spec_is_refused_with_a_clear_message(
    override: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        system_spec(**override)


def test_delete_refuses_a_system_with_releases(session: Session) -> None:
    make_system(session)
    release(session, "r1", contents("1"))
    with pytest.raises(Conflict, match="has 1 release\\(s\\) and 0 incident\\(s\\)"):
        service.delete(session, SYSTEM, ADMIN)


def test_delete_removes_an_unreleased_system(session: Session) -> None:
    make_system(session)
    surfaces.add_surface_version(session, SYSTEM, "prompt", {"template": "hi"}, ADMIN)
    service.delete(session, SYSTEM, ADMIN)
    assert service.all_(session) == []
    assert (last_audit(session).action, last_audit(session).target) == ("system.delete", SYSTEM)
