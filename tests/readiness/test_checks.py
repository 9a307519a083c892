"""Readiness from real data, on both databases: the example as applied, the example made
ready (traces, canary gate, monitors watching, a drill's kill), and a bare system."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from blastwall.readiness import service
from blastwall.readiness.schemas import Readiness
from blastwall.registry.service import get_by_name
from tests.readiness.factories import drill_kill, gate_canaries, monitors_watching, trace
from tests.registry.factories import make_system
from tests.runbook.factories import arrange

Factory = sessionmaker[Session]
S = "support-agent"
AT = datetime(2026, 3, 17, 12, tzinfo=UTC)  # dana.okafor's week on support-primary
APPLY = "then: blastwall apply -f blastwall.yaml"
GUARD = (
    'guard = Guard(system="support-agent", environment="prod", server=URL): leave release= '
    "unset, the Guard follows the release in force (docs/sdk.md)"
)
MONITORS = [
    "canary-failures",
    "compliance-hits",
    "customer-flags",
    "fraud-share",
    "injection-attempts",
    "latency",
    "pii-in-answers",
    "refunds-issued",
    "refusals",
    "reply-length",
    "review-accuracy",
]


def table(readiness: Readiness) -> list[tuple[str, bool, str, str | None]]:
    return [(c.name, c.ok, c.detail, c.fix) for c in readiness.checks]


def test_the_example_as_applied_names_what_is_missing_with_its_fix(
    session_factory: Factory,
) -> None:
    arrange(session_factory)
    with session_factory() as session:
        ready = service.for_system(session, S, now=AT)
    learning = ", ".join(f"{m} (learning)" for m in MONITORS)
    assert table(ready) == [
        (
            "versioned_surfaces",
            False,
            "v2 is in force in prod but no trace in the last 24 h carries a release",
            GUARD,
        ),
        (
            "traces_arriving",
            False,
            "0 trace(s) from prod in the last 24 h",
            'wrap each model call in `with guard.call(...)` of Guard(system="support-agent", '
            'environment="prod", server=URL, token=TOKEN) (docs/sdk.md)',
        ),
        (
            "canary_gate",
            False,
            "the canary target has release_gate off",
            f"systems:\n  - name: {S}\n    canary_target: {{kind: http, url: URL, "
            f"release_gate: true}}\n    canaries: [...]\n{APPLY}",
        ),
        (
            "monitors",
            False,
            f"not watching yet: {learning}",
            f"blastwall monitor list {S}  (learning ends after the reference window)",
        ),
        (
            "action_gates",
            False,
            "issue_refund never seen gated",
            'guard.declare_action("issue_refund", reversible=False, approval=True)  (docs/sdk.md)',
        ),
        ("fallback", True, ready.checks[5].detail, None),
        (
            "kill_exercised",
            False,
            "no kill pulled since 2025-12-17",
            f'blastwall kill {S} --env staging --reason "drill" && '
            f'blastwall restore {S} --env staging --reason "drill"',
        ),
        ("on_call", True, "policy support: dana.okafor, sam.adeyemi", None),
        ("owner", True, "owner: Dana Okafor (support-ml team)", None),
        ("runbook", True, "triage tree, known-good release and policies", None),
    ]
    assert ready.checks[5].detail.startswith("fallback: Tickets go to the human support queue")
    assert (ready.passed, ready.total, ready.score) == (4, 10, 0.4)
    assert (ready.system, ready.environment, ready.at) == (S, "prod", AT)


def test_traces_a_gated_refund_canaries_watching_monitors_and_a_drill_make_it_ready(
    session_factory: Factory,
) -> None:
    arrange(session_factory)
    with session_factory() as session, session.begin():
        system = get_by_name(session, S)
        kill = drill_kill(session, S)
        now = kill.at + timedelta(minutes=1)
        gated = {
            "name": "issue_refund",
            "reversible": False,
            "status": "approved",
            "gate": "approval",
        }
        trace(session, S, now - timedelta(hours=25), release=None)  # too old to count
        trace(session, S, now - timedelta(hours=1), actions=[gated])
        trace(session, S, now - timedelta(minutes=5))
        gate_canaries(session, S)
        monitors_watching(session, system.id)
    with session_factory() as session:
        ready = service.for_system(session, S, now=now)
        later = service.for_system(session, S, now=now + timedelta(days=90))
    checks = {c.name: c for c in ready.checks}
    assert {name: (c.ok, c.detail) for name, c in checks.items() if name != "fallback"} == {
        "versioned_surfaces": (True, "v2 in force in prod; the newest trace ran v2"),
        "traces_arriving": (True, "2 trace(s) from prod in the last 24 h"),
        "canary_gate": (True, "releases must pass canaries before activation"),
        "monitors": (True, "11 monitor(s) watching: " + ", ".join(MONITORS)),
        "action_gates": (True, "gated: issue_refund"),
        "kill_exercised": (
            True,
            f"last pulled {kill.at:%Y-%m-%d %H:%M} UTC by drill:kill-1 on {S}/staging",
        ),
        "on_call": (True, checks["on_call"].detail),
        "owner": (True, "owner: Dana Okafor (support-ml team)"),
        "runbook": (True, "triage tree, known-good release and policies"),
    }
    # Whoever's week it is on the real clock, the level-2 lead is paged after them.
    assert checks["on_call"].detail in {
        "policy support: dana.okafor, sam.adeyemi",
        "policy support: lee.chen, sam.adeyemi",
    }
    assert all(c.fix is None for c in ready.checks)
    assert (ready.passed, ready.total, ready.score) == (10, 10, 1.0)
    # 90 days on, the drill no longer counts; traces (and the gated refund) are a day old.
    stale = {c.name: c.detail for c in later.checks if not c.ok}
    assert stale["kill_exercised"] == f"no kill pulled since {now:%Y-%m-%d}"
    assert sorted(stale) == [
        "action_gates",
        "kill_exercised",
        "traces_arriving",
        "versioned_surfaces",
    ]


def test_a_bare_system_fails_each_check_with_the_fix_for_it(session_factory: Factory) -> None:
    with session_factory() as session, session.begin():
        make_system(session, fallback="")
        ungated = {"name": "issue-refund", "reversible": False, "status": "fired", "gate": None}
        trace(session, S, AT - timedelta(hours=2), release=None, actions=[ungated])
    with session_factory() as session:
        ready = service.for_system(session, S, now=AT)
        everyone = service.for_all(session, now=AT)
    assert everyone == [ready]
    failed = {c.name: (c.detail, c.fix) for c in ready.checks if not c.ok}
    assert failed == {
        "versioned_surfaces": (
            "no release yet: prompts, models and sources are not versioned",
            f"blastwall release create {S} v1 --surface kb=FILE.yaml",
        ),
        "canary_gate": failed["canary_gate"],
        "monitors": (
            "no enabled monitor",
            f"systems:\n  - name: {S}\n    monitors:\n      - {{name: refusals, signal: "
            f"refusal_rate, environment: prod}}\n{APPLY}",
        ),
        "action_gates": (
            "issue-refund fired without a gate",
            'guard.declare_action("issue-refund", reversible=False, approval=True)  (docs/sdk.md)',
        ),
        "fallback": (
            "no fallback declared",
            f'systems:\n  - name: {S}\n    fallback: "Tickets go to the human queue."\n'
            f"    stale_policy: safe_mode\n    stale_after_s: 60\n{APPLY}\n"
            'and in the app: @guard.fallback("safe_mode")',
        ),
        "kill_exercised": (
            "no kill pulled since 2025-12-17",
            f'blastwall kill {S} --env staging --reason "drill" && '
            f'blastwall restore {S} --env staging --reason "drill"',
        ),
        "on_call": (
            "no escalation policy covers a severity 1",
            f"oncall:\n  coverage:\n    - policy: POLICY\n      systems: [{S}]\n{APPLY}",
        ),
        "runbook": (
            "missing: triage tree, known-good release, auto-containment policy",
            f"triage:\n  - system: {S}\n    questions: [...]\n{APPLY}\n"
            f'blastwall release mark-known-good {S} RELEASE --reason "WHY"\n'
            f"policies:\n  - name: NAME\n    system: {S}\n    ...\n{APPLY}",
        ),
    }
    assert [c.name for c in ready.checks if c.ok] == ["traces_arriving", "owner"]
    assert (ready.passed, ready.score) == (2, 0.2)
    assert str(ready) == (
        "2/10 ready; missing: versioned_surfaces, canary_gate, monitors, action_gates, "
        "fallback, kill_exercised, on_call, runbook"
    )
