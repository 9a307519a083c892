"""The oncall section of blastwall.yaml: line-numbered errors, plan, apply, idempotence."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes.models import AuditEntry
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_text
from blastwall.oncall.models import CoverageRule, Person, Policy, Schedule
from tests.oncall.factories import FILE, ONCALL_YAML, apply_text, edited

Factory = sessionmaker[Session]


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_text(text, file=FILE)
    return [str(issue) for issue in caught.value.issues]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("people: [ana, ben]", "people: [ana, bob]"),
            "oncall.yaml:29: oncall.schedules[0].layers[0].people[1]: 'bob' is not a person "
            "declared under oncall.people (ana, ben, cem): fix the name or declare the person",
        ),
        (
            ("time_zone: Europe/Berlin", "time_zone: Europe/Berlinn"),
            "oncall.yaml:27: oncall.schedules[0].time_zone: 'Europe/Berlinn' is not a known "
            "time zone: use an IANA name such as Europe/Berlin, America/New_York or UTC",
        ),
        (
            ("rotation: weekly", "rotation: fortnightly"),
            "oncall.yaml:30: oncall.schedules[0].layers[0].rotation: 'fortnightly' is not a "
            "rotation length: write daily, weekly, or a count with h, d or w (e.g. 12h, 2d, 2w)",
        ),
        (
            ("rotation: weekly", "rotation: 0h"),
            "oncall.yaml:30: oncall.schedules[0].layers[0].rotation: '0h' is not a rotation "
            "length: write daily, weekly, or a count with h, d or w (e.g. 12h, 2d, 2w)",
        ),
        (
            ('handoff: "09:00"', 'handoff: "9am"'),
            "oncall.yaml:31: oncall.schedules[0].layers[0].handoff: '9am' is not a time of "
            "day: write HH:MM on 24 hours, e.g. 09:00",
        ),
        (
            ('start: "2026-03-16"', 'start: "16/03/2026"'),
            "oncall.yaml:32: oncall.schedules[0].layers[0].start: '16/03/2026' is not a date "
            "from 1970 to 2999: write YYYY-MM-DD, e.g. 2026-03-02",
        ),
        (
            ("{person: cem}", "{person: cam}"),
            "oncall.yaml:39: oncall.escalation_policies[0].levels[1].targets[0].person: 'cam' "
            "is not a person declared under oncall.people (ana, ben, cem): fix the name or "
            "declare the person",
        ),
        (
            ("{person: cem}", "{person: cem, schedule: primary}"),
            "oncall.yaml:39: oncall.escalation_policies[0].levels[1].targets[0]: give exactly "
            "one of 'person: NAME' or 'schedule: NAME'",
        ),
        (
            (
                "    - policy: everyone-else\n",
                "    - policy: everyone-else\n      systems: [support-bot]\n"
                "      severity: [2, 3]\n",
            ),
            "oncall.yaml:47: oncall.coverage[1]: overlaps coverage[0] (both cover support-bot "
            "at severity 2, equally specifically): split the systems or severities so one "
            "rule covers each pair",
        ),
        (
            ("    - policy: everyone-else\n", "    - policy: everybody\n"),
            "oncall.yaml:47: oncall.coverage[1].policy: 'everybody' is not a policy declared "
            "under oncall.escalation_policies (everyone-else, support): fix the name or "
            "declare the policy",
        ),
        (
            ("      pagerduty_service: pd-ops\n", ""),
            "oncall.yaml:41: oncall.escalation_policies[1]: give exactly one of 'levels:' "
            "(Blastwall escalates) or 'pagerduty_service:' (PagerDuty's own on-call escalates)",
        ),
        (
            ("      email: ana@example.com\n", "      emial: ana@example.com\n"),
            "oncall.yaml:16: oncall.people[0].emial: is not a known key (did you mean 'email'?): "
            "remove it or use one of name, display_name, handle, email, slack_user, "
            "pagerduty_routing_key_env, pagerduty_service, phone",
        ),
        (
            ("    - name: cem\n", "    - name: ana\n    - name: cem\n"),
            "oncall.yaml:21: oncall.people[2].name: person 'ana' is declared twice (also oncall."
            "people[0]): rename or remove one",
        ),
    ],
)
def test_each_mistake_is_reported_at_its_line(edit: tuple[str, str], expected: str) -> None:
    assert problems(edited(edit)) == [expected]


def test_an_unknown_system_in_coverage_is_refused_at_plan_time(session_factory: Factory) -> None:
    text = edited(
        ("systems: [support-bot]\n      severity", "systems: [support-bto]\n      severity")
    )
    with pytest.raises(ConfigError) as caught:
        apply_text(session_factory, text, dry_run=True)
    assert [str(i) for i in caught.value.issues] == [
        "oncall.yaml:45: oncall.coverage[0].systems[0]: 'support-bto' is neither declared "
        "under systems nor known to Blastwall: fix the name, or declare the system"
    ]


def oncall_steps(plan: object) -> list[tuple[str, str, str]]:
    kinds = {"person", "schedule", "escalation_policy", "coverage", "oncall"}
    return [
        (i.action.value, i.kind.value, i.name)
        for i in plan.items  # type: ignore[attr-defined]
        if i.kind.value in kinds
    ]


def test_apply_creates_everything_then_changes_nothing(session_factory: Factory) -> None:
    dry = apply_text(session_factory, ONCALL_YAML, dry_run=True)
    with session_factory() as session:
        assert session.scalars(select(Person)).all() == []
    first = apply_text(session_factory, ONCALL_YAML)
    expected = [
        ("create", "person", "ana"),
        ("create", "person", "ben"),
        ("create", "person", "cem"),
        ("create", "schedule", "primary"),
        ("create", "escalation_policy", "support"),
        ("create", "escalation_policy", "everyone-else"),
        ("create", "coverage", "coverage"),
    ]
    assert oncall_steps(dry) == expected
    assert oncall_steps(first) == expected
    again = apply_text(session_factory, ONCALL_YAML)
    assert {a for a, _, _ in oncall_steps(again)} == {"unchanged"}
    with session_factory() as session:
        schedule = session.scalars(select(Schedule)).one()
        assert schedule.layers == [
            {
                "name": "layer-1",
                "people": ["ana", "ben"],
                "rotation": "weekly",
                "handoff": "09:00",
                "start": "2026-03-16",
            }
        ]
        rules = session.scalars(select(CoverageRule).order_by(CoverageRule.position)).all()
        assert [(r.systems, r.severities) for r in rules] == [
            (["support-bot"], [1, 2]),
            (None, None),
        ]
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("oncall.%"))
        ).all()
        assert sorted(actions) == [
            "oncall.coverage.replace",
            "oncall.person.create",
            "oncall.person.create",
            "oncall.person.create",
            "oncall.policy.create",
            "oncall.policy.create",
            "oncall.schedule.create",
        ]


def test_the_section_is_the_whole_truth(session_factory: Factory) -> None:
    apply_text(session_factory, ONCALL_YAML)
    smaller = edited(
        ("    - policy: everyone-else\n", ""),
        ("    - name: everyone-else\n      pagerduty_service: pd-ops\n", ""),
        ('handle: "@ben"', 'handle: "@benji"'),
    )
    plan = apply_text(session_factory, smaller)
    assert [s for s in oncall_steps(plan) if s[0] != "unchanged"] == [
        ("update", "person", "ben"),
        ("delete", "escalation_policy", "everyone-else"),
        ("update", "coverage", "coverage"),
    ]
    with session_factory() as session:
        assert session.scalars(select(Policy.name)).all() == ["support"]
        assert session.scalars(select(Person.handle).where(Person.name == "ben")).one() == "@benji"


def test_a_person_with_only_a_name_is_created(session_factory: Factory) -> None:
    text = edited(("    - name: cem\n", "    - name: dee\n    - name: cem\n"))
    plan = apply_text(session_factory, text)
    assert ("create", "person", "dee") in oncall_steps(plan)
    with session_factory() as session:
        dee = session.scalars(select(Person).where(Person.name == "dee")).one()
        assert (dee.display_name, dee.handle, dee.email) == ("", "", None)


def test_a_file_without_the_section_leaves_on_call_alone(session_factory: Factory) -> None:
    apply_text(session_factory, ONCALL_YAML)
    without = ONCALL_YAML.split("oncall:\n")[0]
    plan = apply_text(session_factory, without)
    assert oncall_steps(plan) == [("unmanaged", "oncall", "oncall")]
    with session_factory() as session:
        assert len(session.scalars(select(Person)).all()) == 3
