"""The detection engine: tails the event tables, feeds every monitor, raises alarms.

A tick (``Engine.run_once``) is a few short transactions, so ingest never waits for the
time detectors take:

1. read the cursors (none yet: no monitor was ever created, nothing to do);
2. take the horizon (``monitors.source``: exact on both databases);
3. read the monitors, the saved state of those whose in-memory copy is stale, the newest
   deployment per system and environment, the pending verifications, and the new rows:
   **one query per event table**, only the columns the monitors need, up to
   ``batch_limit`` rows;
4. compute with no transaction open: group rows by system, turn them into each monitor's
   observations (``detect.signals``, column-wise) and feed each detector with
   ``update_many``; for an alarm, gather its evidence (re-reading earlier rows if the change
   began before this batch);
5. one write transaction: check that no other engine moved the cursors meanwhile (if one
   did, drop what was computed and re-read next tick), save each monitor's state, record
   alarms and open or join incidents (``detect.alarms``), advance and decide verifications
   (``detect.verification``), move the cursors.  State, alarms and cursors commit together,
   so a restart neither loses a baseline nor raises an alarm twice.

Release-mode monitors watch the newest deployment of their system (in their environment, or
in any when they have none).  When a newer one appears, observations received before its
activation are fed as before, and the rest are tested against the baseline of the last
known-good release, or start a new baseline when the release is known-good, declares it
moves the monitor, or the system has no known-good baseline (``monitors.baselines``).
Calls that come in after a restart of the engine are fed exactly once.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from blastwall.db.base import utcnow
from blastwall.detect import alarms, verification
from blastwall.detect.monitors import baselines, history, source
from blastwall.detect.monitors.baselines import Active
from blastwall.detect.monitors.enums import Phase, Signal, VerificationStatus
from blastwall.detect.monitors.evidence import Evidence, gather
from blastwall.detect.monitors.models import (
    Alarm,
    EngineCursor,
    Monitor,
    MonitorState,
    Verification,
)
from blastwall.detect.monitors.runtime import Config, Fed, MonitorRuntime
from blastwall.detect.signals import Observations, Rows, trace_columns
from blastwall.registry import known_good
from blastwall.registry.known_good import ReleaseFacts
from blastwall.registry.models import Deployment, Release, System

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    """What one tick did."""

    skipped: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    observations: int = 0
    alarms: list[int] = field(default_factory=list)  # alarms recorded this tick
    repeats: int = 0  # crossings added to alarms whose incident is still open
    decided: list[int] = field(default_factory=list)  # verifications decided this tick
    more: bool = False  # a table had more new rows than one tick reads


@dataclass
class _Alarm:
    """An alarm worked out in memory, recorded in the write transaction."""

    config: Config
    evidence: Evidence
    crossings: int


@dataclass
class _Snapshot:
    cursors: dict[str, int]
    configs: list[Config]
    states: dict[int, MonitorState]
    deployments: dict[tuple[str, str | None], Active]
    verifications: list[tuple[Verification, dict[str, Any]]]
    rows: dict[str, Rows]
    upto: dict[str, int]
    limit: int
    releases: dict[int, ReleaseFacts] = field(default_factory=dict)


class Engine:
    """Keeps each monitor's runtime in memory between ticks; see the module docstring."""

    def __init__(
        self,
        *,
        batch_limit: int = 50_000,
        embedding_batch_limit: int = 1_000,
        settle_s: float = 2.0,
        lookback_limit: int = 200_000,
    ) -> None:
        self.batch_limit = batch_limit
        # Embedding costs milliseconds per input: with an input_embedding monitor enabled a
        # tick reads fewer rows, so it stays a few seconds long and the other monitors (and
        # alarms) keep up tick by tick instead of waiting for a minute-long batch.
        self.embedding_batch_limit = embedding_batch_limit
        self.settle_s = settle_s
        self.lookback_limit = lookback_limit
        self._runtimes: dict[int, MonitorRuntime] = {}
        self._verifiers: dict[int, verification.Verifier] = {}

    def forget(self) -> None:
        """Drop everything held in memory; the next tick re-reads the saved state."""
        self._runtimes.clear()
        self._verifiers.clear()

    def run_once(self, factory: sessionmaker[Session]) -> TickReport:
        """One tick.  If anything fails, memory is dropped so it never runs ahead of the store."""
        try:
            return self._tick(factory)
        except Exception:
            self.forget()
            raise

    def _tick(self, factory: sessionmaker[Session]) -> TickReport:
        with factory() as session, session.begin():
            cursors = {c.name: c.last_id for c in session.scalars(select(EngineCursor))}
        if not cursors:
            return TickReport(skipped="no monitor was ever created")
        bounds = source.horizon(factory, sorted(cursors))
        if bounds is None:
            return TickReport(skipped="the horizon lock was not granted in time")
        snapshot = self._read(factory, cursors, bounds)
        report = TickReport(rows={t: len(r) for t, r in snapshot.rows.items()})
        report.more = any(len(r) >= snapshot.limit for r in snapshot.rows.values())
        found, touched = self._compute(factory, snapshot, report)
        self._write(factory, snapshot, found, touched, report)
        return report

    # ------------------------------------------------------------------------ reading
    def _read(
        self,
        factory: sessionmaker[Session],
        cursors: dict[str, int],
        bounds: dict[str, int | None],
    ) -> _Snapshot:
        with factory() as session, session.begin():
            monitors = session.scalars(
                select(Monitor).options(joinedload(Monitor.system)).order_by(Monitor.id)
            ).all()
            configs = [Config.of(m) for m in monitors]
            saved = dict(
                session.execute(select(MonitorState.monitor_id, MonitorState.revision)).all()
            )
            stale = [c.id for c in configs if self._stale(c.id, saved.get(c.id))]
            states = {
                s.monitor_id: s
                for s in session.scalars(
                    select(MonitorState).where(MonitorState.monitor_id.in_(stale))
                )
            }
            pending = session.execute(
                select(Verification, Alarm.reference)
                .join(Alarm, Alarm.id == Verification.alarm_id)
                .where(Verification.status == VerificationStatus.pending.value)
                .order_by(Verification.id)
            )
            verifications = [(v, r) for v, r in pending]
            enabled = [c.spec for c in configs if c.enabled]
            limit = self.batch_limit
            if any(spec.signal is Signal.input_embedding for spec in enabled):
                limit = min(limit, self.embedding_batch_limit)
            wanted = {source.TRACES: trace_columns(enabled)}
            for table in {source.side(spec) for spec in enabled} - {None}:
                assert table is not None
                wanted[table] = source.SIDE_COLUMNS[table]
            rows: dict[str, Rows] = {}
            upto: dict[str, int] = {}
            for table, horizon in bounds.items():
                bound = horizon
                if table in wanted:
                    rows[table] = source.fetch(
                        session,
                        table,
                        wanted[table],
                        after=cursors[table],
                        upto=bound,
                        limit=limit,
                    )
                else:
                    # No monitor reads this table now: skip what arrives meanwhile.
                    rows[table] = Rows({})
                    bound = source.max_id(session, table) if bound is None else bound
                upto[table] = _advance(cursors[table], bound, rows[table], limit)
            deployments = _deployments(session)
            wanted_releases = {d.release_id for d in deployments.values()}
            wanted_releases |= {
                r for r in session.scalars(select(MonitorState.baseline_release_id)) if r
            }
            wanted_releases |= {r.baseline_release_id or 0 for r in self._runtimes.values()}
            releases = known_good.facts(session, wanted_releases - {0})
        return _Snapshot(
            cursors, configs, states, deployments, verifications, rows, upto, limit, releases
        )

    def _stale(self, monitor_id: int, revision: int | None) -> bool:
        runtime = self._runtimes.get(monitor_id)
        return runtime is None or runtime.revision != (revision or 0)

    # ------------------------------------------------------------------------ compute
    def _runtime(self, config: Config, states: dict[int, MonitorState]) -> MonitorRuntime:
        runtime = self._runtimes.get(config.id)
        state = states.get(config.id)
        if state is not None and state.config_version == config.config_version:
            runtime = MonitorRuntime.load(config, state)
        elif (
            state is not None
            or runtime is None
            or runtime.config.config_version != (config.config_version)
        ):
            fresh = MonitorRuntime(config)
            if state is not None:
                fresh.revision = state.revision
                fresh.deployment_id = state.deployment_id
                fresh.note("settings changed: learning a new baseline")
            elif runtime is not None:
                fresh.revision = runtime.revision
                fresh.deployment_id = runtime.deployment_id
                fresh.note("settings changed: learning a new baseline")
            runtime = fresh
        runtime.config = config
        self._runtimes[config.id] = runtime
        return runtime

    def _compute(
        self, factory: sessionmaker[Session], snapshot: _Snapshot, report: TickReport
    ) -> tuple[list[_Alarm], list[MonitorRuntime]]:
        verifiers: dict[int, list[verification.Verifier]] = defaultdict(list)
        for row, record in snapshot.verifications:
            verifier = self._verifiers.get(row.id)
            if verifier is None or verifier.revision != row.revision:
                verifier = verification.Verifier(row, record, row.monitor_id)
                self._verifiers[row.id] = verifier
            if row.monitor_id is not None:
                verifiers[row.monitor_id].append(verifier)
        for gone in set(self._runtimes) - {c.id for c in snapshot.configs}:
            del self._runtimes[gone]
        found: list[_Alarm] = []
        touched: list[MonitorRuntime] = []
        for config in snapshot.configs:
            runtime = self._runtime(config, snapshot.states)
            runtime.fed_before = runtime.counts["fed"]
            touched.append(runtime)
            if not config.enabled or runtime.phase is Phase.error:
                continue
            try:
                found += self._watch(factory, snapshot, runtime, verifiers.get(config.id, []))
            except Exception as error:
                # One monitor's failure must not blind the others, nor stop the engine.
                log.exception("monitor %s/%s failed", config.system, config.name)
                runtime.fail(error)
            report.observations += runtime.counts["fed"] - runtime.fed_before
        return found, touched

    def _watch(
        self,
        factory: sessionmaker[Session],
        snapshot: _Snapshot,
        runtime: MonitorRuntime,
        verifiers: list[verification.Verifier],
    ) -> list[_Alarm]:
        config = runtime.config
        traces = snapshot.rows.get(source.TRACES, Rows({}))
        side = source.side(config.spec)
        observations = history.batch(config, traces, snapshot.rows.get(side) if side else None)
        for verifier in verifiers:
            verifier.feed(observations)
        found = []
        for fed in self._feed(factory, snapshot, runtime, observations):
            if fed.alarms:
                lookback = partial(self._before, factory, snapshot, runtime)
                evidence = gather(runtime, fed, lookback=lookback)
                said, evidence.release = baselines.evidence(runtime)
                evidence.description += said
                found.append(_Alarm(config, evidence, len(fed.alarms)))
        return found

    def _feed(
        self,
        factory: sessionmaker[Session],
        snapshot: _Snapshot,
        runtime: MonitorRuntime,
        observations: Observations,
    ) -> list[Fed]:
        config = runtime.config
        if config.pinned:
            if runtime.fitted:
                return [runtime.feed(observations)]
            return self._fit_pinned(factory, snapshot, runtime)
        latest = snapshot.deployments.get((config.system, config.spec.environment))
        return baselines.feed(
            runtime,
            observations,
            latest,
            snapshot.releases,
            stored=partial(self._stored, factory, config),
        )

    def _stored(
        self, factory: sessionmaker[Session], config: Config, release_id: int
    ) -> dict[str, Any] | None:
        with factory() as session, session.begin():
            return baselines.load(session, config, release_id)

    def _fit_pinned(
        self, factory: sessionmaker[Session], snapshot: _Snapshot, runtime: MonitorRuntime
    ) -> list[Fed]:
        """Learn a pinned range once it is over, then catch up on the rows read since."""
        config = runtime.config
        start = datetime.fromisoformat(config.reference["start"])
        end = datetime.fromisoformat(config.reference["end"])
        if utcnow() < end + timedelta(seconds=self.settle_s):
            runtime.note(f"waiting for the reference range to end at {end.isoformat()}")
            return []
        with factory() as session, session.begin():
            reference = history.window(session, config, upto=snapshot.upto, since=start, until=end)
            runtime.fit_pinned(reference)
            if not runtime.fitted:
                return []
            later = history.window(session, config, upto=snapshot.upto, since=end, until=None)
        return [runtime.feed(later)]

    def _before(
        self,
        factory: sessionmaker[Session],
        snapshot: _Snapshot,
        runtime: MonitorRuntime,
        count: int,
    ) -> Observations:
        below = {table: cursor + 1 for table, cursor in snapshot.cursors.items()}
        with factory() as session, session.begin():
            return history.before(
                session, runtime, count, below=below, scan_limit=self.lookback_limit
            )

    # -------------------------------------------------------------------------- write
    def _write(
        self,
        factory: sessionmaker[Session],
        snapshot: _Snapshot,
        found: list[_Alarm],
        touched: list[MonitorRuntime],
        report: TickReport,
    ) -> None:
        with factory() as session, session.begin():
            held = {
                c.name: c
                for c in session.scalars(
                    select(EngineCursor).order_by(EngineCursor.name).with_for_update()
                )
            }
            if {name: c.last_id for name, c in held.items()} != snapshot.cursors:
                self.forget()
                report.skipped = "another engine advanced the cursors; re-reading next tick"
                report.alarms, report.repeats, report.decided = [], 0, []
                return
            now = utcnow()
            existing = set(session.scalars(select(Monitor.id)))
            for runtime in touched:
                if runtime.config.id in existing and runtime.needs_save:
                    row = session.get(MonitorState, runtime.config.id)
                    if row is None:
                        row = MonitorState(monitor_id=runtime.config.id, revision=0)
                        session.add(row)
                    runtime.save(row)
                if runtime.config.id in existing:
                    baselines.keep(session, runtime)
            for item in found:
                if item.config.id in existing:
                    alarm, new = alarms.record(
                        session, item.config, item.evidence, crossings=item.crossings, now=now
                    )
                    if new:
                        report.alarms.append(alarm.id)
                    else:
                        report.repeats += item.crossings
            self._verify(session, report, now)
            for name, cursor in held.items():
                cursor.last_id = snapshot.upto.get(name, cursor.last_id)

    def _verify(self, session: Session, report: TickReport, now: datetime) -> None:
        for verifier_id, verifier in list(self._verifiers.items()):
            row = session.get(Verification, verifier_id)
            if row is None or row.status != VerificationStatus.pending.value:
                del self._verifiers[verifier_id]
                continue
            if verification.decide(session, verifier, row, now=now):
                report.decided.append(row.id)
                del self._verifiers[verifier_id]
        verification.start_new(session, settle_s=self.settle_s, now=now)


def _advance(cursor: int, bound: int | None, rows: Rows, limit: int) -> int:
    """The new cursor: the horizon when every row below it was read, else the last row read."""
    if bound is not None and len(rows) < limit:
        return max(bound, cursor)
    return int(rows["id"][-1]) if len(rows) else cursor


def _deployments(session: Session) -> dict[tuple[str, str | None], Active]:
    """The newest deployment per (system, environment), and per system under None."""
    newest = (
        select(func.max(Deployment.id))
        .group_by(Deployment.system_id, Deployment.environment)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            System.name,
            Deployment.environment,
            Deployment.id,
            Deployment.activated_at,
            Release.name,
            Release.id,
        )
        .join(System, System.id == Deployment.system_id)
        .join(Release, Release.id == Deployment.release_id)
        .where(Deployment.id.in_(newest))
    )
    found: dict[tuple[str, str | None], Active] = {}
    for system, environment, deployment_id, at, release, release_id in rows:
        found[system, environment] = Active(deployment_id, at, release, release_id)
        overall = found.get((system, None))
        if overall is None or overall.id < deployment_id:
            found[system, None] = Active(deployment_id, at, release, release_id)
    return found


class EngineTask:
    """The detection engine as a background task (``blastwall.tasks``).

    A tick runs the engine until it has caught up (a tick that read a full batch runs
    again at once), for at most ``budget_s`` seconds so the runner can stop it promptly.
    """

    name = "detection-engine"

    def __init__(
        self,
        factory: sessionmaker[Session],
        interval_s: float,
        engine: Engine | None = None,
        *,
        budget_s: float = 10.0,
    ) -> None:
        self.factory = factory
        self.interval_s = interval_s
        self.engine = engine or Engine()
        self.budget_s = budget_s

    def tick(self) -> None:
        """Run the engine until caught up or out of budget; a failure propagates (the engine
        has already dropped its memory, so the next tick starts from what was committed)."""
        deadline = time.monotonic() + self.budget_s
        while self.engine.run_once(self.factory).more and time.monotonic() < deadline:
            pass
