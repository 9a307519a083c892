"""The demo follows the running drills of its system and applies their faults (P3).

A drill started with ``blastwall drill run`` is recorded by Blastwall with the fault it
injects; this thread reads ``GET /api/v1/drills/faults`` every second with the demo's
viewer token and sets them on the agent, so the fault is real behaviour of the running
demo, starts within a second, and ends when the drill ends or times out (even if the
CLI that started it is gone). Faults through the registry (a bad release) need nothing
here: the SDK already runs the release in force.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx

from blastwall.demo.model import FaultBox, Faults


class DrillFollower(threading.Thread):
    """Polls the faults of ``system``'s running drills into ``box``; ``say`` reports changes."""

    def __init__(
        self,
        server: str,
        token: str,
        box: FaultBox,
        say: Callable[[str], None],
        *,
        system: str = "support-agent",
        environment: str = "prod",
        interval_s: float = 1.0,
    ) -> None:
        super().__init__(name="blastwall-demo-drills", daemon=True)
        self.box = box
        self.say = say
        self.interval_s = interval_s
        self.params = {"system": system, "environment": environment}
        self.stopped = threading.Event()
        self.http = httpx.Client(
            base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=2.0
        )

    def poll(self) -> None:
        """One look; a server away or answering an error leaves the faults as they are."""
        try:
            response = self.http.get("/api/v1/drills/faults", params=self.params)
        except httpx.HTTPError:
            return
        if response.status_code != httpx.codes.OK:
            return
        faults = Faults.of(response.json().get("faults") or {})
        if self.box.set(faults):
            self.say(f"demo: drill faults now: {faults.describe()}")

    def run(self) -> None:
        while not self.stopped.wait(self.interval_s):
            self.poll()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
        self.http.close()
