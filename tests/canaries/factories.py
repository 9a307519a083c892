"""Canary sets, targets and systems for the canary tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from blastwall.canaries import service
from blastwall.canaries.models import CanarySet
from blastwall.canaries.schemas import CanarySetBody, TargetSpec
from blastwall.db.session import unit_of_work
from blastwall.registry import releases
from tests.registry.factories import COMMANDER, SYSTEM, contents, make_system, release

LABELLED = "tests.canaries.targets:labelled"


def case(name: str, prompt: str, **check: Any) -> dict[str, Any]:
    return {"name": name, "prompt": prompt, "check": check}


def routing_body(**overrides: Any) -> dict[str, Any]:
    """Two cases that the 'labelled' target passes on good releases and fails on 'bad...'."""
    body: dict[str, Any] = {
        "description": "routing",
        "cases": [
            case("refund", "I want my money back", kind="label", value="refund"),
            case("hello", "hello there", kind="contains", value="general"),
        ],
    }
    body.update(overrides)
    return body


def put_set(session: Session, name: str = "routing", **overrides: Any) -> CanarySet:
    stored, _ = service.put_set(
        session, SYSTEM, name, CanarySetBody.model_validate(routing_body(**overrides)), COMMANDER
    )
    return stored


def put_target(session: Session, **overrides: Any) -> None:
    spec: dict[str, Any] = {"kind": "python", "callable": LABELLED, "environment": "prod"}
    spec.update(overrides)
    service.put_target(session, SYSTEM, TargetSpec.model_validate(spec), COMMANDER)


def gated_system(factory: sessionmaker[Session], *, gate: bool = True) -> None:
    """The support agent with release v1 active in prod, v2 and bad-3 created, canaries set."""
    with unit_of_work(factory) as session:
        make_system(session)
        release(session, "v1", contents("1"))
        releases.activate(session, SYSTEM, "v1", environment="prod", actor=COMMANDER)
        release(session, "v2", contents("2"))
        release(session, "bad-3", contents("3"))
        put_set(session)
        put_target(session, release_gate=gate)
