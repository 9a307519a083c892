"""A server killed with SIGKILL between the commit and the delivery loses nothing.

A real `blastwall serve` process dispatches while the receiver is down, is killed with
kill -9, and is started again with the receiver up: exactly one message arrives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.notify.models import Notification
from tests.conftest import make_token
from tests.live import free_port, wait_healthy
from tests.notify.support import SYSTEM, Receiver, configure, receiving

ROOT = Path(__file__).resolve().parents[2]
# `blastwall serve` with the tests' webhook channel (tests/notify/support.py) registered.
SERVE = [
    sys.executable,
    "-c",
    "from blastwall.notify import factory; from tests.notify.support import post_channel; "
    "factory.BUILDERS['webhook'] = post_channel; from blastwall.cli.main import main; main()",
    "serve",
]


def _serve(database_url: str, hook_port: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "BLASTWALL_DATABASE_URL": database_url,
        "BLASTWALL_ENGINE_ENABLED": "false",
        "BLASTWALL_CANARY_SCHEDULER_ENABLED": "false",
        "BLASTWALL_NOTIFY_DISPATCH_ENABLED": "true",
        "BLASTWALL_NOTIFY_INTERVAL_S": "0.2",
        "BLASTWALL_NOTIFY_BACKOFF_BASE_S": "0.05",
        "BLASTWALL_NOTIFY_BACKOFF_CAP_S": "0.2",
        "BLASTWALL_NOTIFY_LEASE_S": "1",
        "HOOK_URL": f"http://127.0.0.1:{hook_port}/hook",
        "HOOK_SECRET": "s3cret",
    }
    process = subprocess.Popen(
        [*SERVE, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process)
    return process, url


def _row(factory: sessionmaker[Session]) -> Notification:
    with factory() as session:
        return session.scalars(select(Notification)).one()


def _wait(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition was not met in time")
        time.sleep(0.05)


def test_sigkill_between_commit_and_delivery_loses_nothing(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    hook_port = free_port()  # nothing listens there until the receiver starts below
    with session_factory() as session, session.begin():
        configure(session)
    token = make_token(session_factory, "pat", Role.responder)
    first, url = _serve(database_url, hook_port)
    try:
        opened = httpx.post(
            f"{url}/api/v1/incidents",
            json={"title": "Refunds without approval", "harm": "major", "system": SYSTEM},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert opened.status_code == 201, opened.text
        # The server is trying: each attempt finds the receiver down and backs off.
        _wait(lambda: _row(session_factory).attempts >= 2)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert _row(session_factory).status == "pending"
    with receiving(Receiver(), port=hook_port) as receiver:
        second, _ = _serve(database_url, hook_port)
        try:
            _wait(lambda: _row(session_factory).status == "delivered")
        finally:
            second.terminate()
            second.wait(timeout=30)
        assert len(receiver.accepted) == 1
    message = receiver.accepted[0]["message"]
    assert (message["event"], message["incident_id"], message["system"]) == (
        "incident.opened",
        opened.json()["id"],
        SYSTEM,
    )
