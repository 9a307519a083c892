"""Start a throwaway PostgreSQL server on loopback for the test run (Debian's packages)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.live import free_port


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    datadir: Path
    process: subprocess.Popen[bytes]

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.datadir, ignore_errors=True)


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} is not installed; `make test` installs Debian's postgresql "
            "package, or set BLASTWALL_TEST_POSTGRES_URL to an existing server"
        )
    return found[-1]


def _as_postgres_user() -> list[str]:
    # initdb refuses to run as root; Debian's package creates the 'postgres' user for this.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def start() -> PostgresServer:
    datadir = Path(tempfile.mkdtemp(prefix="blastwall-pg-"))
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    prefix = _as_postgres_user()
    subprocess.run(
        [*prefix, _bin("initdb"), "-D", str(datadir / "data"), "-U", "blastwall", "-A", "trust"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port = free_port()
    process = subprocess.Popen(
        [
            *prefix,
            _bin("postgres"),
            "-D",
            str(datadir / "data"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-k",
            str(datadir),
            # A test server: durability is not under test here, speed is.
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=300",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("PostgreSQL exited during start") from None
            time.sleep(0.1)
    server = PostgresServer("127.0.0.1", port, "blastwall", datadir, process)
    _wait_ready(server)
    return server


def _wait_ready(server: PostgresServer) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(
                host=server.host, port=server.port, user=server.user, dbname="postgres"
            ):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
