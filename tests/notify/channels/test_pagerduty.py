"""PagerDuty Events API v2: the exact events, the alert's life at the receiver, failures."""

from __future__ import annotations

import json

import pytest

from blastwall.notify.channels.base import Delivered, Rejected, RetryLater
from blastwall.notify.channels.pagerduty import PagerDutyChannel, pagerduty_severity
from tests.notify.channels.factories import ROUTING_KEY, make_message
from tests.receivers.pagerduty import PagerDutyReceiver


def channel(url: str, **options: object) -> PagerDutyChannel:
    return PagerDutyChannel("oncall", ROUTING_KEY, url, **options)  # type: ignore[arg-type]


def test_opened_incident_renders_a_trigger_event_with_every_field() -> None:
    pd = channel("http://unused", client_url="https://blastwall.example")
    assert pd.render(make_message()) == {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "dedup_key": "incident-42",
        "payload": {
            "summary": "SEV1 support-bot: Incident opened: answers leak PII",
            "source": "support-bot",
            "severity": "critical",
            "timestamp": "2026-12-06T19:30:00+00:00",
            "component": "support-bot",
            "group": "prod",
            "class": "privacy",
            "custom_details": {
                "event": "incident.opened",
                "summary": "The bot quoted <other> customers' e-mails & phones. <!channel>",
                "severity": "SEV1",
                "status": "detected",
                "incident_id": 42,
                "commander": "ana",
                "levers": ["kill:support-bot"],
                "next_update_due": "2026-12-06T20:00:00+00:00",
                "actor": "monitor:pii-rate",
                "details": {"alarm_id": 9},
            },
        },
        "client": "Blastwall",
        "client_url": "https://blastwall.example",
        "links": [{"href": "https://blastwall.example/incidents/42", "text": "Open incident 42"}],
    }


def test_acknowledge_and_resolve_carry_only_the_key_and_action() -> None:
    pd = channel("http://unused")
    ack = pd.render(make_message(event="incident.acknowledged", status="triaged"))
    resolve = pd.render(make_message(event="incident.resolved", status="resolved"))
    assert ack == {
        "routing_key": ROUTING_KEY,
        "event_action": "acknowledge",
        "dedup_key": "incident-42",
    }
    assert resolve == {
        "routing_key": ROUTING_KEY,
        "event_action": "resolve",
        "dedup_key": "incident-42",
    }


def test_a_message_about_a_resolved_incident_is_skipped_not_retriggered(
    pagerduty: PagerDutyReceiver,
) -> None:
    pd = channel(pagerduty.events_url)
    late = make_message(event="lever.kill", status="resolved")
    assert pd.render(late) is None
    assert pd.send(late, idempotency_key="7:oncall") == Delivered(
        "skipped: incident already resolved, nothing to page"
    )
    assert pagerduty.requests == []


def test_summary_is_cut_to_pagerduty_limit_of_1024_characters() -> None:
    event = channel("http://unused").render(make_message(title="x" * 2000))
    assert event is not None
    summary = event["payload"]["summary"]
    assert len(summary) == 1024
    assert summary.endswith("x…")


def test_details_too_large_for_pagerduty_are_replaced_by_a_note(
    pagerduty: PagerDutyReceiver,
) -> None:
    huge = make_message(details={"transcript": "y" * 600_000})
    outcome = channel(pagerduty.events_url).send(huge, idempotency_key="7:oncall")
    assert isinstance(outcome, Delivered)
    [event] = pagerduty.events("incident-42")
    size = len(json.dumps(channel("http://unused").render(huge)).encode())
    assert event["payload"]["custom_details"]["details"] == (
        f"omitted: {size} bytes is over PagerDuty's 524288; see the incident"
    )
    assert event["payload"]["custom_details"]["summary"] == huge.summary


@pytest.mark.parametrize(
    ("severity", "expected"),
    [(1, "critical"), (2, "error"), (3, "warning"), (4, "info"), (9, "info"), (None, "warning")],
)
def test_severity_maps_to_pagerduty_levels(severity: int | None, expected: str) -> None:
    assert pagerduty_severity(severity) == expected


def test_routing_key_of_wrong_length_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="routing key is 32 characters") as caught:
        PagerDutyChannel("oncall", "short-secret-key", "http://unused")
    assert "short-secret-key" not in str(caught.value)
    assert "(got 16)" in str(caught.value)


def test_an_incident_triggers_one_alert_then_acknowledges_and_resolves_it(
    pagerduty: PagerDutyReceiver,
) -> None:
    pd = channel(pagerduty.events_url)
    steps = [
        make_message(),
        make_message(event="lever.kill", change_seq=8, status="contained"),
        make_message(event="incident.acknowledged", change_seq=9, status="contained"),
    ]
    outcomes = [pd.send(m, idempotency_key=f"{m.change_seq}:oncall") for m in steps]
    assert pagerduty.state("incident-42") == "acknowledged"
    resolved = pd.send(
        make_message(event="incident.resolved", change_seq=10, status="resolved"),
        idempotency_key="10:oncall",
    )
    body = '{"status": "success", "message": "Event processed", "dedup_key": "incident-42"}'
    assert [*outcomes, resolved] == [Delivered(f"202 {body}")] * 4
    assert pagerduty.state("incident-42") == "resolved"
    assert pagerduty.alerts_opened == 1
    actions = [e["event_action"] for e in pagerduty.events("incident-42")]
    assert actions == ["trigger", "trigger", "acknowledge", "resolve"]


def test_an_event_pagerduty_refuses_is_rejected_with_its_errors_and_no_key() -> None:
    with PagerDutyReceiver(routing_keys={"A" * 32}) as receiver:
        outcome = channel(receiver.events_url).send(make_message(), idempotency_key="7:oncall")
    assert outcome == Rejected(
        f"{receiver.url}/… answered 400: "
        '{"status": "invalid event", "message": "Event object is invalid", "errors": '
        "[\"'routing_key' is not an integration key of this account\"]}"
    )
    assert ROUTING_KEY not in outcome.error


def test_429_is_retried_after_the_seconds_pagerduty_asks(pagerduty: PagerDutyReceiver) -> None:
    pagerduty.fail_next(429, retry_after="7")
    outcome = channel(pagerduty.events_url).send(make_message(), idempotency_key="7:oncall")
    assert outcome == RetryLater(f"{pagerduty.url}/… answered 429", 7.0)
    assert pagerduty.state("incident-42") is None


def test_500_is_retried_and_the_next_attempt_triggers(pagerduty: PagerDutyReceiver) -> None:
    pagerduty.fail_next(500, body=b"Internal Server Error")
    pd = channel(pagerduty.events_url)
    first = pd.send(make_message(), idempotency_key="7:oncall")
    second = pd.send(make_message(), idempotency_key="7:oncall")
    assert first == RetryLater(f"{pagerduty.url}/… answered 500: Internal Server Error")
    assert isinstance(second, Delivered)
    assert pagerduty.state("incident-42") == "triggered"


def test_connection_refused_is_retried_without_raising(refused_url: str) -> None:
    outcome = channel(f"{refused_url}/v2/enqueue").send(make_message(), idempotency_key="k")
    assert outcome == RetryLater(f"could not reach {refused_url}/… (ConnectError)")


def test_a_receiver_slower_than_the_timeout_is_retried(pagerduty: PagerDutyReceiver) -> None:
    pagerduty.stall_next(2.0)
    pd = channel(pagerduty.events_url, timeout_s=0.3)
    outcome = pd.send(make_message(), idempotency_key="7:oncall")
    assert outcome == RetryLater(f"{pagerduty.url}/… did not answer in time")


def test_a_routing_key_with_the_newline_of_an_env_file_is_used_without_it() -> None:
    pd = PagerDutyChannel("oncall", f" {ROUTING_KEY}\n", "http://unused")
    event = pd.render(make_message(event="incident.resolved"))
    assert event == {
        "routing_key": ROUTING_KEY,
        "event_action": "resolve",
        "dedup_key": "incident-42",
    }
