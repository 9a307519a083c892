"""How each monitor signal turns stored events into observations (D1, D2, D5, D6, D7).

Every signal reads a batch of rows column by column (no per-event objects) and returns the
observations of one monitor in arrival order, with the trace id and times of each, plus how
many calls had nothing to observe (``missing``: no label, no output, no such attribute) and
how many had a value that cannot be an observation (``bad``, by reason: NaN, infinite,
negative, out of range, not a number, not a category).  Missing and bad values are counted,
never fed to a detector: they can neither crash the engine nor raise an alarm.

Which calls a signal watches (``Calls``):

* ``model``: the model answered (decision ``proceed`` or ``reroute``, outcome ``ok``).  A
  lever that takes the model out of the loop (kill, human fallback, safe mode) also takes
  its calls out of these monitors, so containing an incident does not raise new alarms.
* ``answered``: decision ``proceed`` or ``reroute``, any outcome (filters and actions act
  on calls that were blocked or failed too).
* ``all``: every call; inputs arrive whatever the levers do.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from blastwall.detect.monitors.enums import Signal
from blastwall.detect.replay import Kind

# Refusals are recognised in the first characters of an answer, where models put them.
REFUSAL_SCAN_CHARS = 300
REFUSAL_LABEL = "refusal"
_APOSTROPHE = "['\u2019]"
DEFAULT_REFUSAL_PATTERNS: tuple[str, ...] = (
    rf"\bI(?: am|{_APOSTROPHE}m) (?:sorry|afraid),? (?:but )?I (?:can(?:{_APOSTROPHE}|no)t|"
    rf"am unable|{_APOSTROPHE}m unable|won{_APOSTROPHE}t)",
    rf"\bI (?:can(?:{_APOSTROPHE}|no)t|won{_APOSTROPHE}t|am unable to|am not able to) "
    r"(?:help|assist|provide|answer|comply|do that|share|discuss)",
    rf"\bI(?: am|{_APOSTROPHE}m) not (?:able|allowed|permitted) to\b",
    r"\bas an AI\b",
)
MODEL_DECISIONS = ("proceed", "reroute")
ActionStatus = Literal["fired", "approved", "refused", "denied"]
FeedbackRating = Literal["wrong", "harmful", "correct", "other"]
DEFAULT_ACTION_STATUSES: tuple[ActionStatus, ...] = ("fired", "approved")
DEFAULT_FEEDBACK_RATINGS: tuple[FeedbackRating, ...] = ("wrong", "harmful")


class Calls(StrEnum):
    """Which calls a signal observes (see the module docstring)."""

    model = "model"
    answered = "answered"
    every = "all"


# ------------------------------------------------------------------------------ parameters
class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a valid regular expression ({exc})") from None
    return value


def _labels(value: list[str]) -> list[str]:
    if len(value) < 2:
        raise ValueError("declare at least two categories, or leave it out to learn them")
    if len(set(value)) != len(value):
        raise ValueError("each category may be listed once")
    return value


def _patterns(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("give at least one pattern, or leave patterns out for the defaults")
    return [_regex(v) for v in value]


Regex = Annotated[str, AfterValidator(_regex)]
Labels = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]], AfterValidator(_labels)
]
Patterns = Annotated[list[str], AfterValidator(_patterns)]


class NoParams(_Params):
    """The signal takes no parameters."""


class CategoryParams(_Params):
    categories: Labels | None = Field(
        default=None,
        description="Every label the output may take. Left out: the labels seen in the "
        "reference window. A label outside the list is counted as unknown, not fed.",
    )


class RefusalParams(_Params):
    patterns: Patterns | None = Field(
        default=None,
        description="Regular expressions (case-insensitive) that mark an answer as a "
        "refusal in its first 300 characters; left out: built-in English phrases.",
    )
    label: str | None = Field(
        default=REFUSAL_LABEL, description="A label that means refusal; null: none does."
    )


class FilterHitParams(_Params):
    filter: str | None = Field(default=None, description="Only this filter, e.g. pii.")
    stage: Literal["input", "output"] | None = Field(default=None, description="Only this stage.")


class PatternParams(_Params):
    pattern: Regex = Field(description="Regular expression searched in the output.")
    ignore_case: bool = Field(default=True, description="Match without regard to case.")


class AttributeParams(_Params):
    attribute: str = Field(
        min_length=1, max_length=200, description="Key in the call's attributes."
    )


class AttributeCategoryParams(AttributeParams, CategoryParams):
    pass


class ActionParams(_Params):
    action: str = Field(min_length=1, max_length=100, description="Downstream action name.")
    statuses: list[ActionStatus] = Field(
        default=list(DEFAULT_ACTION_STATUSES),
        min_length=1,
        description="Statuses that count as the action happening.",
    )


class FeedbackParams(_Params):
    ratings: list[FeedbackRating] = Field(
        default=list(DEFAULT_FEEDBACK_RATINGS),
        min_length=1,
        description="Feedback ratings that count as a flag.",
    )


@dataclass(frozen=True)
class SignalDef:
    """What one signal needs and what it yields."""

    kind: Kind
    calls: Calls
    params: type[_Params]
    columns: tuple[str, ...] = ()  # trace columns read besides the base ones
    feedback: bool = False  # also reads the feedback table
    reviews: bool = False  # reads review verdicts (D4), not calls
    negative: bool = False  # negative values are valid observations


SIGNALS: dict[Signal, SignalDef] = {
    Signal.output_category: SignalDef(Kind.categorical, Calls.model, CategoryParams, ("label",)),
    Signal.refusal_rate: SignalDef(
        Kind.binary, Calls.model, RefusalParams, ("label", "output_text")
    ),
    Signal.response_length: SignalDef(Kind.continuous, Calls.model, NoParams, ("output_text",)),
    Signal.latency: SignalDef(Kind.continuous, Calls.model, NoParams, ("latency_ms",)),
    Signal.confidence: SignalDef(Kind.continuous, Calls.model, NoParams, ("confidence",)),
    Signal.filter_hit_rate: SignalDef(Kind.binary, Calls.answered, FilterHitParams, ("filters",)),
    Signal.output_pattern: SignalDef(Kind.binary, Calls.model, PatternParams, ("output_text",)),
    Signal.input_numeric: SignalDef(
        Kind.continuous, Calls.every, AttributeParams, ("attributes",), negative=True
    ),
    Signal.input_category: SignalDef(
        Kind.categorical, Calls.every, AttributeCategoryParams, ("attributes",)
    ),
    Signal.action_rate: SignalDef(Kind.binary, Calls.answered, ActionParams, ("actions",)),
    Signal.feedback_rate: SignalDef(Kind.binary, Calls.answered, FeedbackParams, feedback=True),
    Signal.review_accuracy: SignalDef(Kind.binary, Calls.every, NoParams, reviews=True),
}


def parse_params(signal: Signal, params: dict[str, Any]) -> dict[str, Any]:
    """The signal's parameters checked and with defaults filled in; ValueError names the key."""
    try:
        parsed = SIGNALS[signal].params.model_validate(params)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                known = ", ".join(SIGNALS[signal].params.model_fields) or "none"
                message = f"is not a parameter of {signal.value} (its parameters: {known})"
            elif error["type"] == "missing":
                message = f"is required by {signal.value}"
            problems.append(f"params.{where}: {message}")
        raise ValueError("; ".join(problems)) from None
    return parsed.model_dump(mode="json")


# -------------------------------------------------------------------------------- batches
TRACE_BASE = ("id", "system", "environment", "at", "received_at", "trace_id", "decision", "outcome")
FEEDBACK_COLUMNS = ("id", "system", "environment", "at", "received_at", "trace_id", "rating")
REVIEW_COLUMNS = ("id", "system", "environment", "at", "received_at", "trace_id", "verdict")


@dataclass
class Rows:
    """One query's rows as columns: numpy object arrays (ids as int64)."""

    columns: dict[str, npt.NDArray[Any]]

    @classmethod
    def of(cls, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> Rows:
        if not rows:
            return cls({name: np.empty(0, dtype=object) for name in names})
        transposed = list(zip(*rows, strict=True))
        columns: dict[str, npt.NDArray[Any]] = {}
        for name, values in zip(names, transposed, strict=True):
            array = np.empty(len(values), dtype=object)
            array[:] = values
            columns[name] = array
        return cls(columns)

    def __len__(self) -> int:
        return int(next(iter(self.columns.values())).shape[0]) if self.columns else 0

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.columns[name]

    @functools.cached_property
    def received(self) -> npt.NDArray[np.float64]:
        """received_at as POSIX seconds, for comparisons with lever and release times."""
        return np.fromiter((d.timestamp() for d in self["received_at"]), np.float64, len(self))

    @functools.cached_property
    def by_system(self) -> dict[str, npt.NDArray[np.int64]]:
        """Row positions of each system, in row order."""
        groups: dict[str, list[int]] = {}
        for position, name in enumerate(self["system"]):
            groups.setdefault(name, []).append(position)
        return {name: np.asarray(p, dtype=np.int64) for name, p in groups.items()}


@dataclass
class Observations:
    """One monitor's observations from a batch, in the order they are fed."""

    values: npt.NDArray[Any]
    trace_ids: npt.NDArray[Any]
    at: npt.NDArray[Any]
    received: npt.NDArray[np.float64]
    missing: int = 0
    bad: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def take(self, keep: npt.NDArray[Any]) -> Observations:
        """The observations at positions (or under a mask) ``keep``; counters stay."""
        return Observations(
            self.values[keep],
            self.trace_ids[keep],
            self.at[keep],
            self.received[keep],
            self.missing,
            self.bad,
        )

    @classmethod
    def concat(cls, parts: Sequence[Observations]) -> Observations:
        """The parts one after the other (counters are not carried)."""
        return cls(
            np.concatenate([p.values for p in parts]),
            np.concatenate([p.trace_ids for p in parts]),
            np.concatenate([p.at for p in parts]),
            np.concatenate([p.received for p in parts]),
        )

    @classmethod
    def empty(cls, kind: Kind) -> Observations:
        dtype = {Kind.categorical: object, Kind.binary: np.int64, Kind.continuous: np.float64}
        nothing = np.empty(0, dtype=object)
        return cls(np.empty(0, dtype=dtype[kind]), nothing, nothing, np.empty(0))


# ---------------------------------------------------------------------------- extraction
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
    Signal.action_rate: _actions,
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


def as_datetime(value: Any) -> datetime:
    """An element of an ``at`` column, typed."""
    assert isinstance(value, datetime)
    return value
