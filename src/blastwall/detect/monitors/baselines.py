"""Which baseline a release-mode monitor tests a release against (issue 10 §0).

A release that is wrong from its first call must alarm, so a new release does not re-learn
the baseline: the monitor keeps the one learned under the last known-good release and tests
the new release against it from its first observation.  The baseline moves only when

* a **known-good** release becomes active: its baseline comes back from
  ``monitor_baselines`` when it was learned before (a rollback: no new reference window),
  else its first observations form one;
* the active release is **marked known-good**: the observations from then on form its
  baseline (the old one stays in ``monitor_baselines``);
* the release **declares it moves the monitor** (``expect_shift``): it re-learns under it;
* the system has **no known-good baseline** to keep (no release marked known-good, or the
  baseline in use belongs to a release nobody accepted, or it was not complete): the
  monitor learns from the release's first observations, as before, and says so.

Every baseline is stored per (monitor, release, config version) once learned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.detect.monitors.models import MonitorBaseline
from blastwall.detect.monitors.runtime import Config, Fed, MonitorRuntime
from blastwall.detect.signals import Observations
from blastwall.registry.known_good import ReleaseFacts, changed_surfaces

# Loads the baseline stored for (release id) of this monitor's current settings, if any.
Stored = Callable[[int], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Active:
    """The newest deployment of a system in an environment: the release in force."""

    id: int
    activated_at: datetime
    release: str
    release_id: int


def feed(
    runtime: MonitorRuntime,
    observations: Observations,
    latest: Active | None,
    releases: dict[int, ReleaseFacts],
    *,
    stored: Stored,
) -> list[Fed]:
    """Feed a release-mode monitor, moving its baseline where a deployment or a known-good
    mark says so; observations received before that moment go to the old baseline."""
    try:
        if latest is None:
            return [runtime.feed(observations)]
        release = releases[latest.release_id]
        if runtime.deployment_id is None or runtime.baseline_release_id is None:
            # The reference starts with this monitor (or with its new settings).
            runtime.deployment_id = runtime.deployment_id or latest.id
            runtime.baseline_release_id = latest.release_id
        if latest.id > runtime.deployment_id:

            def switch() -> None:
                activate(runtime, release, releases, stored)
                runtime.deployment_id = latest.id

            return _split(runtime, observations, latest.activated_at, switch)
        if release.known_good and runtime.baseline_release_id != release.id:
            at = release.known_good_at or latest.activated_at
            return _split(runtime, observations, at, lambda: marked(runtime, release, stored))
        return [runtime.feed(observations)]
    finally:
        describe(runtime, releases)


def accepted(runtime: MonitorRuntime, releases: dict[int, ReleaseFacts]) -> bool:
    """The baseline in use is one a person vouched for: a known-good release's, or one
    learned under a release that declared it moves this monitor."""
    facts = releases.get(runtime.baseline_release_id or -1)
    if facts is None:
        return False
    return facts.known_good or runtime.config.name in facts.expect_shift


def activate(
    runtime: MonitorRuntime,
    release: ReleaseFacts,
    releases: dict[int, ReleaseFacts],
    stored: Stored,
) -> None:
    """A new deployment of ``release`` became active: keep, restore or re-learn the baseline."""
    name = runtime.config.name
    if release.known_good:
        if runtime.baseline_release_id == release.id and runtime.fitted:
            runtime.under_test = None
            runtime.note(f"known-good release {release.name} is active again; its baseline is kept")
            return
        record = stored(release.id)
        if record is not None:
            runtime.restore(
                record,
                f"known-good release {release.name} became active: its baseline, learned "
                "earlier, is back in use",
            )
        else:
            runtime.reset(f"known-good release {release.name} became active: learning its baseline")
        runtime.baseline_release_id = release.id
        return
    if name in release.expect_shift:
        runtime.reset(
            f"release {release.name} declares it moves this monitor (expect_shift): "
            "learning its baseline"
        )
        runtime.baseline_release_id = release.id
        return
    base = releases.get(runtime.baseline_release_id or -1)
    if base is not None and accepted(runtime, releases) and runtime.fitted:
        runtime.under_test = {
            "release": release.name,
            "against": base.name,
            "changed": changed_surfaces(base, release),
        }
        runtime.note(
            f"testing release {release.name} against the baseline of "
            f"{'known-good ' if base.known_good else ''}release {base.name}"
        )
        return
    why = (
        f"the baseline of {base.name} was not complete"
        if base is not None and accepted(runtime, releases)
        else "no known-good baseline: mark a release known-good to keep its baseline"
    )
    runtime.reset(f"release {release.name} became active; {why}; learning its baseline")
    runtime.baseline_release_id = release.id


def marked(runtime: MonitorRuntime, release: ReleaseFacts, stored: Stored) -> bool:
    """The active release was marked known-good after the baseline in use was learned:
    should the baseline move to it?  (Restores it when it was learned before.)"""
    if not release.known_good or runtime.baseline_release_id == release.id:
        return False
    record = stored(release.id)
    if record is not None:
        runtime.restore(record, f"release {release.name} was marked known-good: its baseline")
    else:
        runtime.reset(
            f"release {release.name} was marked known-good: its observations from then on "
            "form the new baseline"
        )
    runtime.baseline_release_id = release.id
    return True


def describe(runtime: MonitorRuntime, releases: dict[int, ReleaseFacts]) -> None:
    """Refresh the name and known-good flag of the baseline's release for readers."""
    facts = releases.get(runtime.baseline_release_id or -1)
    if facts is None:
        runtime.describe_baseline(None, False)
    else:
        runtime.describe_baseline(facts.name, facts.known_good)


def evidence(runtime: MonitorRuntime) -> tuple[str, dict[str, Any] | None]:
    """The sentence an alarm adds about the release under test, and its data."""
    test = runtime.under_test
    if not test:
        return "", None
    changed = ", ".join(test["changed"]) or "no surface"
    return (
        f" in release {test['release']} (against the baseline of release {test['against']}; "
        f"changed: {changed})",
        dict(test),
    )


def _split(
    runtime: MonitorRuntime, observations: Observations, at: datetime, switch: Callable[[], Any]
) -> list[Fed]:
    """Feed what was received before ``at``, call ``switch`` (the baseline may move), feed
    the rest."""
    after = observations.received >= at.timestamp()
    split = int(np.argmax(after)) if after.any() else len(observations)
    feeds = [runtime.feed(observations.take(np.arange(split)))]
    switch()
    rest = observations.take(np.arange(split, len(observations)))
    rest.missing, rest.bad = 0, type(rest.bad)()
    feeds.append(runtime.feed(rest))
    return feeds


def keep(session: Session, runtime: MonitorRuntime) -> None:
    """Store a newly learned baseline per (monitor, release, settings), for a rollback."""
    config = runtime.config
    if runtime.baseline_stored or not runtime.fitted or config.pinned:
        return
    release_id = runtime.baseline_release_id
    if release_id is None:
        return
    runtime.baseline_stored = True
    exists = session.scalar(
        select(MonitorBaseline.id).where(
            MonitorBaseline.monitor_id == config.id,
            MonitorBaseline.release_id == release_id,
            MonitorBaseline.config_version == config.config_version,
        )
    )
    if exists is None:
        session.add(
            MonitorBaseline(
                monitor_id=config.id,
                release_id=release_id,
                config_version=config.config_version,
                reference=runtime.reference_record(),
            )
        )


def load(session: Session, config: Config, release_id: int) -> dict[str, Any] | None:
    """The baseline this monitor learned under a release with its current settings."""
    return session.scalar(
        select(MonitorBaseline.reference).where(
            MonitorBaseline.monitor_id == config.id,
            MonitorBaseline.release_id == release_id,
            MonitorBaseline.config_version == config.config_version,
        )
    )
