"""The contract every detector keeps: River's shape, exact array path, restarts, clear errors."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pytest

from blastwall.detect import calibration, detectors
from blastwall.detect.detectors import Kind, make_detector
from blastwall.detect.detectors._base import ReferenceDetector
from tests.detect.factories import CHANGE, DETECTORS, RATE, REFERENCE, Case, feed_one_by_one

ids = [case.name for case in DETECTORS]


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_update_many_gives_the_same_alarms_and_state_as_update(case: Case) -> None:
    values = case.stream(seed=3, n=6000)
    one, many = case.make(), case.make()
    expected = feed_one_by_one(one, values)
    # Uneven chunks cross the end of the reference window and land alarms on chunk edges.
    got: list[int] = []
    edges = [0, 7, REFERENCE - 3, REFERENCE + 1, 1499, 1500, 1501, 2600, 4000, 6000]
    for lo, hi in itertools.pairwise(edges):
        got += [lo + i for i in many.update_many(values[lo:hi])]
    assert len(expected) >= 3, "the stream must raise several alarms to test restarts"
    assert got == expected
    assert many.statistic == one.statistic
    assert many.change_index == one.change_index
    assert many.leading_alternative == one.leading_alternative
    assert many.drift_detected == one.drift_detected
    assert many.n_seen == one.n_seen == 6000


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_silent_while_learning_the_reference_then_fitted(case: Case) -> None:
    detector = case.make()
    assert detector.update_many(case.stream(seed=4)[: REFERENCE - 1]) == []
    assert not detector.fitted
    assert detector.threshold is None
    assert detector.baseline is None
    detector.update(case.stream(seed=4)[REFERENCE - 1])
    assert detector.fitted
    assert detector.threshold is not None
    assert detector.threshold > 0
    assert detector.baseline is not None


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_alarms_after_the_change_not_before(case: Case) -> None:
    alarms = case.make().update_many(case.stream(seed=5))
    assert alarms, "the change must be detected"
    assert CHANGE <= alarms[0] < CHANGE + 400


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_restarts_from_zero_after_an_alarm_and_keeps_its_baseline(case: Case) -> None:
    detector = case.make()
    values = case.stream(seed=5)
    first = case.make().update_many(values)[0]
    detector.update_many(values[: first + 1])
    assert detector.drift_detected
    assert detector.statistic == 0.0
    assert detector.leading_alternative == case.evidence
    assert detector.change_index == case.change_estimate
    baseline, threshold = detector.baseline, detector.threshold
    detector.update(values[first + 1])
    assert not detector.drift_detected
    assert (detector.baseline, detector.threshold) == (baseline, threshold)


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_reset_forgets_the_baseline(case: Case) -> None:
    detector = case.make()
    detector.update_many(case.stream(seed=6))
    detector.reset()
    assert (detector.fitted, detector.n_seen, detector.baseline) == (False, 0, None)
    assert not detector.drift_detected


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_parameters_are_public_and_results_read_only(case: Case) -> None:
    detector = case.make()
    assert (detector.reference, detector.false_alarm_rate) == (REFERENCE, RATE)
    assert repr(detector).startswith(f"{case.name}(")
    with pytest.raises(AttributeError):
        detector.drift_detected = True  # type: ignore[misc]
    with pytest.raises(AttributeError):
        detector.alarm = True  # type: ignore[misc]


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_a_bad_value_is_refused_with_its_position_and_changes_nothing(case: Case) -> None:
    detector = case.make()
    values = case.stream(seed=7)[: REFERENCE + 10].astype(np.float64)
    detector.update_many(values[:REFERENCE])
    with_bad = values[REFERENCE:].copy()
    with_bad[4] = case.bad
    with pytest.raises(ValueError, match="position 4"):
        detector.update_many(with_bad)
    with pytest.raises(ValueError, match="position 0"):
        detector.update(case.bad)
    assert detector.n_seen == REFERENCE


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_empty_batch_is_a_no_op(case: Case) -> None:
    detector = case.make()
    assert detector.update_many(np.array([])) == []
    assert detector.n_seen == 0


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_same_reference_gives_the_same_threshold(case: Case) -> None:
    a, b = case.make(), case.make()
    a.update_many(case.stream(seed=8)[:REFERENCE])
    b.update_many(case.stream(seed=8)[:REFERENCE])
    assert a.threshold == b.threshold


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reference": 5}, "reference must be an integer of at least 10"),
        ({"reference": 100.0}, "reference must be an integer"),
        ({"false_alarm_rate": 0.0}, "false_alarm_rate is per observation"),
        ({"false_alarm_rate": 0.5}, r"must be in \(0, 0.1\)"),
    ],
)
@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_bad_parameters_are_refused_with_the_fix(
    case: Case, kwargs: dict[str, Any], message: str
) -> None:
    cls = type(case.make())
    args: dict[str, Any] = {"reference": REFERENCE, "false_alarm_rate": RATE} | kwargs
    if case.name == "CategoryShift":
        args["categories"] = 5
    with pytest.raises(ValueError, match=message):
        cls(**args)


def test_every_exported_detector_is_under_contract() -> None:
    tested = {type(case.make()).__name__ for case in DETECTORS}
    exported = {
        name
        for name in detectors.__all__
        if isinstance(cls := getattr(detectors, name), type) and issubclass(cls, ReferenceDetector)
    }
    # The package also exports Kind and make_detector, which are not detectors.
    assert exported == tested == {"CategoryShift", "LevelSpreadShift", "RateShift"}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Kind.categorical, "CategoryShift"),
        (Kind.binary, "RateShift"),
        (Kind.continuous, "LevelSpreadShift"),
    ],
)
def test_make_detector_picks_one_detector_per_kind(kind: Kind, expected: str) -> None:
    detector = make_detector(kind, reference=REFERENCE, false_alarm_rate=RATE, categories=1)
    assert type(detector).__name__ == expected
    assert (detector.reference, detector.false_alarm_rate) == (REFERENCE, RATE)


@pytest.mark.parametrize("cut", [REFERENCE - 100, REFERENCE, 1600, 2200])
@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_saved_state_carries_on_exactly_without_recalibrating(
    case: Case, cut: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = case.stream(seed=3)
    expected = case.make().update_many(values)
    before = case.make()
    got = before.update_many(values[:cut])
    saved = json.loads(json.dumps(before.to_state()))

    def no_calibration(*args: object, **kwargs: object) -> None:
        raise AssertionError("restoring must not calibrate again")

    if before.fitted:
        monkeypatch.setattr(calibration, "thresholds", no_calibration)
    after = type(before).from_state(saved)
    assert (after.n_seen, after.drift_detected, after.statistic) == (
        before.n_seen,
        before.drift_detected,
        before.statistic,
    )
    got += [cut + i for i in after.update_many(values[cut:])]
    assert got == expected


@pytest.mark.parametrize("case", DETECTORS, ids=ids)
def test_state_of_another_detector_is_refused(case: Case) -> None:
    other = next(c for c in DETECTORS if c.name != case.name)
    with pytest.raises(ValueError, match=f"state is for '{other.name}', not {case.name}"):
        type(case.make()).from_state(other.make().to_state())


def test_uncalibratable_reference_is_a_clear_error_not_a_crash() -> None:
    detector = detectors.LevelSpreadShift(reference=100, false_alarm_rate=1e-5)
    with pytest.raises(ValueError, match="cannot calibrate: even the highest threshold tried"):
        detector.update_many([-3.5 + i % 7 for i in range(100)])
