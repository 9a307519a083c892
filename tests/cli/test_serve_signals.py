"""`blastwall serve` stops on SIGTERM or Ctrl-C even while an SDK holds the lever stream
and a browser holds the console's live stream."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import free_port, wait_healthy

# The CLI of this checkout (the venv's `blastwall` script may come from another install).
BLASTWALL = [sys.executable, "-c", "from blastwall.cli.main import main; main()"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """A `blastwall serve` process on SQLite, its URL and an admin token."""
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {**os.environ, "BLASTWALL_ENGINE_ENABLED": "false"}
    made = subprocess.run(
        [*BLASTWALL, "token", "create", "--name", "sdk", "--role", "admin", "--db", db, "--json"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    token = json.loads(made.stdout)["token"]
    port = free_port()
    process = subprocess.Popen(
        [*BLASTWALL, "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, timeout_s=30)
    try:
        yield process, url, token
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


class StreamReader(threading.Thread):
    """Follows the lever stream as an SDK does (or, with ``console``, the console's live
    stream as a logged-in browser does); records how it ended."""

    def __init__(self, url: str, token: str, *, console: bool = False) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.console = url, token, console
        self.connected = threading.Event()
        self.ended_cleanly = False
        self.error: str | None = None

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        path, cookies = "/api/v1/levers/stream", None
        if self.console:
            login = httpx.post(f"{self.url}/login", data={"token": self.token}, timeout=30)
            path, cookies, headers = "/live", login.cookies, {}
        try:
            with httpx.stream(
                "GET", f"{self.url}{path}", headers=headers, cookies=cookies, timeout=60
            ) as response:
                self.connected.set()
                for _ in response.iter_lines():
                    pass
            self.ended_cleanly = True
        except httpx.HTTPError as exc:
            self.error = f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_lever_stream_and_the_process(
    served: tuple[subprocess.Popen[str], str, str], sig: signal.Signals
) -> None:
    process, url, token = served
    reader, console = StreamReader(url, token), StreamReader(url, token, console=True)
    reader.start()
    console.start()
    assert reader.connected.wait(timeout=30)
    assert console.connected.wait(timeout=30)
    process.send_signal(sig)
    # Bounded only so a regression fails instead of hanging: not a timing assertion.
    reader.join(timeout=60)
    console.join(timeout=60)
    output, _ = process.communicate(timeout=60)
    assert (reader.is_alive(), reader.ended_cleanly, reader.error) == (False, True, None), output
    assert (console.is_alive(), console.ended_cleanly, console.error) == (False, True, None)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert "Finished server process" in output
