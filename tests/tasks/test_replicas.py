"""Two server replicas on one PostgreSQL: each background task runs on exactly one of them,
and the standby takes over when the leader is killed."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config_as_code.apply import apply_data
from blastwall.detect.monitors.models import Alarm
from blastwall.incidents.models import Incident
from blastwall.traces.ingest import MAX_EVENTS_PER_BATCH
from tests.conftest import make_token
from tests.detect.engine_factories import LABELS, add_monitor, call, labels, register
from tests.notify.support import ADMIN
from tests.receivers.slack import SlackReceiver
from tests.tasks.servers import Server, eventually

Factory = sessionmaker[Session]
ENGINE = "detection-engine"
FRAUD = {"params": {"categories": list(LABELS)}, "reference": {"observations": 2000}}
CALLS, CHANGE = 4500, 3000  # the fraud share moves from 2% to 9% at call 3000 of 4500
# Fast cadence so the test is short; the defaults are 1 s and 5 s.
FAST = {"BLASTWALL_ENGINE_INTERVAL_S": "0.2", "BLASTWALL_TASK_LEADER_RETRY_S": "0.5"}


def drifting(system: str) -> list[dict[str, Any]]:
    """A classifier's calls for ``system`` whose fraud share rises at call CHANGE."""
    stream = labels(CALLS, CHANGE)
    return [
        call(i, label=label, output=label, system=system, trace_id=f"{system}-{i}")
        for i, label in enumerate(stream)
    ]


def batches(events: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(events), MAX_EVENTS_PER_BATCH):
        yield events[start : start + MAX_EVENTS_PER_BATCH]


def observed(server: Server, system: str) -> int:
    """Observations the engine has committed for ``system``'s monitor."""
    monitor = server.http.get(f"/api/v1/systems/{system}/monitors/fraud-share")
    count: int = monitor.raise_for_status().json()["state"]["observations"]
    return count


def alarms_and_incidents(factory: Factory) -> tuple[list[str], int]:
    with factory() as session:
        systems = list(session.scalars(select(Alarm.system).order_by(Alarm.id)))
        return systems, session.scalar(select(func.count()).select_from(Incident)) or 0


# ana is on call for refund-bot and paged on Slack: the page must arrive once, not per replica.
PAGING = {
    "version": 1,
    "channels": [{"name": "chat", "type": "slack", "webhook_url_env": "CHAT_URL"}],
    "oncall": {
        "people": [{"name": "ana", "slack_user": "U0ANA1"}],
        "escalation_policies": [
            {"name": "refunds", "levels": [{"targets": [{"person": "ana"}], "delay_minutes": 60}]}
        ],
        "coverage": [{"policy": "refunds", "systems": ["refund-bot"]}],
    },
}


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    with SlackReceiver() as receiver:
        yield receiver


@pytest.fixture
def replicas(
    database_url: str, session_factory: Factory, tmp_path: Path, slack: SlackReceiver
) -> Iterator[tuple[Server, Server]]:
    for system in ("refund-bot", "other-bot"):
        register(session_factory, system)
        add_monitor(session_factory, "fraud-share", "output_category", system=system, **FRAUD)
    with session_factory() as session, session.begin():
        apply_data(session, PAGING, actor=ADMIN)
    token = make_token(session_factory, "replica-test", Role.admin)
    servers: list[Server] = []
    env = FAST | {"CHAT_URL": slack.webhook_url}
    try:
        for name in ("a", "b"):
            servers.append(Server(database_url, token, tmp_path / f"{name}.log", **env))
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.close()


@pytest.mark.timeout(300)  # two servers on a shared 2-core machine
@pytest.mark.parametrize("dialect", ["postgres"])
def test_one_replica_runs_the_engine_and_the_other_takes_over_when_it_is_killed(
    replicas: tuple[Server, Server], session_factory: Factory, slack: SlackReceiver
) -> None:
    a, b = replicas
    roles = eventually(
        lambda: sorted(str(s.role(ENGINE)) for s in (a, b)),
        lambda seen: seen == ["leader", "standby"],
        "one leader and one standby",
    )
    assert roles == ["leader", "standby"]
    leader, standby = (a, b) if a.role(ENGINE) == "leader" else (b, a)

    # Both replicas ingest; only the leader's engine reads what they stored.
    for index, batch in enumerate(batches(drifting("refund-bot"))):
        (a, b)[index % 2].post_events(batch)
    eventually(
        lambda: observed(standby, "refund-bot"),
        lambda n: n == CALLS,
        "the engine observing every call",
    )
    assert alarms_and_incidents(session_factory) == (["refund-bot"], 1)
    # One alarm, one incident, one page at the receiver (the outbox and escalation run on one
    # replica; each page is one row per (change, channel, recipient)).
    eventually(lambda: len(slack.messages), lambda n: n >= 1, "ana's page")
    assert standby.tasks()[ENGINE]["ticks"] == 0  # the standby never ran a round
    assert leader.tasks()[ENGINE]["ticks"] > 0

    leader.process.send_signal(signal.SIGKILL)
    leader.process.wait()
    eventually(lambda: standby.role(ENGINE), lambda r: r == "leader", "the standby taking over")
    for batch in batches(drifting("other-bot")):
        standby.post_events(batch)
    eventually(
        lambda: observed(standby, "other-bot"),
        lambda n: n == CALLS,
        "the new leader observing every call",
    )
    assert alarms_and_incidents(session_factory) == (["refund-bot", "other-bot"], 2)
    assert observed(standby, "refund-bot") == CALLS  # nothing fed twice
    # Seconds of both replicas' dispatching later: still one page (other-bot pages nobody).
    assert [m["text"].split(" ")[0] for m in slack.messages] == ["<@U0ANA1>"]
    assert "Traceback" not in standby.output()
