"""How each signal turns stored calls into observations, missing values and bad values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from blastwall.detect.monitors.enums import Signal
from blastwall.detect.signals import (
    FEEDBACK_COLUMNS,
    Observations,
    Rows,
    Spec,
    observe,
    parse_params,
    trace_columns,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NAMES = trace_columns(
    [
        Spec(s, parse_params(s, _p), None)
        for s, _p in [
            (Signal.refusal_rate, {}),
            (Signal.latency, {}),
            (Signal.confidence, {}),
            (Signal.filter_hit_rate, {}),
            (Signal.action_rate, {"action": "a"}),
            (Signal.input_numeric, {"attribute": "a"}),
        ]
    ]
)


def row(index: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": index + 1,
        "system": "bot",
        "environment": "prod",
        "at": T0 + timedelta(seconds=index),
        "received_at": T0 + timedelta(seconds=index),
        "trace_id": f"t{index}",
        "decision": "proceed",
        "outcome": "ok",
        "canary": False,
        "label": None,
        "output_text": None,
        "latency_ms": None,
        "confidence": None,
        "actions": [],
        "filters": [],
        "attributes": {},
    }
    return base | fields


def observed(signal: Signal, calls: list[dict[str, Any]], **params: Any) -> Observations:
    rows = Rows.of(NAMES, [tuple(c[n] for n in NAMES) for c in calls])
    environment = params.pop("environment", None)
    spec = Spec(signal, parse_params(signal, params), environment)
    return observe(spec, rows, np.arange(len(calls)))


def test_refusals_are_recognised_by_phrase_or_label_in_the_opening_words() -> None:
    calls = [
        row(0, output_text="I'm sorry, but I can't help with that."),
        row(1, output_text="I can\u2019t assist with chargebacks."),
        row(2, output_text="Sure, your refund of 30 EUR is on its way."),
        row(3, label="refusal", output_text="(policy)"),
        row(4, output_text="x" * 300 + " I cannot help with that"),
        row(5),  # neither label nor output: nothing to observe
        row(6, output_text="As an AI, I have no opinion."),
    ]
    result = observed(Signal.refusal_rate, calls)
    assert result.values.tolist() == [1, 1, 0, 1, 0, 1]
    assert result.trace_ids.tolist() == ["t0", "t1", "t2", "t3", "t4", "t6"]
    assert (result.missing, dict(result.bad)) == (1, {})
    custom = observed(Signal.refusal_rate, calls[:4], patterns=["refund"], label=None)
    assert custom.values.tolist() == [0, 0, 1, 0]


def test_numbers_that_cannot_be_observations_are_counted_by_reason() -> None:
    latencies = [12.5, float("nan"), float("inf"), -1.0, None, 40.0]
    result = observed(Signal.latency, [row(i, latency_ms=v) for i, v in enumerate(latencies)])
    assert result.values.tolist() == [12.5, 40.0]
    assert (result.missing, dict(result.bad)) == (1, {"NaN": 1, "infinite": 1, "negative": 1})
    confidence = observed(Signal.confidence, [row(0, confidence=0.9), row(1, confidence=1.5)])
    assert (confidence.values.tolist(), dict(confidence.bad)) == ([0.9], {"above 1": 1})
    lengths = observed(Signal.response_length, [row(0, output_text="four"), row(1)])
    assert (lengths.values.tolist(), lengths.missing) == ([4.0], 1)


def test_levers_take_calls_out_of_model_signals_but_not_out_of_input_signals() -> None:
    calls = [
        row(0, latency_ms=10.0, attributes={"amount": 5}),
        row(1, decision="killed", latency_ms=1.0, attributes={"amount": 6}),
        row(2, decision="safe_mode", latency_ms=1.0, attributes={"amount": 7}),
        row(3, decision="reroute", latency_ms=20.0, attributes={"amount": -8}),
        row(
            4,
            outcome="blocked",
            latency_ms=2.0,
            attributes={"amount": 9},
            filters=[{"filter": "pii", "stage": "input"}],
        ),
    ]
    assert observed(Signal.latency, calls).values.tolist() == [10.0, 20.0]
    amounts = observed(Signal.input_numeric, calls, attribute="amount")
    assert amounts.values.tolist() == [5.0, 6.0, 7.0, -8.0, 9.0]  # signed features allowed
    hits = observed(Signal.filter_hit_rate, calls)
    assert hits.values.tolist() == [0, 0, 1]  # proceed, reroute, and the blocked call


def test_rates_of_actions_filters_and_patterns() -> None:
    calls = [
        row(0, actions=[{"name": "issue_refund", "status": "fired"}], output_text="See HTTPS://x"),
        row(1, actions=[{"name": "issue_refund", "status": "approved"}]),
        row(2, actions=[{"name": "issue_refund", "status": "refused"}], output_text="no link"),
        row(
            3,
            actions=[{"name": "close_ticket", "status": "fired"}],
            filters=[{"filter": "pii", "stage": "output"}],
        ),
        row(4, filters=[{"filter": "secrets", "stage": "output"}]),
    ]
    refunds = observed(Signal.action_rate, calls, action="issue_refund")
    assert refunds.values.tolist() == [1, 1, 0, 0, 0]
    fired = observed(Signal.action_rate, calls, action="issue_refund", statuses=["fired"])
    assert fired.values.tolist() == [1, 0, 0, 0, 0]
    pii = observed(Signal.filter_hit_rate, calls, filter="pii", stage="output")
    assert pii.values.tolist() == [0, 0, 0, 1, 0]
    links = observed(Signal.output_pattern, calls, pattern="https?://")
    assert (links.values.tolist(), links.missing) == ([1, 0], 3)
    exact = observed(Signal.output_pattern, calls, pattern="https?://", ignore_case=False)
    assert exact.values.tolist() == [0, 0]


def test_categorical_inputs_accept_text_numbers_and_booleans_only() -> None:
    values = ["de", 3, True, [1], None, 2.5]
    calls = [row(i, attributes={"country": v}) for i, v in enumerate(values)]
    result = observed(Signal.input_category, calls, attribute="country")
    assert result.values.tolist() == ["de", "3", "true"]
    assert result.missing == 1
    assert dict(result.bad) == {"not a category (a text, whole number or boolean)": 2}


def test_the_environment_narrows_what_a_monitor_sees() -> None:
    calls = [row(0, latency_ms=1.0), row(1, environment="staging", latency_ms=2.0)]
    assert observed(Signal.latency, calls, environment="staging").values.tolist() == [2.0]


def test_feedback_flags_and_calls_merge_in_arrival_order() -> None:
    calls = [row(0), row(2), row(4, decision="killed")]
    flags = [
        (1, "bot", "prod", T0, T0 + timedelta(seconds=1), "t0", "wrong"),
        (2, "bot", "prod", T0, T0 + timedelta(seconds=3), "t2", "correct"),
        (3, "bot", "staging", T0, T0 + timedelta(seconds=3), "t2", "harmful"),
        (4, "bot", "prod", T0, T0 + timedelta(seconds=5), "t2", "harmful"),
    ]
    traces = Rows.of(NAMES, [tuple(c[n] for n in NAMES) for c in calls])
    feedback = Rows.of(FEEDBACK_COLUMNS, flags)
    spec = Spec(Signal.feedback_rate, parse_params(Signal.feedback_rate, {}), "prod")
    result = observe(spec, traces, np.arange(3), feedback, np.arange(4))
    # call t0, flag (wrong), call t2, flag (harmful); 'correct', staging and killed left out
    assert result.values.tolist() == [0, 1, 0, 1]
    assert result.trace_ids.tolist() == ["t0", "t0", "t2", "t2"]


@pytest.mark.parametrize(
    ("signal", "params", "problem"),
    [
        (Signal.output_pattern, {}, "params.pattern: is required by output_pattern"),
        (Signal.refusal_rate, {"patterns": []}, "params.patterns: give at least one pattern"),
        (
            Signal.output_category,
            {"categories": ["a", "a"]},
            "params.categories: each category may be listed once",
        ),
        (Signal.action_rate, {"action": "x", "statuses": ["gone"]}, "params.statuses.0: Input"),
        (Signal.feedback_rate, {"ratings": ["meh"]}, "params.ratings.0: Input should be"),
    ],
)
def test_parameters_are_checked_naming_the_key(
    signal: Signal, params: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValueError, match="^" + problem.replace(".", r"\.")):
        parse_params(signal, params)
