"""One monitor at work inside the engine: its detector, category labels and counters.

The engine keeps a runtime per monitor in memory between ticks and saves it to
``monitor_states`` in the transaction that records the tick, so what is in memory is
thrown away (and re-read) whenever that transaction does not commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from blastwall.detect.detectors import (
    CategoryShift,
    Kind,
    LevelSpreadShift,
    RateShift,
    make_detector,
)
from blastwall.detect.detectors._base import ReferenceDetector
from blastwall.detect.monitors.enums import Phase, ReferenceKind, Signal
from blastwall.detect.monitors.models import Monitor, MonitorState
from blastwall.detect.signal_params import declared_categories
from blastwall.detect.signals import Observations, Spec

DETECTORS: dict[str, type[ReferenceDetector]] = {
    cls.__name__: cls for cls in (CategoryShift, LevelSpreadShift, RateShift)
}
UNKNOWN = "unknown category"
MIN_REFERENCE = 10
# A category id that pads a vocabulary of one label (CategoryShift needs two categories).
PADDING = "(no other label)"


@dataclass(frozen=True)
class Config:
    """The settings of a monitor the engine needs, copied out of the session."""

    id: int
    system: str
    name: str
    spec: Spec
    reference: dict[str, Any]
    false_alarm_rate: float
    verify_observations: int
    config_version: int
    enabled: bool
    classes: tuple[str, ...] = ()
    harm: str | None = None

    @classmethod
    def of(cls, monitor: Monitor) -> Config:
        return cls(
            id=monitor.id,
            system=monitor.system.name,
            name=monitor.name,
            spec=Spec(Signal(monitor.signal), dict(monitor.params), monitor.environment),
            reference=dict(monitor.reference),
            false_alarm_rate=monitor.false_alarm_rate,
            verify_observations=monitor.verify_observations,
            config_version=monitor.config_version,
            enabled=monitor.enabled,
            classes=tuple(monitor.classes),
            harm=monitor.harm,
        )

    @property
    def kind(self) -> Kind:
        return self.spec.definition.kind

    @property
    def pinned(self) -> bool:
        return bool(self.reference["kind"] == ReferenceKind.pinned.value)

    @property
    def declared(self) -> list[str] | None:
        return declared_categories(self.spec.signal, self.spec.params)


@dataclass
class Fed:
    """What one feed did: the observations fed, where alarms fell, and the first's change."""

    observations: Observations
    start: int  # detector observations seen before this feed (the change index's origin)
    alarms: list[int]
    change_index: int | None  # of the first alarm, counted like start
    leading: str | None = None  # the alternative that crossed at the first alarm


class MonitorRuntime:
    """A monitor's detector and bookkeeping; `feed` takes a batch of observations."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.revision = 0
        self.deployment_id: int | None = None
        # The release whose observations form the baseline, its name and whether it is
        # known-good (the engine refreshes these each tick), and the newer release being
        # tested against it, for the alarm's evidence (detect.monitors.baselines).
        self.baseline_release_id: int | None = None
        self.baseline_release: str | None = None
        self.known_good_baseline = False
        self.under_test: dict[str, Any] | None = None
        self.baseline_stored = False  # kept in monitor_baselines for a later rollback
        self.fed_before = 0  # counts["fed"] at the start of the tick, for the report
        self._start()

    def _start(self) -> None:
        config = self.config
        self.detector: ReferenceDetector | None = None
        self.vocabulary: list[str] = list(config.declared or [])
        self.pending: list[int] = []
        self.counts: Counter[str] = Counter()
        self.bad: Counter[str] = Counter()
        self.phase = Phase.learning
        self.message = ""
        self.last_observation_at: datetime | None = None
        self.dirty = True
        self.saved_phase: Phase | None = None
        self.baseline_dirty = True
        self._saved: dict[str, Any] | None = None  # detector state as of the last save
        if not config.pinned and (config.kind is not Kind.categorical or config.declared):
            self.detector = self._new(int(config.reference["observations"]))

    # ------------------------------------------------------------------ life cycle
    def _new(self, reference: int) -> ReferenceDetector:
        self.baseline_dirty = True
        return make_detector(
            self.config.kind,
            reference=reference,
            false_alarm_rate=self.config.false_alarm_rate,
            categories=len(self.vocabulary),
        )

    def reset(self, message: str) -> None:
        """Forget the baseline (a new release, a new setting); the next observations re-learn."""
        self._start()
        self.message = message
        self.under_test = None
        self.baseline_stored = False

    def restore(self, record: dict[str, Any], message: str) -> None:
        """Take back a baseline learned earlier (a rollback): fitted at once, CUSUMs at zero."""
        self._start()
        self.vocabulary = list(record["labels"])
        self.detector = reference_detector(record)
        self.message = message
        self.under_test = None
        self.baseline_stored = True

    def describe_baseline(self, release: str | None, known_good: bool) -> None:
        """Record which release the baseline belongs to (saved when it changed)."""
        if (release, known_good) != (self.baseline_release, self.known_good_baseline):
            self.baseline_release, self.known_good_baseline = release, known_good
            self.dirty = True

    def fail(self, error: Exception) -> None:
        """Stop this monitor (others go on); its message says what failed and how to retry."""
        self._start()
        self.phase = Phase.error
        self.message = (
            f"the detector failed ({type(error).__name__}: {error}); the monitor is stopped "
            "and keeps no baseline: change one of its settings to start it again"
        )

    @property
    def fitted(self) -> bool:
        return self.detector is not None and self.detector.fitted

    @property
    def index(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.vocabulary)}

    @property
    def needs_save(self) -> bool:
        """Something a restart would need, or a reader would see, changed since the save."""
        return self.dirty or self.saved_phase is not self.current_phase()

    def note(self, message: str) -> None:
        """Set the message readers see (saved with the next save when it changed)."""
        if message != self.message:
            self.message = message
            self.dirty = True

    def current_phase(self) -> Phase:
        if not self.config.enabled:
            return Phase.disabled
        if self.phase is Phase.error:
            return Phase.error
        if self.fitted:
            return Phase.monitoring
        if self.config.pinned:
            return Phase.waiting
        return Phase.learning

    # ----------------------------------------------------------------------- feeding
    def encode(self, observations: Observations) -> Observations:
        """Labels -> category ids with the current labels; unknown ones left out, not counted."""
        index = self.index
        ids = np.fromiter(
            (index.get(v, -1) for v in observations.values), np.int64, len(observations)
        )
        kept = observations.take(ids >= 0)
        kept.values = ids[ids >= 0]
        return kept

    def _categorise(self, observations: Observations) -> Observations:
        """Label -> category id; unknown labels counted and dropped once the set is known."""
        index = self.index
        learning = self.detector is None and not self.config.declared
        ids = np.empty(len(observations), dtype=np.int64)
        for position, label in enumerate(observations.values):
            found = index.get(label)
            if found is None and learning:
                found = index[label] = len(self.vocabulary)
                self.vocabulary.append(label)
            ids[position] = -1 if found is None else found
        known = ids >= 0
        unknown = int(np.count_nonzero(~known))
        if unknown:
            self.bad[UNKNOWN] += unknown
        kept = observations.take(known)
        kept.values = ids[known]
        return kept

    def feed(self, observations: Observations) -> Fed:
        """Count and feed a batch; returns what was fed and where it alarmed."""
        if len(observations) or observations.missing or observations.bad:
            self.dirty = True
        self.counts["missing"] += observations.missing
        self.bad.update(observations.bad)
        if self.config.kind is Kind.categorical:
            observations = self._categorise(observations)
        self.counts["observations"] += len(observations)
        if len(observations):
            self.last_observation_at = max(observations.at)
        if self.detector is None:
            return self._learn_labels(observations)
        return self._feed_detector(self.detector, observations)

    def _learn_labels(self, observations: Observations) -> Fed:
        """Categories not declared: collect ids until the reference window is complete."""
        needed = int(self.config.reference["observations"])
        room = needed - len(self.pending)
        self.pending.extend(int(v) for v in observations.values[:room])
        if len(self.pending) < needed:
            return Fed(observations, 0, [], None)
        self.detector = self._new(needed)
        self.detector.update_many(np.asarray(self.pending, dtype=np.int64))
        self.pending = []
        rest = observations.take(np.arange(room, len(observations)))
        fed = self._feed_detector(self.detector, rest)
        fed.observations = observations
        fed.start = needed - room
        fed.alarms = [room + a for a in fed.alarms]
        return fed

    def _feed_detector(self, detector: ReferenceDetector, observations: Observations) -> Fed:
        start = detector.n_seen
        if not len(observations):
            return Fed(observations, start, [], None)
        was_fitted = detector.fitted
        prior = self._saved if self._saved is not None else detector.to_state()
        alarms = detector.update_many(observations.values) if len(observations) else []
        self._saved = None
        if detector.fitted and not was_fitted:
            self.baseline_dirty = True
        self.counts["fed"] += len(observations)
        if alarms and alarms[0] != len(observations) - 1:
            # The detector now describes the end of the batch (its leading alternative) and
            # the last alarm (its change index); a twin replayed from the state before the
            # batch up to the first alarm describes that alarm.
            detector = type(detector).from_state(prior)
            detector.update_many(observations.values[: alarms[0] + 1])
        if not alarms:
            return Fed(observations, start, [], None)
        change = getattr(detector, "change_index", None)
        return Fed(observations, start, alarms, change, detector.leading_alternative)

    def fit_pinned(self, observations: Observations) -> None:
        """Learn the baseline from every observation of the pinned range at once."""
        self.dirty = True
        self.counts["missing"] += observations.missing
        self.bad.update(observations.bad)
        if self.config.kind is Kind.categorical:
            if not self.config.declared:
                self.vocabulary = sorted({str(v) for v in observations.values})
            observations = self._categorise(observations)
        size = len(observations)
        if size < MIN_REFERENCE:
            self.phase = Phase.error
            self.message = (
                f"the pinned reference range holds {size} observation(s); at least "
                f"{MIN_REFERENCE} are needed: widen the range (reference.start/end)"
            )
            return
        self.detector = self._new(size)
        self.detector.update_many(observations.values)
        self.counts["observations"] += size
        self.counts["fed"] += size
        self.message = f"baseline learned from {size} observations in the pinned range"

    # ----------------------------------------------------------------------- evidence
    def labelled_baseline(self) -> Any:
        """The baseline in the monitor's own terms: shares by label, a rate, or quartiles."""
        if self.detector is None or not self.detector.fitted:
            return None
        baseline = self.detector.baseline
        if self.config.kind is Kind.categorical:
            assert isinstance(baseline, list)
            return {self.label(i): round(float(p), 6) for i, p in enumerate(baseline)}
        if self.config.kind is Kind.binary:
            assert isinstance(baseline, float)
            return {"rate": round(baseline, 6)}
        return baseline

    def label(self, category: int) -> str:
        return self.vocabulary[category] if category < len(self.vocabulary) else PADDING

    def reference_record(self) -> dict[str, Any]:
        """The fitted baseline as saved detector state: what verification rebuilds from."""
        assert self.detector is not None
        state = self.detector.to_state()
        return {
            "detector": state["detector"],
            "params": state["params"],
            "baseline": state["baseline"],
            "labels": list(self.vocabulary),
            "signal": self.config.spec.signal.value,
        }

    # -------------------------------------------------------------------- persistence
    def summary(self) -> dict[str, Any]:
        detector = self.detector
        needed = (
            detector.reference
            if detector is not None
            else self.config.reference.get("observations")
        )
        learned = (
            len(self.pending) if detector is None else min(detector.n_seen, detector.reference)
        )
        return {
            "reference": needed,
            "learned": learned,
            "n_seen": detector.n_seen if detector is not None else len(self.pending),
            "baseline": self.labelled_baseline(),
            "statistic": detector.statistic if detector is not None else 0.0,
            "threshold": detector.threshold if detector is not None else None,
            "leading": detector.leading_alternative if detector is not None else None,
            "baseline_release": self.baseline_release,
            "known_good_baseline": self.known_good_baseline,
            "under_test": self.under_test,
        }

    def save(self, row: MonitorState) -> None:
        """Write everything a restart needs into ``row`` (the caller's transaction commits)."""
        state = self.detector.to_state() if self.detector is not None else None
        self._saved = state
        row.config_version = self.config.config_version
        row.phase = self.current_phase().value
        row.message = self.message
        row.detector = (
            None if state is None else {k: v for k, v in state.items() if k != "baseline"}
        )
        if self.baseline_dirty:
            row.baseline = None if state is None else state.get("baseline")
            self.baseline_dirty = False
        row.vocabulary = list(self.vocabulary)
        row.pending = list(self.pending)
        row.deployment_id = self.deployment_id
        row.baseline_release_id = self.baseline_release_id
        row.counts = {key: self.counts[key] for key in ("observations", "fed", "missing")}
        row.counts["bad"] = dict(self.bad)
        row.summary = self.summary()
        row.last_observation_at = self.last_observation_at
        row.revision = (row.revision or 0) + 1
        self.revision = row.revision
        self.dirty = False
        self.saved_phase = self.current_phase()

    @classmethod
    def load(cls, config: Config, row: MonitorState) -> MonitorRuntime:
        """Rebuild from a saved row; a state this code cannot read starts over, saying so."""
        runtime = cls(config)
        runtime.revision = row.revision
        runtime.deployment_id = row.deployment_id
        runtime.baseline_release_id = row.baseline_release_id
        runtime.baseline_release = row.summary.get("baseline_release")
        runtime.known_good_baseline = bool(row.summary.get("known_good_baseline"))
        runtime.under_test = row.summary.get("under_test")
        runtime.vocabulary = list(row.vocabulary)
        runtime.pending = [int(v) for v in row.pending]
        counts = dict(row.counts)
        runtime.bad = Counter(counts.pop("bad", {}))
        runtime.counts = Counter(counts)
        runtime.last_observation_at = row.last_observation_at
        runtime.message = row.message
        runtime.phase = Phase(row.phase) if row.phase == Phase.error.value else Phase.learning
        runtime.baseline_dirty = False
        runtime.dirty = False
        runtime.saved_phase = Phase(row.phase) if row.phase in set(Phase) else None
        if row.detector is not None:
            state = {**row.detector}
            if row.baseline is not None:
                state["baseline"] = row.baseline
            try:
                runtime.detector = DETECTORS[state["detector"]].from_state(state)
            except (KeyError, ValueError, TypeError) as exc:
                runtime.reset(f"saved detector state could not be read ({exc}); re-learning")
                runtime.baseline_dirty = True
        return runtime


def reference_detector(record: dict[str, Any]) -> ReferenceDetector:
    """A fresh detector (no CUSUM progress) on the baseline an alarm recorded."""
    cls = DETECTORS[record["detector"]]
    detector = cls(**record["params"])
    baseline = record["baseline"]
    if cls is LevelSpreadShift:
        data: npt.NDArray[Any] = np.asarray(baseline, dtype=np.float64)
    else:
        counts = np.asarray(baseline, dtype=np.int64)
        data = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
    # The fit depends only on the counts (or the sorted values), so the same thresholds
    # come back from the calibration cache.
    detector.update_many(data)
    return detector
