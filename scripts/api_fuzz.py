"""Fuzz the HTTP API with schemathesis against a live `blastwall serve`, on SQLite or PostgreSQL.

A longer campaign than the bounded run in tests/server/test_api_contract.py: every check on,
every phase, for as long as ``--max-time`` allows. Run from the repository root:

    PYTHONPATH=src:. .venv/bin/python scripts/api_fuzz.py --dialect postgres --max-time 300

Extra arguments after ``--`` go to ``schemathesis run`` unchanged. Exit status is
schemathesis's: 0 when no check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._server import free_port, wait_healthy

BIN = Path(sys.executable).parent
CONFIG = Path(__file__).resolve().parent.parent / "schemathesis.toml"
"""The settings the in-suite contract test uses too (which refusals are expected, and why)."""


def _campaign(db: str, workdir: str, max_time: int, extra: list[str]) -> int:
    made = subprocess.run(
        [
            BIN / "blastwall",
            "token",
            "create",
            "--name",
            "fuzz",
            "--role",
            "admin",
            "--db",
            db,
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    token = json.loads(made.stdout)["token"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # The ignored-auth check sends a wrong token to every operation on purpose: lift the
    # auth-failure throttle so it answers 401, not 429, for the whole campaign.
    env = {**os.environ, "BLASTWALL_AUTH_FAILURE_LIMIT": "1000000"}
    server = subprocess.Popen(
        [BIN / "blastwall", "serve", "--db", db, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(url, server)
        command = [
            BIN / "schemathesis",
            "--config-file",
            CONFIG,
            "run",
            f"{url}/api/v1/openapi.json",
            "--checks",
            "all",
            "--workers",
            "1",
            "--max-time",
            str(max_time),
            "--header",
            f"Authorization: Bearer {token}",
            "--suppress-health-check",
            "all",
            # Revoking the campaign's own token would turn the rest of the run into 401s.
            "--exclude-path-regex",
            r"/tokens/\{name\}$",
            *extra,
        ]
        # In the work folder, so schemathesis's cache never lands in the repository.
        return subprocess.run(command, check=False, cwd=workdir).returncode
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialect", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--max-time", type=int, default=300, help="seconds of fuzzing")
    parser.add_argument("extra", nargs="*", help="passed to schemathesis run (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blastwall-fuzz-") as workdir:
        if args.dialect == "sqlite":
            return _campaign(f"sqlite:///{workdir}/fuzz.db", workdir, args.max_time, args.extra)
        from tests import pg  # noqa: PLC0415  (the test suite's throwaway PostgreSQL)

        postgres = pg.start()
        try:
            import psycopg  # noqa: PLC0415

            with psycopg.connect(
                host=postgres.host,
                port=postgres.port,
                user=postgres.user,
                dbname="postgres",
                autocommit=True,
            ) as conn:
                conn.execute("CREATE DATABASE fuzz")
            return _campaign(postgres.url("fuzz"), workdir, args.max_time, args.extra)
        finally:
            postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
