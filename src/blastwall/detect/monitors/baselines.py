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
from typing import Any

from blastwall.detect.monitors.runtime import MonitorRuntime
from blastwall.registry.known_good import ReleaseFacts, changed_surfaces

# Loads the baseline stored for (release id) of this monitor's current settings, if any.
Stored = Callable[[int], "dict[str, Any] | None"]


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
