"""Receivers for the channel tests, each on its own loopback port for one test."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.live import free_port
from tests.receivers.pagerduty import PagerDutyReceiver
from tests.receivers.slack import SlackReceiver
from tests.receivers.webhook import WebhookReceiver

WEBHOOK_SECRET = "whsec-0123456789abcdef0123456789abcdef"


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyReceiver]:
    with PagerDutyReceiver() as receiver:
        yield receiver


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    with SlackReceiver() as receiver:
        yield receiver


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(WEBHOOK_SECRET) as receiver:
        yield receiver


@pytest.fixture
def refused_url() -> str:
    """An http URL on a loopback port where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (a hung server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]
