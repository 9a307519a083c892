"""How each monitor signal turns stored events into observations (D1, D2, D5, D6, D7).

Every signal reads a batch of rows column by column (no per-event objects) and returns the
observations of one monitor in arrival order, with the trace id and times of each, plus how
many calls had nothing to observe (``missing``: no label, no output, no such attribute) and
how many had a value that cannot be an observation (``bad``, by reason: NaN, infinite,
negative, out of range, not a number, not a category).  Missing and bad values are counted,
never fed to a detector: they can neither crash the engine nor raise an alarm.

Which calls each signal watches and which parameters it takes: ``detect.signal_params``.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from blastwall.detect import embeddings
from blastwall.detect.detectors import Kind
from blastwall.detect.monitors.enums import Signal
from blastwall.detect.observations import (
    FEEDBACK_COLUMNS,
    REVIEW_COLUMNS,
    TRACE_BASE,
    Observations,
    Rows,
    as_datetime,
)
from blastwall.detect.signal_params import (
    DEFAULT_REFUSAL_PATTERNS,
    MODEL_DECISIONS,
    SIGNALS,
    Calls,
    SignalDef,
    parse_params,
)

# The signal pipeline as other modules import it; parameters and batches live beside it.
__all__ = [
    "FEEDBACK_COLUMNS",
    "MODEL_DECISIONS",
    "REFUSAL_SCAN_CHARS",
    "REVIEW_COLUMNS",
    "SIGNALS",
    "Calls",
    "Observations",
    "Rows",
    "SignalDef",
    "Spec",
    "as_datetime",
    "observe",
    "parse_params",
    "select_calls",
    "trace_columns",
]

# Refusals are recognised in the first characters of an answer, where models put them.
REFUSAL_SCAN_CHARS = 300


@dataclass(frozen=True)
class Spec:
    """The part of a monitor that decides its observations."""

    signal: Signal
    params: dict[str, Any]
    environment: str | None

    @property
    def definition(self) -> SignalDef:
        return SIGNALS[self.signal]


def select_calls(spec: Spec, rows: Rows, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The positions (among ``positions``) of calls this monitor watches."""
    keep = np.ones(positions.shape[0], dtype=bool)
    if spec.environment is not None:
        keep &= rows["environment"][positions] == spec.environment
    calls = spec.definition.calls
    # Canary calls feed canary_failures only (signal_params' module docstring).
    canary = rows.canary[positions]
    keep &= canary if calls is Calls.canary else ~canary
    if calls is Calls.canary:
        return positions[keep]
    if calls is not Calls.every:
        decisions = rows["decision"][positions]
        keep &= (decisions == MODEL_DECISIONS[0]) | (decisions == MODEL_DECISIONS[1])
    if calls is Calls.model:
        keep &= rows["outcome"][positions] == "ok"
    return positions[keep]


def observe(
    spec: Spec,
    traces: Rows,
    positions: npt.NDArray[np.int64],
    feedback: Rows | None = None,
    feedback_positions: npt.NDArray[np.int64] | None = None,
) -> Observations:
    """The monitor's observations from the rows at ``positions`` (one system's rows);
    ``feedback`` holds the rows of the signal's other table (feedback, or review verdicts)."""
    if spec.definition.reviews:
        return _verdicts(spec, feedback, feedback_positions)
    calls = select_calls(spec, traces, positions)
    if spec.signal is Signal.feedback_rate:
        return _feedback(spec, traces, calls, feedback, feedback_positions)
    values, ok, bad = _VALUES[spec.signal](spec.params, traces, calls)
    kept = calls[ok]
    return Observations(
        values[ok],
        traces["trace_id"][kept],
        traces["at"][kept],
        traces.received[kept],
        missing=int(np.count_nonzero(~ok)) - sum(bad.values()),
        bad=bad,
    )


Extracted = tuple[npt.NDArray[Any], npt.NDArray[np.bool_], Counter[str]]


def _present(column: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    return np.fromiter((v is not None for v in column), np.bool_, column.shape[0])


def _categories(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    labels = rows["label"][calls]
    return labels, _present(labels), Counter()


def _numbers(raw: npt.NDArray[Any], *, negative: bool, upper: float | None = None) -> Extracted:
    """Floats from a column that may hold None (missing) or bad numbers (counted)."""
    ok = _present(raw)
    values = np.zeros(raw.shape[0], dtype=np.float64)
    bad: Counter[str] = Counter()
    for position in np.flatnonzero(ok):
        value = raw[position]
        if isinstance(value, bool) or not isinstance(value, int | float):
            reason = "not a number"
        elif math.isnan(value):
            reason = "NaN"
        elif math.isinf(value):
            reason = "infinite"
        elif value < 0 and not negative:
            reason = "negative"
        elif upper is not None and value > upper:
            reason = f"above {upper:g}"
        else:
            values[position] = value
            continue
        bad[reason] += 1
        ok[position] = False
    return values, ok, bad


def _latency(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    return _numbers(rows["latency_ms"][calls], negative=False)


def _confidence(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    return _numbers(rows["confidence"][calls], negative=False, upper=1.0)


def _length(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    outputs = rows["output_text"][calls]
    ok = _present(outputs)
    lengths = np.fromiter((len(o) if o is not None else 0 for o in outputs), np.float64)
    return lengths, ok, Counter()


@functools.lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...], ignore_case: bool) -> re.Pattern[str]:
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


def _refusal(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    search = _compiled(tuple(params["patterns"] or DEFAULT_REFUSAL_PATTERNS), True).search
    marker = params["label"]
    labels, outputs = rows["label"][calls], rows["output_text"][calls]
    ok = _present(labels) | _present(outputs)
    values = np.fromiter(
        (
            (marker is not None and label == marker)
            or (output is not None and search(output, 0, REFUSAL_SCAN_CHARS) is not None)
            for label, output in zip(labels, outputs, strict=True)
        ),
        np.int64,
        labels.shape[0],
    )
    return values, ok, Counter()


def _pattern(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    search = _compiled((params["pattern"],), params["ignore_case"]).search
    outputs = rows["output_text"][calls]
    values = np.fromiter(
        (o is not None and search(o) is not None for o in outputs), np.int64, outputs.shape[0]
    )
    return values, _present(outputs), Counter()


def _filter_hits(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    name, stage = params["filter"], params["stage"]

    def hit(records: Any) -> bool:
        return any(
            isinstance(r, dict)
            and (name is None or r.get("filter") == name)
            and (stage is None or r.get("stage") == stage)
            for r in records or ()
        )

    column = rows["filters"][calls]
    values = np.fromiter((hit(r) for r in column), np.int64, column.shape[0])
    return values, np.ones(column.shape[0], dtype=bool), Counter()


def _actions(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    name, statuses = params["action"], set(params["statuses"])

    def fired(records: Any) -> bool:
        return any(
            isinstance(r, dict) and r.get("name") == name and r.get("status") in statuses
            for r in records or ()
        )

    column = rows["actions"][calls]
    values = np.fromiter((fired(r) for r in column), np.int64, column.shape[0])
    return values, np.ones(column.shape[0], dtype=bool), Counter()


def _canary_failed(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    """1 when the canary case failed, 0 when it passed: one observation per case run."""
    passed = _attribute({"attribute": "canary_passed"}, rows, calls)
    ok = np.fromiter((isinstance(p, bool) for p in passed), np.bool_, passed.shape[0])
    values = np.fromiter((p is False for p in passed), np.int64, passed.shape[0])
    return values, ok, Counter()


def _attribute(
    params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]
) -> npt.NDArray[Any]:
    key = params["attribute"]
    raw = np.empty(calls.shape[0], dtype=object)
    raw[:] = [a.get(key) if isinstance(a, dict) else None for a in rows["attributes"][calls]]
    return raw


def _input_numeric(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    return _numbers(_attribute(params, rows, calls), negative=True)


def _input_category(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    raw = _attribute(params, rows, calls)
    ok = _present(raw)
    bad: Counter[str] = Counter()
    for position in np.flatnonzero(ok):
        value = raw[position]
        if isinstance(value, str):
            continue
        if isinstance(value, bool | int):
            raw[position] = str(value).lower() if isinstance(value, bool) else str(value)
            continue
        bad["not a category (a text, whole number or boolean)"] += 1
        ok[position] = False
    return raw, ok, bad


def _input_embedding(params: dict[str, Any], rows: Rows, calls: npt.NDArray[np.int64]) -> Extracted:
    """The category of each input text's embedding (its bucket, or its nearest topic)."""
    raw = rows["input_text"][calls]
    ok = _present(raw)
    bad: Counter[str] = Counter()
    for position in np.flatnonzero(ok):
        value = raw[position]
        if isinstance(value, str) and value.strip():
            continue
        bad["empty text" if isinstance(value, str) else "not a text"] += 1
        ok[position] = False
    positions = np.flatnonzero(ok)
    if positions.shape[0]:
        raw[positions] = embeddings.assign([raw[p] for p in positions], params)
    return raw, ok, bad


_VALUES = {
    Signal.output_category: _categories,
    Signal.refusal_rate: _refusal,
    Signal.response_length: _length,
    Signal.latency: _latency,
    Signal.confidence: _confidence,
    Signal.filter_hit_rate: _filter_hits,
    Signal.output_pattern: _pattern,
    Signal.input_numeric: _input_numeric,
    Signal.input_category: _input_category,
    Signal.input_embedding: _input_embedding,
    Signal.action_rate: _actions,
    Signal.canary_failures: _canary_failed,
}


def _feedback(
    spec: Spec,
    traces: Rows,
    calls: npt.NDArray[np.int64],
    feedback: Rows | None,
    positions: npt.NDArray[np.int64] | None,
) -> Observations:
    """Calls (0) and flags (1) merged in arrival order: the share of flags among them is
    f / (1 + f) for f flags per call, so it moves exactly when flags per call move.

    Flags arrive minutes after their call, so a per-call 0/1 would be wrong for every call
    still waiting for its flag; counting flags as their own events needs no waiting.
    """
    flags = np.empty(0, dtype=np.int64)
    if feedback is not None and positions is not None and positions.shape[0]:
        keep = np.isin(feedback["rating"][positions], spec.params["ratings"])
        if spec.environment is not None:
            keep &= feedback["environment"][positions] == spec.environment
        flags = positions[keep]
    received = np.concatenate([traces.received[calls], _received(feedback, flags)])
    order = np.argsort(received, kind="stable")
    values = np.concatenate([np.zeros(calls.shape[0], np.int64), np.ones(flags.shape[0], np.int64)])
    trace_ids = np.concatenate([traces["trace_id"][calls], _column(feedback, "trace_id", flags)])
    at = np.concatenate([traces["at"][calls], _column(feedback, "at", flags)])
    return Observations(values[order], trace_ids[order], at[order], received[order])


def _verdicts(
    spec: Spec, verdicts: Rows | None, positions: npt.NDArray[np.int64] | None
) -> Observations:
    """Review verdicts in the order they were marked: 1 incorrect, 0 correct (D4)."""
    if verdicts is None or positions is None or not positions.shape[0]:
        return Observations.empty(Kind.binary)
    if spec.environment is not None:
        positions = positions[verdicts["environment"][positions] == spec.environment]
    values = (verdicts["verdict"][positions] == "incorrect").astype(np.int64)
    return Observations(
        values,
        verdicts["trace_id"][positions],
        verdicts["at"][positions],
        verdicts.received[positions],
    )


def _received(rows: Rows | None, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    return rows.received[positions] if rows is not None else np.empty(0)


def _column(rows: Rows | None, name: str, positions: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    return rows[name][positions] if rows is not None else np.empty(0, dtype=object)


def trace_columns(specs: Sequence[Spec]) -> tuple[str, ...]:
    """The trace columns a set of monitors needs: the base ones plus each signal's own."""
    extra = {column for spec in specs for column in spec.definition.columns}
    return TRACE_BASE + tuple(sorted(extra))
