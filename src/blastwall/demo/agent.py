"""A realistic support agent, run through the Guard: classifier, retrieval, gated tools.

The "model" is simulated with a seeded random generator so the demo runs offline, but
every step goes through the real SDK: lever check, filters, retrieval narrowing, the
action gate on the irreversible refund, and export of the trace to the server. What it
runs comes from the release in force, never from this file: the model id
(``router-model``), the prompt (``system-prompt``), the retrieval sources
(``help-centre``) and the refund limit (``generation``); a rollback changes them at once.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from blastwall.sdk import Fallbacks, Guard
from blastwall.sdk.call import Call
from blastwall.sdk.errors import Refused
from blastwall.sdk.filters import PII, Secrets

CATEGORIES = ("general", "refund", "fraud", "account_access")
# Shares of each category on a normal day; the drift raises fraud (2% -> 9%).
BASELINE_SHARES = (0.62, 0.28, 0.02, 0.08)
# Used only until the SDK has received a release (a first start with the server away).
REFUND_LIMIT_EUR = 200

HELP_CENTRE = {
    "general": [("hc-12", "help-centre-articles", 0.82), ("hc-31", "shipping-faq", 0.64)],
    "refund": [("rp-01", "refund-policy", 0.91), ("hc-07", "help-centre-articles", 0.58)],
    "fraud": [("hc-44", "help-centre-articles", 0.71)],
    "account_access": [("hc-19", "help-centre-articles", 0.88)],
}
TICKETS = {
    "general": "Where is my parcel? Order {order} was due on Monday.",
    "refund": "The jacket from order {order} is torn, please refund {amount} EUR.",
    "fraud": "I did not place order {order}; someone used my card. Contact me at {email}",
    "account_access": "I cannot log in since I changed my phone number.",
}


@dataclass(frozen=True)
class Ticket:
    user_id: str
    text: str
    truth: str
    order: str
    amount: int


@dataclass(frozen=True)
class Reply:
    text: str
    decision: str
    label: str | None
    trace_id: str


def shares_with_fraud(fraud: float) -> tuple[float, ...]:
    """The category shares with fraud at ``fraud``, the others scaled to keep the sum 1."""
    rest = 1 - BASELINE_SHARES[2]
    scale = (1 - fraud) / rest
    return tuple(
        fraud if c == "fraud" else s * scale
        for c, s in zip(CATEGORIES, BASELINE_SHARES, strict=True)
    )


class SupportAgent:
    """Answers tickets for support-agent; ``fraud_share`` lets the demo inject a drift."""

    def __init__(self, guard: Guard, seed: int = 7) -> None:
        self.guard = guard
        self.rng = random.Random(seed)  # noqa: S311  (simulated traffic, not security)
        self.shares: tuple[float, ...] = BASELINE_SHARES
        self.refund_limit_eur = REFUND_LIMIT_EUR
        self.prompt = ""
        guard.declare_action(
            "issue_refund",
            reversible=False,
            validator=lambda a: (
                a["amount"] <= self.refund_limit_eur
                or f"refunds over {self.refund_limit_eur} EUR need a person"
            ),
        )
        guard.declare_action("account_hold", reversible=True)
        guard.declare_action("send_reply", reversible=True)
        guard.declare_action("escalate_to_human", reversible=True)

    def set_fraud_share(self, fraud: float) -> None:
        self.shares = shares_with_fraud(fraud)

    def next_ticket(self) -> Ticket:
        truth = self.rng.choices(CATEGORIES, weights=BASELINE_SHARES)[0]
        amount = self.rng.choice((19, 45, 80, 120, 240))
        order = f"A{self.rng.randint(10_000, 99_999)}"
        text = TICKETS[truth].format(order=order, amount=amount, email="kim@example.com")
        return Ticket(f"u-{self.rng.randint(1, 5000)}", text, truth, order, amount)

    def handle(self, ticket: Ticket) -> Reply:
        with self.guard.call(
            user_id=ticket.user_id, input=ticket.text, model="router-model"
        ) as call:
            label: str | None = None
            if call.should_run:
                self._configure(call)
                label = self.rng.choices(CATEGORIES, weights=self.shares)[0]
                sources = call.surface("help-centre", None)
                found = [d for d in HELP_CENTRE[label] if sources is None or d[1] in sources]
                docs = call.add_documents(found)
                answer = self._act(call, label, ticket, len(docs))
                call.set_output(
                    answer,
                    label=label,
                    confidence=round(self.rng.uniform(0.7, 0.99), 3),
                    input_tokens=len(ticket.text) // 4,
                    output_tokens=len(answer) // 4,
                )
        return Reply(str(call.output), call.decision.value, label, call.trace_id)

    def _configure(self, call: Call) -> None:
        """Take the prompt and refund limit of the release in force for this call."""
        self.prompt = call.surface("system-prompt", "")
        config = call.surface("generation", {})
        limit = config.get("refund_limit_eur") if isinstance(config, Mapping) else None
        self.refund_limit_eur = limit if isinstance(limit, int) else REFUND_LIMIT_EUR

    def _act(self, call: Call, label: str, ticket: Ticket, n_docs: int) -> str:
        try:
            if label == "refund":
                call.action("issue_refund", order=ticket.order, amount=ticket.amount)
                answer = f"I have refunded {ticket.amount} EUR to your card."
            elif label == "fraud":
                call.action("account_hold", user=ticket.user_id)
                answer = "We have put a hold on your account while our team checks the order."
            elif label == "account_access":
                call.action("escalate_to_human", queue="identity")
                answer = "A colleague will help you get back into your account today."
            else:
                answer = f"Here is what I found in {n_docs} help-centre articles."
        except Refused as refused:
            call.action("escalate_to_human", queue="support")
            answer = f"A colleague will take this over ({refused.reason})."
        call.action("send_reply")
        return answer


def make_guard(server: str, token: str, state_file: str | None = None) -> Guard:
    """The Guard the demo agent runs behind, with its fallbacks and filters."""
    return Guard(
        system="support-agent",
        environment="prod",
        server=server,
        token=token,
        # The name of the release's model surface: each call gets its model id from the
        # release in force (a reroute lever still wins). The release itself is not named.
        model="router-model",
        fallbacks=Fallbacks(
            killed="Our assistant is paused. A member of our team will reply within 4 hours.",
            human="A member of our team will reply within 4 hours.",
            safe_mode="Please see https://help.example.com/refunds for our refund policy.",
        ),
        output_filters=(PII(), Secrets()),
        state_file=state_file or False,
    )
