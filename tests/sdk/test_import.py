"""The SDK installs and imports alone: no FastAPI, SQLAlchemy or torch; OpenTelemetry optional."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
{setup}
import blastwall.sdk
from blastwall.sdk import Guard
import blastwall.testing
guard = Guard(system="probe", environment="dev", server="", state_file=False)
with guard.call(input="hi") as call:
    call.set_output("ok")
guard.close()
heavy = sorted(
    m for m in ("fastapi", "sqlalchemy", "starlette", "alembic", "torch") if m in sys.modules
)
print(",".join(heavy) or "none", guard._otel is not None)
"""


def run_probe(setup: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(setup=setup)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sdk_import_pulls_in_neither_fastapi_nor_sqlalchemy() -> None:
    assert run_probe() == "none True"


def test_sdk_works_without_opentelemetry_installed() -> None:
    # A None entry in sys.modules makes "import opentelemetry" raise ImportError.
    assert run_probe("sys.modules['opentelemetry'] = None") == "none False"
