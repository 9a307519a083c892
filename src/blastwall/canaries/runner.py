"""Send canary prompts to a target and judge the answers; never raises for a bad target.

Every way a target can fail (an import error, an exception, a timeout, a non-2xx answer, a
reply of the wrong shape) becomes a failed case with its reason, so one broken target
neither stops the scheduler nor hides the other cases.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from blastwall.canaries import checks
from blastwall.canaries.enums import TargetKind
from blastwall.canaries.policy import TargetPolicy

_BODY_DEFAULT = {"prompt": "{prompt}", "release": "{release}"}
_SHOWN = 200


@dataclass(frozen=True)
class Target:
    """A snapshot of a system's target settings (read in a transaction, used outside it)."""

    system: str
    kind: TargetKind
    callable: str | None = None
    url: str | None = None
    method: str = "POST"
    body: Any = None
    output_field: str = "output"
    label_field: str = "label"
    timeout_s: float = 10.0
    # Checked on every call: the allow-lists may have changed since the target was stored.
    policy: TargetPolicy = field(default_factory=TargetPolicy.of)


@dataclass(frozen=True)
class Answer:
    """What the target said, or why it said nothing (``error``)."""

    output: str | None = None
    label: str | None = None
    error: str | None = None


def fill(template: Any, values: Mapping[str, str]) -> Any:
    """The body template with each ``{name}`` in its strings replaced (keys too)."""
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {fill(k, values): fill(v, values) for k, v in template.items()}
    return template


def load_callable(path: str) -> Callable[..., Any]:
    """The function at 'module.path:function'; ValueError says what could not be found."""
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ValueError(f"cannot import {module_name!r} ({type(exc).__name__}: {exc})") from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ValueError(f"{module_name!r} has no function {attribute!r}")
    return function  # type: ignore[no-any-return]


def _from_reply(reply: Any, output_field: str, label_field: str) -> Answer:
    if isinstance(reply, str):
        return Answer(output=reply)
    if isinstance(reply, Mapping):
        output, label = reply.get(output_field), reply.get(label_field)
        if output is not None and not isinstance(output, str):
            output = _as_text(output)
        return Answer(output=output, label=None if label is None else str(label))
    return Answer(
        error=f"the target returned {type(reply).__name__}; return the output text or an "
        f"object with {output_field!r} (and optionally {label_field!r})"
    )


def _as_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _call_python(target: Target, prompt: str, release: str | None) -> Answer:
    assert target.callable is not None
    refused = target.policy.callable_problem(target.callable)
    if refused is not None:
        return Answer(error=refused)
    try:
        function = load_callable(target.callable)
    except ValueError as exc:
        return Answer(error=f"{exc}; fix the target's callable")
    # A daemon thread, not an executor: a hung callable must neither hold up the run nor
    # keep the process from exiting.
    result: dict[str, Any] = {}

    def call() -> None:
        try:
            result["reply"] = function(prompt, release=release)
        except Exception as exc:
            result["error"] = exc

    worker = threading.Thread(target=call, name="canary-call", daemon=True)
    worker.start()
    worker.join(target.timeout_s)
    if worker.is_alive():
        return Answer(error=f"no answer within {target.timeout_s:g} s (timeout_s)")
    if "error" in result:
        raised = result["error"]
        return Answer(error=f"the callable raised {type(raised).__name__}: {raised}")
    reply = result["reply"]
    return _from_reply(reply, "output", "label")


def _call_http(target: Target, prompt: str, release: str | None, client: httpx.Client) -> Answer:
    assert target.url is not None
    template = _BODY_DEFAULT if target.body is None else target.body
    body = fill(template, {"prompt": prompt, "release": release or "", "system": target.system})
    try:
        if target.method == "GET":
            response = client.request("GET", target.url, timeout=target.timeout_s)
        else:
            response = client.request(
                target.method, target.url, json=body, timeout=target.timeout_s
            )
    except _Refused as exc:
        return Answer(error=str(exc))
    except httpx.TimeoutException:
        return Answer(error=f"no answer from {target.url} within {target.timeout_s:g} s")
    except httpx.HTTPError as exc:
        return Answer(error=f"{target.method} {target.url} failed: {type(exc).__name__}: {exc}")
    if not response.is_success:
        return Answer(
            error=f"{target.method} {target.url} answered HTTP {response.status_code}: "
            f"{response.text[:_SHOWN]}"
        )
    try:
        reply = response.json()
    except ValueError:
        return Answer(output=response.text)
    return _from_reply(reply, target.output_field, target.label_field)


@dataclass(frozen=True)
class Outcome:
    """One case's result, as stored on the run."""

    case: str
    prompt: str
    passed: bool
    output: str | None
    label: str | None
    reason: str
    latency_ms: float | None
    error: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "prompt": self.prompt,
            "passed": self.passed,
            "output": self.output,
            "label": self.label,
            "reason": self.reason,
            "latency_ms": self.latency_ms,
        }


class _Refused(Exception):
    """A request (the first, or a redirect) to a host the policy does not allow."""


def _guard(target: Target) -> Callable[[httpx.Request], None]:
    """An httpx request hook: httpx calls it before every request, redirects included."""

    def check(request: httpx.Request) -> None:
        problem = target.policy.url_problem(request.url)
        if problem is None:
            return
        if target.url is not None and str(request.url) != str(httpx.URL(target.url)):
            problem = f"{target.url} redirected to {request.url}, refused: {problem}"
        raise _Refused(problem)

    return check


def run_cases(target: Target, cases: list[dict[str, Any]], release: str | None) -> list[Outcome]:
    """Ask the target every case's prompt and judge each answer; never raises."""
    outcomes = []
    hooks = {"request": [_guard(target)]}
    with httpx.Client(follow_redirects=True, max_redirects=5, event_hooks=hooks) as client:
        for case in cases:
            started = time.perf_counter()
            try:
                if target.kind is TargetKind.python:
                    answer = _call_python(target, case["prompt"], release)
                else:
                    answer = _call_http(target, case["prompt"], release, client)
            except Exception as exc:  # a bug here must not stop the other cases
                answer = Answer(error=f"{type(exc).__name__}: {exc}")
            latency = round((time.perf_counter() - started) * 1000, 3)
            outcomes.append(_judge(case, answer, latency))
    return outcomes


def _judge(case: dict[str, Any], answer: Answer, latency_ms: float) -> Outcome:
    if answer.error is not None:
        return Outcome(
            case["name"], case["prompt"], False, None, None, answer.error, latency_ms, True
        )
    try:
        verdict = checks.evaluate(case["check"], answer.output, answer.label)
    except Exception as exc:  # a stored check this code cannot apply
        verdict = checks.Verdict(False, f"the check could not run: {exc}")
    return Outcome(
        case["name"],
        case["prompt"],
        verdict.passed,
        answer.output,
        answer.label,
        verdict.reason,
        latency_ms,
        False,
    )
