"""Targets: callables by dotted path and a real local HTTP server; failures are failed cases."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from blastwall.canaries.enums import TargetKind
from blastwall.canaries.runner import Target, fill, run_cases
from tests.canaries.factories import case

REFUND = case("refund", "I want my money back", kind="label", value="refund")
HELLO = case("hello", "hello", kind="contains", value="general")


def python(path: str, **kwargs: Any) -> Target:
    return Target(system="support-agent", kind=TargetKind.python, callable=path, **kwargs)


def summary(target: Target, cases: list[dict[str, Any]], release: str | None = "v1") -> list[Any]:
    return [(o.case, o.passed, o.reason) for o in run_cases(target, cases, release)]


def test_a_callable_target_gets_the_prompt_and_release() -> None:
    [outcome] = run_cases(
        python("tests.canaries.targets:echo"),
        [case("e", "hi", kind="exact", value="hi [v7]")],
        "v7",
    )
    assert (outcome.passed, outcome.output, outcome.label, outcome.error) == (
        True,
        "hi [v7]",
        None,
        False,
    )


def test_a_callable_may_return_output_and_label() -> None:
    assert summary(python("tests.canaries.targets:labelled"), [REFUND, HELLO]) == [
        ("refund", True, ""),
        ("hello", True, ""),
    ]
    assert summary(python("tests.canaries.targets:labelled"), [REFUND], "bad-1") == [
        ("refund", False, "expected label 'refund', got label 'general'")
    ]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("tests.canaries.targets:boom", "the callable raised RuntimeError: model backend down"),
        (
            "tests.canaries.nowhere:answer",
            "cannot import 'tests.canaries.nowhere' "
            "(ModuleNotFoundError: No module named 'tests.canaries.nowhere'); "
            "fix the target's callable",
        ),
        (
            "tests.canaries.targets:missing",
            "'tests.canaries.targets' has no function 'missing'; fix the target's callable",
        ),
        (
            "tests.canaries.targets:wrong_type",
            "the target returned int; return the output text "
            "or an object with 'output' (and optionally 'label')",
        ),
    ],
)
def test_a_broken_callable_fails_each_case_with_its_reason(path: str, reason: str) -> None:
    assert summary(python(path), [HELLO, REFUND]) == [
        ("hello", False, reason),
        ("refund", False, reason),
    ]


def test_a_callable_that_does_not_answer_in_time_fails() -> None:
    assert summary(python("tests.canaries.targets:slow", timeout_s=0.05), [HELLO]) == [
        ("hello", False, "no answer within 0.05 s (timeout_s)")
    ]


def test_fill_replaces_placeholders_in_nested_strings() -> None:
    template = {"input": {"text": "{prompt}!"}, "meta": ["{release}", "{system}", 3]}
    assert fill(template, {"prompt": "hi", "release": "v1", "system": "s"}) == {
        "input": {"text": "hi!"},
        "meta": ["v1", "s", 3],
    }


class _Handler(BaseHTTPRequestHandler):
    """Answers by path: /json labels like the 'labelled' target, /text, /fail, /slow."""

    seen: list[Any] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(body)
        if self.path == "/fail":
            self._send(500, b"backend exploded", "text/plain")
        elif self.path == "/text":
            self._send(200, f"general answer to {body['q']}".encode(), "text/plain")
        elif self.path == "/slow":
            threading.Event().wait(1)
            self._send(200, b"{}", "application/json")
        else:
            label = "refund" if "money" in body["prompt"] else "general"
            reply = {"answer": f"routed to {label}", "category": label}
            self._send(200, json.dumps(reply).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def http(url: str, **kwargs: Any) -> Target:
    return Target(system="support-agent", kind=TargetKind.http, url=url, **kwargs)


def test_an_http_target_reads_the_configured_fields(server: str) -> None:
    target = http(f"{server}/json", output_field="answer", label_field="category")
    assert summary(target, [REFUND, HELLO]) == [("refund", True, ""), ("hello", True, "")]
    assert _Handler.seen[-1] == {"prompt": "hello", "release": "v1"}


def test_an_http_body_template_is_filled(server: str) -> None:
    target = http(f"{server}/text", body={"q": "{prompt}", "who": "{system}"})
    assert summary(target, [HELLO]) == [("hello", True, "")]
    assert _Handler.seen[-1] == {"q": "hello", "who": "support-agent"}


def test_a_non_2xx_answer_fails_the_case(server: str) -> None:
    assert summary(http(f"{server}/fail"), [HELLO]) == [
        ("hello", False, f"POST {server}/fail answered HTTP 500: backend exploded")
    ]


def test_an_http_timeout_fails_the_case(server: str) -> None:
    assert summary(http(f"{server}/slow", timeout_s=0.05), [HELLO]) == [
        ("hello", False, f"no answer from {server}/slow within 0.05 s")
    ]


def test_an_unreachable_endpoint_fails_the_case() -> None:
    [(name, passed, reason)] = summary(http("http://127.0.0.1:9/x"), [HELLO])
    assert (name, passed) == ("hello", False)
    assert reason.startswith("POST http://127.0.0.1:9/x failed: ConnectError")
