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
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from blastwall.demo import model
from blastwall.demo.model import ARTICLES, CARD_REQUEST, LEAKED_DOC, REFUSAL, FaultBox, route
from blastwall.sdk import Fallbacks, Guard
from blastwall.sdk.call import Call
from blastwall.sdk.errors import Refused
from blastwall.sdk.filters import PII, Blocklist, PromptInjection, Secrets

CATEGORIES = ("general", "refund", "fraud", "account_access")
# Shares of each category on a normal day; the drift raises fraud (2% -> 9%).
BASELINE_SHARES = (0.62, 0.28, 0.02, 0.08)
# Phrases a support answer must never contain (PCI DSS: never ask for card data).
COMPLIANCE_TERMS = ("card number", "CVV", "security code")
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
    """Answers tickets for support-agent; ``faults`` holds what a drill injected.

    One agent serves the demo traffic and the chat endpoint from several threads, so each
    call runs under ``lock`` (the simulated model's generator and settings are shared).
    """

    def __init__(self, guard: Guard, seed: int = 7) -> None:
        self.guard = guard
        self.rng = random.Random(seed)  # noqa: S311  (simulated traffic, not security)
        # The wording and the injected faults draw from their own generator, so the
        # sequence of tickets and labels is the same whatever the faults.
        self.style = random.Random(seed + 1)  # noqa: S311
        self.shares: tuple[float, ...] = BASELINE_SHARES
        self.refund_limit_eur = REFUND_LIMIT_EUR
        self.temperature = model.BASE_TEMPERATURE
        self.prompt = ""
        self.faults = FaultBox()
        self.lock = threading.RLock()
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
        """Answer a generated ticket; the simulated router draws its label from ``shares``."""
        with self.lock:
            share = self.faults.current.fraud_share
            shares = shares_with_fraud(share) if share is not None else self.shares
            return self._answer(ticket, lambda: self.rng.choices(CATEGORIES, weights=shares)[0])

    def answer(self, user_id: str, message: str) -> Reply:
        """Answer a customer's own message (the chat endpoint): routed by what it says."""
        order, amount = model.order_and_amount(message)
        ticket = Ticket(user_id, message, route(message), order or "unknown", amount or 0)
        with self.lock:
            return self._answer(ticket, lambda: ticket.truth)

    def _answer(self, ticket: Ticket, classify: Callable[[], str]) -> Reply:
        with self.guard.call(
            user_id=ticket.user_id, input=ticket.text, model="router-model"
        ) as call:
            label: str | None = None
            if call.should_run:
                self._configure(call)
                label = classify()
                answer = self._generate(call, label, ticket)
                call.set_output(
                    answer,
                    label=label,
                    confidence=round(self.rng.uniform(0.7, 0.99), 3),
                    input_tokens=len(ticket.text) // 4,
                    output_tokens=len(answer) // 4,
                )
        return Reply(str(call.output), call.decision.value, label, call.trace_id)

    def _generate(self, call: Call, label: str, ticket: Ticket) -> str:
        """The simulated model's answer, with whatever faults are in force."""
        faults = self.faults.current
        if model.updated_model_refuses(self.style, faults):
            call.action("send_reply")
            return REFUSAL
        sources = call.surface("help-centre", None)
        index = HELP_CENTRE[label]
        if faults.leak_document and label == "general":
            index = [LEAKED_DOC, *index]
        found = [d for d in index if sources is None or d[1] in sources]
        docs = call.add_documents(found)
        top = ARTICLES[found[0][0]] if found else ""
        answer = self._act(call, label, ticket, len(docs), top)
        if model.asks_for_card(self.style, faults):
            answer += CARD_REQUEST
        return answer + model.ramble(self.style, self.temperature)

    def _configure(self, call: Call) -> None:
        """Take the prompt, refund limit and temperature of the release in force."""
        self.prompt = call.surface("system-prompt", "")
        config = call.surface("generation", {})
        if not isinstance(config, Mapping):
            config = {}
        limit = config.get("refund_limit_eur")
        self.refund_limit_eur = limit if isinstance(limit, int) else REFUND_LIMIT_EUR
        temperature = config.get("temperature")
        self.temperature = (
            float(temperature) if isinstance(temperature, int | float) else model.BASE_TEMPERATURE
        )

    def _act(self, call: Call, label: str, ticket: Ticket, n_docs: int, quote: str) -> str:
        try:
            if label == "refund" and ticket.amount <= 0:
                answer = "Which order is it, and how much should I refund?"
            elif label == "refund":
                call.action("issue_refund", order=ticket.order, amount=ticket.amount)
                answer = f"I have refunded {ticket.amount} EUR to your card."
            elif label == "fraud":
                call.action("account_hold", user=ticket.user_id)
                answer = "We have put a hold on your account while our team checks the order."
            elif label == "account_access":
                call.action("escalate_to_human", queue="identity")
                answer = "A colleague will help you get back into your account today."
            else:
                found = f"Here is what I found in {n_docs} help-centre articles."
                answer = model.worded(self.style, f"{found} {quote}".strip())
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
        # Injection attempts never reach the model; the action gate still guards the refund
        # (a variant the filter misses meets the refund limit). Card details are never asked.
        input_filters=(PromptInjection(),),
        output_filters=(PII(), Secrets(), Blocklist(COMPLIANCE_TERMS, name="compliance")),
        state_file=state_file or False,
    )
