"""Replaying a stream file: bad rows are counted and skipped, never fed, never alarmed on."""

from __future__ import annotations

import numpy as np
import pytest

from blastwall.detect.detectors import Kind
from blastwall.detect.replay import read_stream, replay
from tests.detect.factories import RATE, REFERENCE, category_stream, level_stream, rate_stream


def csv(values: list[str] | np.ndarray, start: int = 0) -> str:
    return "index,value\n" + "".join(f"{start + i},{v}\n" for i, v in enumerate(values))


def test_reads_the_benchmark_format() -> None:
    stream = read_stream("index,value\n0,0\n1,2\n2,1\n", Kind.categorical)
    assert stream.indices.tolist() == [0, 1, 2]
    assert stream.values.tolist() == [0.0, 2.0, 1.0]
    assert stream.bad.total == 0


@pytest.mark.parametrize(
    ("kind", "line", "reason"),
    [
        (Kind.continuous, "5,nan", "NaN"),
        (Kind.continuous, "5,inf", "infinite"),
        (Kind.continuous, "5,-Infinity", "infinite"),
        (Kind.continuous, "5,abc", "value not a number"),
        (Kind.continuous, "5,", "value not a number"),
        (Kind.continuous, "5,-3.5", "negative value"),
        (Kind.continuous, "5,1,2", "not two fields"),
        (Kind.continuous, "x,1.0", "index not an integer"),
        (Kind.continuous, "1,1.0", "index not increasing"),
        (Kind.binary, "5,2", "not 0 or 1"),
        (Kind.binary, "5,0.5", "not 0 or 1"),
        (Kind.categorical, "5,1.5", "category id not a whole number in 0..255"),
        (Kind.categorical, "5,-1", "category id not a whole number in 0..255"),
        (Kind.categorical, "5,256", "category id not a whole number in 0..255"),
    ],
)
def test_each_kind_of_bad_row_is_counted_with_its_reason(
    kind: Kind, line: str, reason: str
) -> None:
    text = "index,value\n0,1\n1,0\n2,1\n" + line + "\n6,1\n"
    stream = read_stream(text, kind)
    assert dict(stream.bad.counts) == {reason: 1}
    assert stream.bad.examples == [f"line 5: {reason}: {line!r}"]
    assert stream.indices.tolist() == [0, 1, 2, 6]


def test_negative_values_are_kept_when_allowed() -> None:
    stream = read_stream("index,value\n0,-1.5\n1,2\n", Kind.continuous, allow_negative=True)
    assert stream.values.tolist() == [-1.5, 2.0]


def test_blank_and_comment_lines_are_ignored_and_a_missing_header_is_fine() -> None:
    stream = read_stream("0,1\n\n# note\n1,0\n", Kind.binary)
    assert stream.indices.tolist() == [0, 1]
    assert stream.bad.total == 0


def test_summary_names_counts_reasons_and_first_lines() -> None:
    stream = read_stream("index,value\n0,1\n1,nan\n2,nan\n3,x\n", Kind.continuous)
    assert stream.bad.summary() == (
        "skipped 3 bad row(s) (2 NaN, 1 value not a number); first: "
        "line 3: NaN: '1,nan'; line 4: NaN: '2,nan'; line 5: value not a number: '3,x'"
    )


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (Kind.categorical, category_stream(seed=5)),
        (Kind.binary, rate_stream(seed=5)),
        (Kind.continuous, level_stream(seed=5)),
    ],
)
def test_bad_rows_neither_move_nor_add_alarms(kind: Kind, values: np.ndarray) -> None:
    clean = replay(read_stream(csv(values), kind), kind, reference=REFERENCE, false_alarm_rate=RATE)
    rows = [f"{i},{v}" for i, v in enumerate(values)]
    # Garbage everywhere, including inside the reference window and right after the change.
    for at in (3, REFERENCE - 1, REFERENCE + 2, 1500, 1501, 2999):
        rows[at] += "\n" + f"{at},nan"
    rows.insert(10, "junk")
    dirty = replay(
        read_stream("index,value\n" + "\n".join(rows) + "\n", kind),
        kind,
        reference=REFERENCE,
        false_alarm_rate=RATE,
    )
    assert clean.alarms
    assert dirty.alarms == clean.alarms
    assert dirty.bad.total == 7


def test_alarm_indices_come_from_the_index_column() -> None:
    values = rate_stream(seed=5)
    plain = replay(
        read_stream(csv(values), Kind.binary),
        Kind.binary,
        reference=REFERENCE,
        false_alarm_rate=RATE,
    )
    shifted = replay(
        read_stream(csv(values, start=1000), Kind.binary),
        Kind.binary,
        reference=REFERENCE,
        false_alarm_rate=RATE,
    )
    assert shifted.alarms == [a + 1000 for a in plain.alarms]


def test_categories_beyond_the_reference_are_unknown_and_skipped() -> None:
    values = [str(v) for v in category_stream(seed=2)]
    values[REFERENCE + 5] = "9"
    result = replay(
        read_stream(csv(values), Kind.categorical),
        Kind.categorical,
        reference=REFERENCE,
        false_alarm_rate=RATE,
    )
    assert dict(result.bad.counts) == {"unknown category (reference had 0..4)": 1}
    assert result.observations == 2999


def test_a_stream_shorter_than_the_reference_is_not_monitored() -> None:
    result = replay(
        read_stream(csv(["1", "0"] * 10), Kind.binary),
        Kind.binary,
        reference=REFERENCE,
        false_alarm_rate=RATE,
    )
    assert (result.alarms, result.monitored, result.detector.fitted) == ([], 0, False)


def test_an_empty_file_is_not_an_error() -> None:
    result = replay(read_stream("", Kind.categorical), Kind.categorical, reference=REFERENCE)
    assert (result.alarms, result.observations) == ([], 0)
