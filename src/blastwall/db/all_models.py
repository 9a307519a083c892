"""Imports every domain's tables so ``Base.metadata`` is complete (migrations, tests)."""

from blastwall.access import models as access_models
from blastwall.alerts import models as alert_models
from blastwall.approvals import models as approval_models
from blastwall.canaries import models as canary_models
from blastwall.changes import models as change_models
from blastwall.detect.monitors import models as monitor_models
from blastwall.handoffs import models as handoff_models
from blastwall.idempotency import models as idempotency_models
from blastwall.incidents import models as incident_models
from blastwall.levers import models as lever_models
from blastwall.notify import models as notify_models
from blastwall.oncall import models as oncall_models
from blastwall.policies import models as policy_models
from blastwall.registry import models as registry_models
from blastwall.review import models as review_models
from blastwall.traces import models as trace_models
from blastwall.triage import models as triage_models

__all__ = ["access_models", "incident_models", "lever_models", "registry_models"]
__all__ += ["approval_models", "handoff_models", "trace_models"]
__all__ += ["monitor_models"]
__all__ += ["review_models"]
__all__ += ["canary_models"]
__all__ += ["change_models", "idempotency_models"]
__all__ += ["oncall_models"]

__all__ += ["notify_models"]
__all__ += ["alert_models"]
from blastwall.paging import models as paging_models  # noqa: E402

__all__ += ["paging_models"]
__all__ += ["triage_models"]
__all__ += ["policy_models"]
from blastwall.comms import models as comms_models  # noqa: E402

__all__ += ["comms_models"]
from blastwall.postmortems import models as postmortem_models  # noqa: E402

__all__ += ["postmortem_models"]
from blastwall.regulatory import models as regulatory_models  # noqa: E402

__all__ += ["regulatory_models"]
from blastwall.drills import models as drill_models  # noqa: E402

__all__ += ["drill_models"]
from blastwall.updates import models as update_models  # noqa: E402

__all__ += ["update_models"]
