"""alert_rules in blastwall.yaml: checked with line numbers, planned, applied whole, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.alerts import rules
from blastwall.changes.models import AuditEntry
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_text
from blastwall.db.session import unit_of_work
from tests.alerts.factories import ADMIN, SYSTEM, setup

Factory = sessionmaker[Session]

FILE = """\
version: 1
alert_rules:
  - name: refunds-critical
    match: {service: refunds}
    match_re: {severity: "crit.*"}
    system: refund-bot
    severity: 1
    resolve: true
  - match: {service: refunds}
    system: refund-bot
    harm: minor
    classes: [integrity]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_text(text)
    return str(caught.value).splitlines()


def test_a_bad_regex_is_refused_at_its_line() -> None:
    bad = FILE.replace('"crit.*"', '"crit(.*"')
    [problem] = problems(bad)
    assert problem.startswith("blastwall.yaml:5: alert_rules[0].match_re: ")
    assert (
        "match_re.severity: 'crit(.*' is not a regular expression (missing ), unterminated"
        in problem
    )


def test_harm_and_severity_together_are_refused_at_the_rule() -> None:
    [problem] = problems(FILE.replace("    harm: minor\n", "    harm: minor\n    severity: 2\n"))
    assert problem.startswith("blastwall.yaml:9: alert_rules[1]: ")
    assert problem.endswith("give harm or severity, not both: severity picks a harm for you")


def test_apply_plans_then_stores_the_rules_in_order_and_audits_them(
    session_factory: Factory,
) -> None:
    setup(session_factory)
    document = load_text(FILE)
    with unit_of_work(session_factory) as session:
        dry = apply(session, document, actor=ADMIN, dry_run=True)
        assert [(i.action.value, i.kind.value, i.name) for i in dry.items] == [
            ("unmanaged", "system", SYSTEM),
            ("unmanaged", "authority", "authority"),
            ("unmanaged", "severity_matrix", "severity_matrix"),
            ("create", "alert_rules", "alert_rules"),
        ]
        assert rules.load(session) == []
    with unit_of_work(session_factory) as session:
        apply(session, document, actor=ADMIN)
    with unit_of_work(session_factory) as session:
        stored = rules.load(session)
        assert [(r.name, r.system, r.severity, r.harm, r.resolve) for r in stored] == [
            ("refunds-critical", SYSTEM, 1, None, True),
            (None, SYSTEM, None, "minor", False),
        ]
        assert rules.bodies(stored)[0] == {
            "name": "refunds-critical",
            "match": {"service": "refunds"},
            "match_re": {"severity": "crit.*"},
            "system": SYSTEM,
            "severity": 1,
            "resolve": True,
        }
        again = apply(session, document, actor=ADMIN)
        assert [i.action.value for i in again.items if i.kind.value == "alert_rules"] == [
            "unchanged"
        ]
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "alert_rules.replace")
        ).all()
        assert actions == ["alert_rules.replace"]


def test_an_empty_list_deletes_the_rules_and_a_missing_section_leaves_them(
    session_factory: Factory,
) -> None:
    setup(session_factory, {"match": {"a": "b"}, "system": SYSTEM})
    with unit_of_work(session_factory) as session:
        plan = apply(session, load_text("version: 1\n"), actor=ADMIN, dry_run=True)
        assert [(i.action.value, i.kind.value) for i in plan.items][-1] == (
            "unmanaged",
            "alert_rules",
        )
        plan = apply(session, load_text("version: 1\nalert_rules: []\n"), actor=ADMIN)
        assert [(i.action.value, i.kind.value) for i in plan.items][-1] == ("delete", "alert_rules")
        assert rules.load(session) == []


def test_an_authority_rule_cannot_grant_levers_to_the_alerts_role() -> None:
    text = "version: 1\nauthority:\n  rules:\n    - subject: role:alerts\n      levers: [kill]\n"
    text += "      systems: ['*']\n"
    assert problems(text) == [
        "blastwall.yaml:4: authority.rules[0].subject: alerts tokens (they only send alerts) "
        "cannot change levers; name role:responder or higher, or a person"
    ]
