"""Loading blastwall.yaml: the example is valid; every mistake names file, line, key and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_document, load_file, load_text, parse
from tests.config_as_code.factories import EXAMPLE, EXAMPLE_NAME, example, example_text


def problems(*edits: tuple[str, str]) -> list[str]:
    """The error lines for the example with ``edits`` made (it must fail)."""
    with pytest.raises(ConfigError) as caught:
        example(*edits)
    return str(caught.value).splitlines()


def test_example_describes_the_support_agent() -> None:
    document = load_file(EXAMPLE)
    [system] = document.systems
    assert system.name == "support-agent"
    assert system.environments == ["staging", "prod"]
    assert {a.name: a.reversible for a in system.actions} == {
        "send_reply": True,
        "escalate_to_human": True,
        "account_hold": True,
        "issue_refund": False,
        "close_ticket": True,
    }
    assert [(s.name, s.kind.value) for s in system.surfaces] == [
        ("router-model", "model"),
        ("system-prompt", "prompt"),
        ("help-centre", "retrieval"),
        ("generation", "config"),
    ]
    router = system.surfaces[0].content or {}
    assert router["output_categories"] == ["general", "refund", "fraud", "account_access"]
    assert system.surfaces[3].content == {
        "temperature": 0.2,
        "max_tokens": 600,
        "refund_limit_eur": 200,
    }
    assert document.authority is not None
    assert [r.subject for r in document.authority.rules] == [
        "role:responder",
        "person:dana.okafor",
        "role:commander",
        "policy:rollback-hot-release",
    ]
    assert document.severity_matrix is not None
    assert document.source.file == str(EXAMPLE)
    assert document.source.line_of(("systems", 0, "risk_tier")) == 14


def test_bad_value_names_file_line_path_and_choices() -> None:
    assert problems(("risk_tier: high", "risk_tier: extreme")) == [
        "examples/blastwall.yaml:14: systems[0].risk_tier: "
        "'extreme' is not one of low, medium, high, critical"
    ]


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    assert problems(
        ("    owner: Dana Okafor (support-ml team)\n", "    ownr: Dana Okafor\n"),
        ("reversible: false", 'reversible: "no"'),
        ("stale_after_s: 60", "stale_after_s: 0"),
    ) == [
        "examples/blastwall.yaml:8: systems[0].owner: "
        "is required: add 'owner:' here (docs/configuration.md lists every key)",
        "examples/blastwall.yaml:13: systems[0].ownr: is not a known key (did you mean 'owner'?): "
        "remove it or use one of name, description, owner, risk_tier, environments, fallback, "
        "stale_policy, stale_after_s, retention_days, hold_severity, actions, surfaces, "
        "monitors, review, canary_target, canaries, regimes",
        "examples/blastwall.yaml:21: systems[0].stale_after_s: 0 is too small: use 1 or more",
        "examples/blastwall.yaml:42: systems[0].actions[3].reversible: "
        "expected true or false, got the text 'no'",
    ]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            ("environments: [staging, prod]", "environments: prod"),
            "examples/blastwall.yaml:15: systems[0].environments: "
            "expected a list, got the text 'prod': write [a, b] or '- item' lines",
            id="list-type",
        ),
        pytest.param(
            ("kind: retrieval", "kind: index"),
            "examples/blastwall.yaml:68: systems[0].surfaces[2].kind: "
            "'index' is not one of model, prompt, retrieval, config",
            id="surface-kind",
        ),
        pytest.param(
            ("  - name: support-agent", "  - name: Support Agent"),
            "examples/blastwall.yaml:8: systems[0].name: 'Support Agent' is not a valid name: "
            "use 1-100 lower-case letters, digits, '.', '_' or '-', starting with a letter or "
            "digit (e.g. support-agent)",
            id="name",
        ),
        pytest.param(
            ("version: 1", "version: 2"),
            "examples/blastwall.yaml:5: version: 2 is not a supported version: write 'version: 1'",
            id="version",
        ),
        pytest.param(
            ("    stale_after_s: 60\n", ""),
            "examples/blastwall.yaml:20: systems[0].stale_policy: safe_mode needs "
            "stale_after_s: add e.g. 'stale_after_s: 60' (seconds without fresh lever state "
            "before instances fall to safe mode)",
            id="safe-mode-needs-staleness",
        ),
        pytest.param(
            ("      - name: close_ticket", "      - name: send_reply"),
            "examples/blastwall.yaml:44: systems[0].actions[4].name: action 'send_reply' is "
            "declared twice (also systems[0].actions[0]): rename or remove one",
            id="duplicate-action",
        ),
        pytest.param(
            # YAML 1.2 reads a plain 2024-11-02 as text; only an explicit tag makes a date.
            (
                "          top_k: 5\n",
                "          top_k: 5\n          built: !!timestamp 2024-11-02\n",
            ),
            "examples/blastwall.yaml:73: systems[0].surfaces[2].content.built: "
            "2024-11-02 is read as a date: put it in quotes to keep it text",
            id="date-in-content",
        ),
        pytest.param(
            ("levers: [kill, restore]", "levers: [kill, unplug]"),
            "examples/blastwall.yaml:206: authority.rules[0].levers[1]: 'unplug' is not a lever: "
            "use one of kill, human_fallback, safe_mode, reroute, filters, disable_tools, "
            "narrow_retrieval, restore, or '*'",
            id="lever",
        ),
        pytest.param(
            ("subject: role:commander", "subject: role:viewer"),
            "examples/blastwall.yaml:213: authority.rules[2].subject: "
            "viewers cannot change levers; name role:responder or higher, or a person",
            id="viewer-subject",
        ),
        pytest.param(
            (
                "severe: {reversible: 1, irreversible: 1}",
                "severe: {reversible: 1, irreversible: 4}",
            ),
            "examples/blastwall.yaml:257: severity_matrix.cells.severe.irreversible.severity: "
            "is 4; use 1 (most severe), 2 or 3",
            id="matrix-cell",
        ),
    ],
)
def test_each_mistake_gets_an_exact_message(edit: tuple[str, str], expected: str) -> None:
    assert problems(edit) == [expected]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            ("    risk_tier: high", "    risk_tier: high: x"),
            "examples/blastwall.yaml:14: systems[0].risk_tier: invalid YAML: mapping values are "
            "not allowed here (column 20); check the indentation, the ':' after each key, and "
            "closing quotes/brackets",
            id="colon",
        ),
        pytest.param(
            ("    risk_tier: high", "\trisk_tier: high"),
            "examples/blastwall.yaml:14: systems[0].risk_tier: invalid YAML: found character "
            "'\\t' that cannot start any token (column 1); indent with spaces: YAML does not "
            "allow tabs",
            id="tab",
        ),
        pytest.param(
            ("    risk_tier: high\n", "    risk_tier: high\n    risk_tier: low\n"),
            "examples/blastwall.yaml:15: systems[0].risk_tier: "
            "is written twice (also on line 14): keep one of them",
            id="duplicate-key",
        ),
    ],
)
def test_yaml_errors_give_file_line_and_key(edit: tuple[str, str], expected: str) -> None:
    assert problems(edit) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "x.yaml:1: <document>: the file is empty: start it with 'version: 1'"),
        ("- a\n", "x.yaml:1: <document>: expected a mapping of keys to values, got a list"),
        (
            "systems: []\n",
            "x.yaml:1: version: is required: start the file with 'version: 1'",
        ),
    ],
)
def test_a_file_that_is_not_a_document_says_how_to_start(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_text(text, file="x.yaml")
    assert str(caught.value) == expected


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_file(tmp_path / "nope.yaml")
    assert str(caught.value) == (
        f"{tmp_path / 'nope.yaml'}: <document>: file not found: check the path, or create it"
    )


def test_error_carries_structured_issues_for_the_api() -> None:
    with pytest.raises(ConfigError) as caught:
        example(("risk_tier: high", "risk_tier: extreme"))
    error = caught.value
    assert error.status_code == 422
    assert error.extra["errors"] == [
        {
            "file": EXAMPLE_NAME,
            "line": 14,
            "path": "systems[0].risk_tier",
            "message": "'extreme' is not one of low, medium, high, critical",
        }
    ]
    assert error.detail.startswith("the configuration has 1 problem: examples/blastwall.yaml:14")


def test_json_document_errors_name_the_path_without_a_line() -> None:
    data = load_document(EXAMPLE)
    data["systems"][0]["risk_tier"] = "extreme"
    with pytest.raises(ConfigError) as caught:
        parse(data)
    assert str(caught.value) == (
        "systems[0].risk_tier: 'extreme' is not one of low, medium, high, critical"
    )


def test_load_document_round_trips_as_json() -> None:
    data = load_document(EXAMPLE)
    assert json.loads(json.dumps(data)) == data
    assert parse(data).model_dump() == load_file(EXAMPLE).model_dump()


def test_anchors_and_merge_keys_are_understood() -> None:
    text = example_text(
        ("    risk_tier: high\n", "    <<: &tier {risk_tier: high}\n"),
    )
    assert load_text(text).systems[0].risk_tier.value == "high"
