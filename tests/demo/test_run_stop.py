"""`make run`: one Ctrl-C stops the server and the demo traffic, flushing traces, quietly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.live import free_port, wait_healthy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "blastwall.yaml"


def _interrupt_demo(tmp_path: Path, presses: int) -> tuple[int, str]:
    """Start the demo, let it serve, press Ctrl-C ``presses`` times; its (exit code, output)."""
    port = free_port()
    env = {**os.environ, "BLASTWALL_DATA_DIR": str(tmp_path), "BLASTWALL_DATABASE_URL": ""}
    command = [sys.executable, "-m", "blastwall.demo.run", "--port", str(port)]
    command += ["--chat-port", str(free_port())]  # the chat endpoint stops with it
    process = subprocess.Popen(
        [*command, "--config", str(EXAMPLE), "--rate", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        time.sleep(3)  # let the demo agent make calls and open its lever stream
        for _ in range(presses):  # back to back, as a held or doubled Ctrl-C sends them
            process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, output


def test_one_ctrl_c_stops_everything_without_a_traceback(tmp_path: Path) -> None:
    returncode, output = _interrupt_demo(tmp_path, presses=1)
    assert returncode == 0, output
    assert "Traceback" not in output
    assert "CancelledError" not in output
    assert output.rstrip().endswith("demo stopped")
    with sqlite3.connect(tmp_path / "blastwall.db") as db:
        (traces,) = db.execute("select count(*) from traces").fetchone()
    assert traces > 0  # the demo's traces were flushed before the server went down


def test_an_impatient_second_ctrl_c_prints_no_traceback_either(tmp_path: Path) -> None:
    _, output = _interrupt_demo(tmp_path, presses=2)
    assert "Traceback" not in output
    assert "CancelledError" not in output
