"""The shipped example applied, with a known-good release and a newer one in force in prod."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from blastwall.config_as_code.apply import apply
from blastwall.registry import releases
from tests.config_as_code.factories import ADMIN, EXAMPLE_NAME, example
from tests.policies.factories import policy, store

AT = "2026-03-17T12:00:00Z"  # Tuesday; dana.okafor's week on support-primary


def arrange(factory: sessionmaker[Session]) -> None:
    """Apply the example; mark 'initial' known-good; create and activate 'v2' in prod; store
    an enforce policy (kill on refusals) and an observe one (safe mode on fraud-share)."""
    with factory() as session, session.begin():
        apply(session, example(), actor=ADMIN)
        assert EXAMPLE_NAME
        releases.mark_known_good(session, "support-agent", "initial", actor=ADMIN, reason="ok")
        releases.activate(session, "support-agent", "initial", environment="prod", actor=ADMIN)
        prompt = {"template": "You are terse.", "variables": []}
        releases.create_release(
            session, "support-agent", name="v2", surfaces={"system-prompt": prompt}, actor=ADMIN
        )
        releases.activate(session, "support-agent", "v2", environment="prod", actor=ADMIN)
        watch = policy(
            name="safe-on-fraud",
            mode="observe",
            when={"alarm": {"monitor": "fraud-share"}},
            do=[{"environment": "prod", "set": {"safe_mode": True}}],
            cooldown="10m",
        )
        store(session, watch, policy())
