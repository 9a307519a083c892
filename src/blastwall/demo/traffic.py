"""Demo traffic: the support agent answers a steady stream of tickets and says what it sees."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
from rich.console import Console

from blastwall.demo.agent import SupportAgent, make_guard

DRIFTED_FRAUD_SHARE = 0.09


class Traffic(threading.Thread):
    """Runs the agent at ``rate`` tickets/s; after ``drift_after_s`` the fraud share rises."""

    def __init__(
        self,
        server: str,
        token: str,
        console: Console,
        *,
        rate: float = 20.0,
        drift_after_s: float | None = 60.0,
        report_every_s: float = 5.0,
    ) -> None:
        super().__init__(name="blastwall-demo-traffic", daemon=True)
        self.server = server
        self.token = token
        self.agent: SupportAgent | None = None  # made once the server answers
        self.console = console
        self.rate = rate
        self.drift_after_s = drift_after_s
        self.report_every_s = report_every_s
        self.stopped = threading.Event()

    def wait_for_server(self, timeout_s: float = 30.0) -> None:
        """Start once the server answers, so the first tickets don't race its start-up."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self.stopped.is_set():
            try:
                httpx.get(f"{self.server}/healthz", timeout=1.0)
                return
            except httpx.HTTPError:
                time.sleep(0.2)

    def run(self) -> None:
        self.wait_for_server()
        self.agent = agent = SupportAgent(make_guard(self.server, self.token))
        started = time.monotonic()
        window: Counter[str] = Counter()
        last_report = started
        last_decision = "proceed"
        drifted = False
        while not self.stopped.wait(1 / self.rate):
            now = time.monotonic()
            if (
                not drifted
                and self.drift_after_s is not None
                and now - started >= self.drift_after_s
            ):
                drifted = True
                agent.set_fraud_share(DRIFTED_FRAUD_SHARE)
                self.console.print(
                    "[yellow]demo: drift injected[/] - the classifier now routes "
                    f"{DRIFTED_FRAUD_SHARE:.0%} of tickets to fraud (was 2%)"
                )
            reply = agent.handle(agent.next_ticket())
            window[reply.decision] += 1
            if reply.decision != last_decision:
                self.console.print(
                    f"[bold]demo: support-agent decision is now {reply.decision}[/] "
                    f"- customers see: {reply.text!r}"
                )
                last_decision = reply.decision
            if now - last_report >= self.report_every_s:
                mix = ", ".join(f"{d} {n}" for d, n in window.most_common())
                stats = agent.guard.stats()
                self.console.print(
                    f"demo: {sum(window.values())} tickets in {now - last_report:.0f}s ({mix}); "
                    f"traces sent {stats.get('sent', 0)}, dropped {stats.get('dropped', 0)}"
                )
                window.clear()
                last_report = now

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
        if self.agent is not None:
            self.agent.guard.close()
