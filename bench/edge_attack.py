"""The server under an unauthenticated large body: how fast the 401 comes, and what else waits.

Issue 8, section 1: a 100 MB body without a token was answered only after 15-42 s while
the event loop parsed it; an admin kill sent meanwhile took 13.4 s and /healthz stalled
under a 30 MB body. This starts ``blastwall serve`` (bench/_server.py), measures a kill and
/healthz on a quiet server (the baseline), then again while a body streams in, and prints
each against its baseline.

    .venv/bin/python bench/edge_attack.py [--mb 100] [--health-mb 30]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from _server import Server, running

SYSTEM = {
    "name": "bench-agent",
    "owner": "bench",
    "risk_tier": "high",
    "environments": ["prod"],
}
# The reproducer: a JSON list of small objects, expensive to parse.
ITEM = b'{"a":[1,2]},'
CHUNK = ITEM * (64 * 1024 // len(ITEM))


def _body(total: int) -> Iterator[bytes]:
    yield b"["
    sent = 1
    while sent + len(CHUNK) < total - 1:
        yield CHUNK
        sent += len(CHUNK)
    yield b" " * (total - 1 - sent - len(ITEM) + 1) + ITEM[:-1] + b"]"


class Attack(threading.Thread):
    """POST ``total`` bytes of JSON without a token; records when the answer came."""

    def __init__(self, url: str, total: int) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.total = total
        self.answered_after_s: float | None = None
        self.status = 0

    def run(self) -> None:
        head = (
            "POST /api/v1/incidents HTTP/1.1\r\nHost: bench\r\n"
            f"Content-Type: application/json\r\nContent-Length: {self.total}\r\n\r\n"
        ).encode()
        started = time.perf_counter()
        with socket.create_connection(self.address, timeout=300) as sock:
            sender = threading.Thread(target=self._send, args=(sock, head, self.total), daemon=True)
            sender.start()
            first = sock.recv(4096)
            self.answered_after_s = time.perf_counter() - started
            self.status = int(first.split(b" ", 2)[1]) if first else 0
            sender.join(timeout=1)

    @staticmethod
    def _send(sock: socket.socket, head: bytes, total: int) -> None:
        try:
            sock.sendall(head)
            for chunk in _body(total):
                sock.sendall(chunk)
        except OSError:
            return  # the server answered and closed: the rest is never read


def _timed(action: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _under_attack(server: Server, mb: int, action: Callable[[], object]) -> tuple[float, Attack]:
    attack = Attack(server.url, mb * 1024 * 1024)
    attack.start()
    time.sleep(0.5)  # let the body start streaming in
    seconds = _timed(action, repeat=1)
    attack.join(timeout=300)
    return seconds, attack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=100, help="size of the attack body")
    parser.add_argument("--health-mb", type=int, default=30, help="body size for /healthz")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running(Path(tmp), [SYSTEM]) as server,
        server.client() as api,
    ):

        def kill() -> None:
            path = "/api/v1/systems/bench-agent/kill"
            api.post(path, json={"reason": "bench"}).raise_for_status()
            api.post(path.replace("kill", "restore"), json={"reason": "bench"})

        def health() -> None:
            api.get("/healthz").raise_for_status()

        quiet_kill, quiet_health = _timed(kill), _timed(health)
        attack_kill, attack = _under_attack(server, args.mb, kill)
        attack_health, small = _under_attack(server, args.health_mb, health)
    print(
        f"401 for a {args.mb} MB body without a token: status {attack.status} after "
        f"{attack.answered_after_s:.3f} s"
    )
    print(
        f"kill + restore: quiet {quiet_kill * 1000:.1f} ms, during the {args.mb} MB body "
        f"{attack_kill * 1000:.1f} ms (ratio {attack_kill / quiet_kill:.2f})"
    )
    print(
        f"/healthz: quiet {quiet_health * 1000:.1f} ms, during a {args.health_mb} MB body "
        f"{attack_health * 1000:.1f} ms (ratio {attack_health / quiet_health:.2f}); that "
        f"body's {small.status} came after {small.answered_after_s:.3f} s"
    )


if __name__ == "__main__":
    main()
