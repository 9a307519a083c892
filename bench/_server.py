"""Start a real Blastwall server (``blastwall serve``) on loopback for a benchmark."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "blastwall"


@dataclass(frozen=True)
class Server:
    url: str
    token: str

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    """Return once ``url``/healthz answers; raise if the server exits or never answers."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("blastwall serve did not start") from None
            time.sleep(0.1)


@contextmanager
def running(workdir: Path, systems: list[dict[str, object]]) -> Iterator[Server]:
    """A server on SQLite in ``workdir`` with an admin token and ``systems`` registered."""
    db = f"sqlite:///{workdir / 'bench.db'}"
    made = subprocess.run(
        [BIN, "token", "create", "--name", "bench", "--role", "admin", "--db", db, "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    token = json.loads(made.stdout)["token"]
    port = free_port()
    process = subprocess.Popen(
        [BIN, "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(f"http://127.0.0.1:{port}", token)
    try:
        wait_healthy(server.url, process)
        with server.client() as api:
            for spec in systems:
                api.post("/api/v1/systems", json=spec).raise_for_status()
        yield server
    finally:
        process.terminate()  # open lever streams can hold a graceful shutdown; don't wait long
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
