"""Imports every domain's tables so ``Base.metadata`` is complete (migrations, tests)."""

from blastwall.access import models as access_models
from blastwall.incidents import models as incident_models
from blastwall.levers import models as lever_models
from blastwall.registry import models as registry_models

__all__ = ["access_models", "incident_models", "lever_models", "registry_models"]
