"""`blastwall serve` stops its background tasks and exits on SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.tasks.runner import Role as TaskRole
from tests.conftest import make_token
from tests.tasks.servers import Server, eventually

EVERY_TASK = [
    "canary-scheduler",
    "detection-engine",
    "drill-timeouts",
    "escalation",
    "notify-dispatcher",
    "regulatory-reminders",
    "retention",
    "review-sampling",
    "update-reminders",
]


@pytest.mark.timeout(300)  # a server process on a shared 2-core machine
def test_sigterm_stops_the_tasks_and_the_server_exits(
    database_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    token = make_token(session_factory, "operator", Role.admin)
    server = Server(database_url, token, tmp_path / "serve.log", BLASTWALL_ENGINE_INTERVAL_S="0.1")
    try:
        eventually(
            server.tasks,
            lambda tasks: (
                all(t["role"] == TaskRole.leader and t["ticks"] > 0 for t in tasks.values())
                and sorted(tasks) == EVERY_TASK
            ),
            "every task ticking",
        )
        server.process.send_signal(signal.SIGTERM)
        # Generous, only so a regression fails instead of hanging: not a timing assertion.
        assert server.process.wait(timeout=60) == 0, server.output()
        output = server.output()
        assert "Traceback" not in output
        assert "still finishing their round" not in output
        assert "Finished server process" in output
    finally:
        server.close()
