"""Canary targets are restricted to what an administrator allows (issue 8, section 3)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from blastwall.canaries import runs
from blastwall.canaries.enums import TargetKind
from blastwall.canaries.policy import TargetPolicy
from blastwall.canaries.runner import Target, run_cases
from blastwall.config import Settings
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.errors import ConfigError
from blastwall.db.session import unit_of_work
from tests.canaries.factories import LABELLED, case, put_set, put_target
from tests.config_as_code.factories import ADMIN, example
from tests.conftest import NO_BACKGROUND_TASKS
from tests.registry.factories import COMMANDER, SYSTEM, contents, make_system, release

TARGET = f"/api/v1/systems/{SYSTEM}/canary-target"
HELLO = case("hello", "hello", kind="contains", value="general")
POLICY = TargetPolicy(("agent.internal", "*.example.com", "api.local:8443", "[::1]:9000"), ())


def http_refusal(host: str, allowed: str) -> str:
    return (
        f"host {host!r} is not allowed for http canary targets (BLASTWALL_CANARY_HTTP_HOSTS "
        f"allows {allowed}); an administrator can allow it by adding {host!r} to "
        "BLASTWALL_CANARY_HTTP_HOSTS in the server's environment and restarting the server"
    )


def python_refusal(path: str, allowed: str) -> str:
    return (
        f"{path!r} is not allowed for python canary targets (BLASTWALL_CANARY_PYTHON_TARGETS "
        f"allows {allowed}); an administrator can allow it by adding {path!r} (or a pattern "
        "such as 'package.*:*') to BLASTWALL_CANARY_PYTHON_TARGETS in the server's "
        "environment and restarting the server"
    )


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://agent.internal/canary", True),
        ("https://AGENT.internal.:9999/canary", True),  # any port when the entry names none
        ("http://eu.example.com/x", True),
        ("http://a.b.example.com/x", True),
        ("http://example.com/x", False),  # '*.example.com' is the subdomains only
        ("http://badexample.com/x", False),
        ("https://api.local:8443/x", True),
        ("https://api.local/x", False),  # port 443, the entry says 8443
        ("http://[::1]:9000/x", True),
        ("http://agent.internal@169.254.169.254/x", False),  # userinfo is not the host
        ("http://169.254.169.254/latest/meta-data", False),
        ("http://2130706433/", False),  # 127.0.0.1 spelled as a number
    ],
)
def test_http_hosts_are_matched_as_the_client_connects(url: str, allowed: bool) -> None:
    assert (POLICY.url_problem(url) is None) is allowed


def test_the_default_settings_allow_no_host_and_only_the_demo_callable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BLASTWALL_CANARY_HTTP_HOSTS")
    monkeypatch.delenv("BLASTWALL_CANARY_PYTHON_TARGETS")
    policy = TargetPolicy.of(Settings())
    assert policy == TargetPolicy((), ("blastwall.demo.canary_target:answer",))
    assert policy.url_problem("http://localhost:7300/api") == http_refusal(
        "localhost:7300", "nothing"
    )
    assert policy.callable_problem("subprocess:run") == python_refusal(
        "subprocess:run", "only 'blastwall.demo.canary_target:answer'"
    )
    assert policy.callable_problem("blastwall.demo.canary_target:answer") is None


def test_callable_patterns_match_the_whole_path() -> None:
    policy = TargetPolicy((), ("acme.canaries.*:*", "acme.bot:answer"))
    assert [
        policy.callable_problem(p) is None
        for p in ("acme.canaries.routing:ask", "acme.bot:answer", "acme.bot:other", "os:system")
    ] == [True, True, False, False]


def test_a_malformed_host_entry_is_refused_when_the_server_starts() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(canary_http_hosts=["agent.internal", "http://x/y"])
    assert caught.value.errors()[0]["msg"] == (
        "Value error, BLASTWALL_CANARY_HTTP_HOSTS: 'http://x/y' is not a host entry; write "
        "'host', 'host:port', '*.domain' or '[ipv6]:port'"
    )


# --------------------------------------------------------------------- API and apply
@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        **NO_BACKGROUND_TASKS,
        canary_http_hosts=["agent.internal"],
        canary_python_targets=[LABELLED],
    )


@pytest.fixture
def system(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as session:
        make_system(session)


def test_the_api_refuses_a_host_the_settings_do_not_allow(client: TestClient, system: None) -> None:
    response = client.put(TARGET, json={"kind": "http", "url": "http://10.0.0.5:8080/admin"})
    assert response.status_code == 422
    assert response.json()["detail"] == "url: " + http_refusal(
        "10.0.0.5:8080", "only 'agent.internal'"
    )
    assert client.get(TARGET).status_code == 404  # nothing stored


def test_the_api_refuses_a_callable_the_settings_do_not_allow(
    client: TestClient, system: None
) -> None:
    response = client.put(TARGET, json={"kind": "python", "callable": "subprocess:run"})
    assert response.status_code == 422
    assert response.json()["detail"] == "callable: " + python_refusal(
        "subprocess:run", f"only {LABELLED!r}"
    )


def test_the_api_stores_allowed_targets(client: TestClient, system: None) -> None:
    http = client.put(TARGET, json={"kind": "http", "url": "http://agent.internal/canary"})
    assert (http.status_code, http.json()["url"]) == (200, "http://agent.internal/canary")
    python = client.put(TARGET, json={"kind": "python", "callable": LABELLED})
    assert (python.status_code, python.json()["callable"]) == (200, LABELLED)


def test_apply_refuses_a_target_at_its_file_line(
    session_factory: sessionmaker[Session],
) -> None:
    document = example(
        ("callable: blastwall.demo.canary_target:answer", "callable: subprocess:run")
    )
    with unit_of_work(session_factory) as session, pytest.raises(ConfigError) as caught:
        apply(session, document, actor=ADMIN, dry_run=True, policy=TargetPolicy())
    assert [str(issue) for issue in caught.value.issues] == [
        "examples/blastwall.yaml:170: systems[0].canary_target.callable: "
        + python_refusal("subprocess:run", "nothing")
    ]


# --------------------------------------------------------------------------- run time
def test_a_target_no_longer_allowed_fails_its_cases_at_run_time(
    session_factory: sessionmaker[Session],
) -> None:
    with unit_of_work(session_factory) as session:
        make_system(session)
        release(session, "v1", contents("1"))
        canary_set = put_set(session)
        put_target(session)  # allowed by the test allow-list (conftest)
        set_id = canary_set.id
    run_id = runs.run_set(
        session_factory,
        SYSTEM,
        set_id,
        release="v1",
        trigger=runs.Trigger.manual,
        actor=COMMANDER,
        policy=TargetPolicy(),  # an administrator has since emptied the list
    )
    with unit_of_work(session_factory) as session:
        run = runs.service.get_run(session, run_id)
        assert [(r["case"], r["passed"], r["reason"]) for r in run.results] == [
            ("refund", False, python_refusal(LABELLED, "nothing")),
            ("hello", False, python_refusal(LABELLED, "nothing")),
        ]


class _Redirects(BaseHTTPRequestHandler):
    """/away redirects to localhost (a host the test policy leaves out), /here to itself."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        port = self.server.server_address[1]
        if self.path == "/away":
            self._redirect(f"http://localhost:{port}/final")
        elif self.path == "/here":
            self._redirect(f"http://127.0.0.1:{port}/final")
        else:
            body = b"general answer"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(307)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def redirecting() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Redirects)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _http(url: str) -> Target:
    return Target(
        system=SYSTEM, kind=TargetKind.http, url=url, policy=TargetPolicy(("127.0.0.1",), ())
    )


def test_a_redirect_to_a_host_not_allowed_is_not_followed(redirecting: str) -> None:
    [outcome] = run_cases(_http(f"{redirecting}/away"), [HELLO], "v1")
    port = redirecting.rsplit(":", 1)[1]
    assert (outcome.passed, outcome.reason) == (
        False,
        f"{redirecting}/away redirected to http://localhost:{port}/final, refused: "
        + http_refusal(f"localhost:{port}", "only '127.0.0.1'"),
    )


def test_a_redirect_within_allowed_hosts_is_followed(redirecting: str) -> None:
    [outcome] = run_cases(_http(f"{redirecting}/here"), [HELLO], "v1")
    assert (outcome.passed, outcome.output) == (True, "general answer")
