"""The top of the house: which domain subscribes to which changes (see ``changes.record``).

Each line connects a domain that owns some records to the changes that write them. The
change kernel imports this module on first use, so every entry point gets the same list.
"""

from __future__ import annotations

from blastwall import changes
from blastwall.changes import references
from blastwall.detect import alarms, verification
from blastwall.detect.monitors import service as monitor_service
from blastwall.drills import service as drills
from blastwall.incidents import containment, hold, timeline
from blastwall.incidents import drills as incident_drills
from blastwall.incidents import subscribers as incidents
from blastwall.incidents.for_detect import MonitorIntake, VerificationTimeline
from blastwall.levers import notify as lever_streams
from blastwall.notify import outbox, wake
from blastwall.paging import service as paging
from blastwall.policies import evaluate as policies

# Evidence hold (F4): a change to a held system without a required reason is refused
# before any other subscriber acts on it.
changes.subscribe("", hold.refuse_without_reason)
# Incidents: every change made for an incident lands on its timeline, in the transaction.
changes.subscribe("", incidents.add_to_timeline)
# After the timeline: a change to a held system is flagged on the holding incidents'
# timelines (its own entry amended), and a severe incident opens under hold.
changes.subscribe("", hold.flag_change)
changes.subscribe("incident.open", hold.hold_on_open)
changes.subscribe("incident.update", hold.hold_on_raise)
# Levers and releases refuse an unknown incident; a system with incidents is not deleted.
# A lever or rollback made for an incident contains it (its own incident.transition).
changes.subscribe("lever.", containment.contain_on_change)
changes.subscribe("release.rollback", containment.contain_on_change)
references.answer_require("incident", timeline.require_incident)
references.answer_holders("system", "incident(s)", timeline.count_for_system)
# A release's expect_shift names monitors, which detect (above registry) owns.
references.answer_names("monitor", monitor_service.names_of)

# Lever streams: SDKs following the stream hear of a new revision once it is committed.
changes.subscribe_after_commit("lever.", lever_streams.announce_change)

# Notifications: queued with the change (same transaction), the dispatcher woken after commit.
changes.subscribe("", outbox.enqueue)
changes.subscribe_after_commit("", wake.wake)

# Detect hands alarms to incidents' intake and reads the changes to verify through ports
# it declares (it sits below incidents and must not import it; see detect/alarms.py).
alarms.connect(MonitorIntake())
verification.connect(VerificationTimeline())

# Paging: an opened incident pages its policy's level 1; acknowledge or resolve stops it.
# After the outbox, so a PagerDuty resolve a route already queued is not queued twice.
changes.subscribe("incident.open", paging.start)
changes.subscribe("incident.", paging.stop)

# Auto-containment policies (C8) act on the signals that open or join incidents, in their
# transaction; each action in its own savepoint, so a failed action never undoes the signal.
for action in policies.TRIGGERS:
    changes.subscribe(action, policies.on_change)

# Game days (P3): an incident opened while a live drill runs on its system is a drill's.
incident_drills.connect(drills.running_live)
