"""Channel types by name, and the PagerDuty events URL setting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from blastwall.config import Settings
from blastwall.notify.channels import (
    REGISTRY,
    EmailChannel,
    PagerDutyChannel,
    SlackChannel,
    WebhookChannel,
)


def test_registry_maps_each_type_name_to_its_class() -> None:
    assert dict(REGISTRY) == {
        "pagerduty": PagerDutyChannel,
        "slack": SlackChannel,
        "webhook": WebhookChannel,
        "email": EmailChannel,
    }
    assert all(cls.type == name for name, cls in REGISTRY.items())


def test_pagerduty_events_url_defaults_to_pagerduty_and_can_point_at_a_stand_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BLASTWALL_PAGERDUTY_EVENTS_URL", raising=False)
    assert Settings().pagerduty_events_url == "https://events.pagerduty.com/v2/enqueue"
    monkeypatch.setenv("BLASTWALL_PAGERDUTY_EVENTS_URL", "http://127.0.0.1:9000/v2/enqueue")
    assert Settings().pagerduty_events_url == "http://127.0.0.1:9000/v2/enqueue"


def test_pagerduty_events_url_that_is_not_http_is_refused_with_an_example() -> None:
    with pytest.raises(ValidationError, match="must be an http\\(s\\) URL such as https://events"):
        Settings(pagerduty_events_url="events.pagerduty.com/v2/enqueue")
