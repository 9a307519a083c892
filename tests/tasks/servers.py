"""Real `blastwall serve` processes for the tasks' tests, and polling their state."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.live import free_port, wait_healthy

# The CLI of this checkout (the venv's `blastwall` script may come from another install).
BLASTWALL = [sys.executable, "-c", "from blastwall.cli.main import main; main()"]
PATIENCE_S = 60  # only so a regression fails instead of hanging; never a timing check
T = TypeVar("T")


class Server:
    """One `blastwall serve` process on ``database_url``; its output goes to a file."""

    def __init__(self, database_url: str, token: str, log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._output = log.open("w")
        self.process = subprocess.Popen(
            [*BLASTWALL, "serve", "--db", database_url, "--port", str(self.port)],
            stdout=self._output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )
        self.http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        wait_healthy(self.url, self.process, timeout_s=PATIENCE_S)

    def role(self, task: str) -> str | None:
        """This replica's role for ``task``, or None while it does not answer."""
        try:
            tasks = self.http.get("/api/v1/tasks").raise_for_status().json()["tasks"]
        except httpx.HTTPError:
            return None
        return next((t["role"] for t in tasks if t["name"] == task), None)

    def tasks(self) -> dict[str, dict[str, Any]]:
        body = self.http.get("/api/v1/tasks").raise_for_status().json()
        return {t["name"]: t for t in body["tasks"]}

    def post_events(self, events: list[dict[str, Any]]) -> None:
        answer = self.http.post("/api/v1/events", json=events).raise_for_status().json()
        assert answer["accepted"] == len(events), answer

    def output(self) -> str:
        self._output.flush()
        return self.log.read_text()

    def close(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._output.close()


def eventually(probe: Callable[[], T], done: Callable[[T], bool], what: str) -> T:
    """Poll ``probe`` until ``done`` holds of its answer; fail naming ``what`` if it never does."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        value = probe()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"{what} never happened; last seen: {value!r}"
        time.sleep(0.1)
