"""The channels and routes sections: planned, line-numbered errors, applied whole and audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes.models import AuditEntry
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_text
from blastwall.notify.models import NotifyChannel, NotifyRoute
from blastwall.notify.specs import EmailSpec, PagerDutySpec, RouteSpec, SlackSpec, WebhookSpec
from tests.notify.support import ADMIN

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"

YAML = """\
version: 1
systems:
  - name: support-bot
    owner: support team
    risk_tier: high
    environments: [prod]
channels:
  - name: pager
    type: pagerduty
    routing_key_env: BW_TEST_PD_KEY
  - name: mail
    type: email
    smtp_host: smtp.example.com
    sender: blastwall@example.com
    to: [oncall@example.com]
routes:
  - name: sev1
    events: [incident.opened, incident.resolved]
    severity: [1]
    systems: [support-bot]
    channels: [pager, mail]
"""


def test_dry_run_plans_channels_and_routes_and_names_disabled_ones(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BW_TEST_PD_KEY", raising=False)
    with session_factory() as session, session.begin():
        plan = apply(session, load_text(YAML), actor=ADMIN, dry_run=True)
        assert session.scalars(select(NotifyChannel)).all() == []
    steps = [(i.action.value, i.kind.value, i.name) for i in plan.items if "notify" in i.kind]
    assert steps == [
        ("create", "notify_channel", "pager (disabled: BW_TEST_PD_KEY unset)"),
        ("create", "notify_channel", "mail"),
        ("create", "notify_route", "sev1"),
    ]  # fmt: skip


def test_apply_stores_names_of_variables_and_is_idempotent(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BW_TEST_PD_KEY", "k" * 32)
    with session_factory() as session, session.begin():
        apply(session, load_text(YAML), actor=ADMIN)
    with session_factory() as session, session.begin():
        again = apply(session, load_text(YAML), actor=ADMIN)
        assert not again.changed
    with session_factory() as session:
        pager = session.scalars(select(NotifyChannel).where(NotifyChannel.name == "pager")).one()
        assert pager.settings == {"routing_key_env": "BW_TEST_PD_KEY"}
        route = session.scalars(select(NotifyRoute)).one()
        assert (route.events, route.systems, route.severities, route.channels) == (
            ["incident.opened", "incident.resolved"], ["support-bot"], [1], ["pager", "mail"]
        )  # fmt: skip
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("notify_%"))
        ).all()
        assert actions == ["notify_channel.create", "notify_channel.create", "notify_route.create"]
        assert "k" * 32 not in str(session.scalars(select(AuditEntry.after)).all())


def test_removing_a_channel_from_the_file_deletes_it_and_its_route(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session, session.begin():
        apply(session, load_text(YAML), actor=ADMIN)
    fewer = YAML.replace("channels: [pager, mail]", "channels: [mail]")
    fewer = fewer.replace(
        "  - name: pager\n    type: pagerduty\n    routing_key_env: BW_TEST_PD_KEY\n", ""
    )
    with session_factory() as session, session.begin():
        apply(session, load_text(fewer), actor=ADMIN)
    with session_factory() as session:
        assert session.scalars(select(NotifyChannel.name)).all() == ["mail"]
        assert session.scalars(select(NotifyRoute.channels)).all() == [["mail"]]


def test_errors_name_line_and_key_and_nothing_is_written(
    session_factory: sessionmaker[Session],
) -> None:
    bad = (
        YAML.replace("routing_key_env: BW_TEST_PD_KEY", "routing_key_env: 'abc123 secret'")
        .replace("channels: [pager, mail]", "channels: [pager, sms]")
        .replace("severity: [1]", "severity: [4]")
    )
    with pytest.raises(ConfigError) as refused:
        load_text(bad)
    assert [str(issue) for issue in refused.value.issues] == [
        "blastwall.yaml:10: channels[0].routing_key_env: 'abc123 secret' is not an "
        "environment variable name: write the variable's NAME (letters, digits and _, e.g. "
        "SLACK_WEBHOOK_URL), never the secret itself",
        "blastwall.yaml:19: routes[0].severity[0]: 4 is not a severity: use 1, 2, 3",
    ]
    unknown = YAML.replace("channels: [pager, mail]", "channels: [pager, sms]").replace(
        "systems: [support-bot]", "systems: [nobody]"
    )
    with session_factory() as session, session.begin(), pytest.raises(ConfigError) as refused:
        apply(session, load_text(unknown), actor=ADMIN)
    assert [str(issue) for issue in refused.value.issues] == [
        "blastwall.yaml:20: routes[0].systems[0]: 'nobody' is neither declared under systems "
        "nor known to Blastwall: fix the name, or declare the system",
        "blastwall.yaml:21: routes[0].channels[1]: 'sms' is not a channel (declared: mail, "
        "pager): declare it under channels",
    ]
    with session_factory() as session:
        assert session.scalars(select(NotifyChannel)).all() == []


def test_every_key_of_the_sections_is_in_the_reference() -> None:
    text = DOCS.read_text(encoding="utf-8")
    models = [PagerDutySpec, SlackSpec, WebhookSpec, EmailSpec, RouteSpec]
    keys = {key for model in models for key in model.model_fields}
    assert sorted(key for key in keys if f"`{key}`" not in text) == []
