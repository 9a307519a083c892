"""Every domain's router, mounted under /api/v1 by the app."""

from fastapi import APIRouter

from blastwall.access.api import router as access_router
from blastwall.alerts.api import router as alerts_router
from blastwall.approvals.api import router as approvals_router
from blastwall.blastradius.api import router as blastradius_router
from blastwall.canaries.api import router as canaries_router
from blastwall.comms.api import router as comms_router
from blastwall.config_as_code.api import router as config_router
from blastwall.detect.monitors.api import router as monitors_router
from blastwall.drills.api import router as drills_router
from blastwall.evidence.api import router as evidence_router
from blastwall.handoffs.api import router as handoffs_router
from blastwall.incidents.api import router as incidents_router
from blastwall.levers.api import router as levers_router
from blastwall.notices.api import router as notices_router
from blastwall.notify.api import router as notify_router
from blastwall.oncall.api import router as oncall_router
from blastwall.policies.api import router as policies_router
from blastwall.postmortems.api import router as postmortems_router
from blastwall.readiness.api import router as readiness_router
from blastwall.registry.api import router as registry_router
from blastwall.regulatory.api import router as regulatory_router
from blastwall.review.api import router as review_router
from blastwall.runbook.api import router as runbook_router
from blastwall.tasks.api import router as tasks_router
from blastwall.traces.api import router as traces_router
from blastwall.triage.api import router as triage_router
from blastwall.updates.api import router as updates_router

ALL: list[APIRouter] = [access_router, registry_router, levers_router, incidents_router]
ALL += [traces_router, handoffs_router, approvals_router]
ALL += [config_router]
ALL += [monitors_router]
ALL += [canaries_router]
ALL += [review_router]
ALL += [tasks_router]
ALL += [oncall_router]
ALL += [notify_router]
ALL += [alerts_router]
ALL += [triage_router, runbook_router]
ALL += [policies_router]
ALL += [postmortems_router]
ALL += [regulatory_router]
ALL += [readiness_router]
ALL += [drills_router]
ALL += [blastradius_router, evidence_router]
ALL += [comms_router, updates_router, notices_router]
