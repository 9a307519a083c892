"""Issue 10's bad-release path and issue 12's game day, end to end with real processes.

`make run`'s demo (server, traffic, chat endpoint) runs in a subprocess on the example
configuration, with shorter reference windows so the monitor learns in seconds; then
`blastwall drill run temperature` activates a hot release, the reply-length monitor alarms
against the known-good baseline, the enforce policy rolls back with no human action, and
the rollback verifies. Times are not asserted (they depend on the machine), what happened is.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import invoke, lines
from tests.live import free_port, wait_healthy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "blastwall.yaml"


def fast_example(tmp_path: Path) -> Path:
    """The example with a 300-call baseline for reply-length and 100 calls to verify."""
    text = re.sub(r"reference: \{observations: \d+\}", "reference: {observations: 1000}",
                  EXAMPLE.read_text())  # fmt: skip
    text = text.replace(
        "        signal: response_length\n        environment: prod\n"
        "        reference: {observations: 1000}\n",
        "        signal: response_length\n        environment: prod\n"
        "        reference: {observations: 300}\n        false_alarm_rate: 0.0001\n"
        "        verify_observations: 100\n",
    )
    assert "verify_observations: 100" in text
    path = tmp_path / "blastwall.yaml"
    path.write_text(text)
    return path


@pytest.mark.timeout(300)  # two processes on a shared 2-core machine
def test_a_hot_release_drill_is_detected_rolled_back_by_policy_and_verified(
    tmp_path: Path,
) -> None:
    port, chat_port = free_port(), free_port()
    data = tmp_path / "data"
    env = {**os.environ, "BLASTWALL_DATA_DIR": str(data), "BLASTWALL_DATABASE_URL": ""}
    command = [sys.executable, "-m", "blastwall.demo.run", "--port", str(port)]
    command += ["--config", str(fast_example(tmp_path)), "--rate", "40"]
    command += ["--drift-after", "100000", "--chat-port", str(chat_port)]
    demo = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    server = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(server, demo)
        cli_env: dict[str, str | None] = {
            "BLASTWALL_SERVER": server,
            "BLASTWALL_TOKEN": (data / "admin-token").read_text().strip(),
        }
        chat = _chat(f"http://127.0.0.1:{chat_port}/chat", "Please refund 45 EUR for order A12345")
        assert chat["reply"] == "I have refunded 45 EUR to your card."
        _wait_for_baseline(cli_env)

        result = invoke(
            "drill", "run", "temperature", "--ack-as", "tester", "--timeout", "150", "--json",
            env=cli_env,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        run = json.loads(result.stdout)
        found = run["measurements"]
        assert (run["status"], run["end_reason"]) == ("ended", "response complete")
        assert run["fault"]["release"] == f"drill-{run['id']}-hot"
        assert found["drill_incident"] is True
        assert found["monitor"] == "reply-length"
        assert found["contained_by"] == "policy:rollback-hot-release"
        assert (found["verification"], found["verified"]) == ("verified", True)
        assert found["time_to_detect_s"] <= found["time_to_contain_s"]
        assert found["missing"] == [
            "nobody was paged: no page reached anyone (the incident timeline says why: "
            "no one on call, or no channel that can reach them; `blastwall notify channels`)"
        ]
        listed = lines(invoke("incident", "list", env=cli_env).stdout)
        assert "DRILL support-agent: reply-length left its baseline" in listed[-1]
        active = invoke(
            "release", "active", "support-agent", "--env", "prod", "--json", env=cli_env
        )
        assert json.loads(active.stdout)["release"] == "initial"  # the rollback held
    finally:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=60)
    assert output.rstrip().endswith("demo stopped"), output[-2000:]


def _chat(url: str, message: str) -> dict[str, str]:
    """The chat endpoint's answer, once it listens (it starts with the demo's agent)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            body: dict[str, str] = httpx.post(
                url, json={"user_id": "u-1", "message": message}, timeout=10
            ).json()
            return body
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _wait_for_baseline(env: dict[str, str | None]) -> None:
    """Until reply-length has learned its known-good baseline (the drill tests against it)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        monitors = json.loads(invoke("monitor", "list", "support-agent", "--json", env=env).stdout)
        [reply] = [m for m in monitors if m["name"] == "reply-length"]
        if reply["state"]["phase"] == "monitoring":
            return
        time.sleep(1)
    raise AssertionError("reply-length never finished learning its baseline")
