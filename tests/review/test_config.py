"""`review: {sample_rate, baseline}` per system in blastwall.yaml: planned, applied, checked."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_text
from blastwall.config_as_code.plan import Plan
from blastwall.db.session import unit_of_work
from blastwall.review import service
from tests.review.factories import ADMIN

Factory = sessionmaker[Session]


def document(review: str) -> str:
    return (
        "version: 1\n"
        "systems:\n"
        "  - name: triage-bot\n"
        "    owner: Dana\n"
        "    risk_tier: high\n"
        "    environments: [prod]\n"
        f"{review}"
    )


def apply_text(factory: Factory, text: str) -> Plan:
    with unit_of_work(factory) as session:
        return apply(session, load_text(text), actor=ADMIN)


def review_steps(plan: Plan) -> list[tuple[str, dict[str, object]]]:
    return [(i.action.value, dict(i.changes)) for i in plan.items if i.kind.value == "review"]


def test_the_file_sets_changes_and_then_leaves_the_rate_alone(session_factory: Factory) -> None:
    first = apply_text(session_factory, document("    review: {sample_rate: 0.05}\n"))
    assert review_steps(first) == [
        ("create", {"sample_rate": (None, 0.05), "baseline": (None, 400)})
    ]
    again = apply_text(session_factory, document("    review: {sample_rate: 0.05}\n"))
    assert review_steps(again) == [("unchanged", {})]
    edited = apply_text(
        session_factory, document("    review: {sample_rate: 0.2, baseline: 100}\n")
    )
    assert review_steps(edited) == [
        ("update", {"sample_rate": (0.05, 0.2), "baseline": (400, 100)})
    ]
    left_out = apply_text(session_factory, document(""))
    assert review_steps(left_out) == []
    with session_factory() as session:
        settings = service.get_config(session, "triage-bot")
    assert (settings.sample_rate, settings.baseline, settings.updated_by) == (0.2, 100, "root")


@pytest.mark.parametrize(
    ("review", "message"),
    [
        ("    review: {sample_rate: 2}\n", "systems[0].review.sample_rate"),
        ("    review: {sample_rate: 0.1, baseline: 3}\n", "systems[0].review.baseline"),
        ("    review: {rate: 0.1}\n", "systems[0].review.rate"),
    ],
)
def test_bad_review_settings_name_the_key(review: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_text(document(review))
    assert message in caught.value.detail
