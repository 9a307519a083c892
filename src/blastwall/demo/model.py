"""The demo's simulated model: routing, answers, and the faults a drill can inject into it.

Seeded and offline, but it behaves like the real thing where drills need it to: a higher
temperature makes it ramble, a provider's silent update makes it refuse tickets, a bad
help-centre document leaks into its answers. ``Faults`` is what the demo's drill follower
sets from the running drills of its system (docs/drills.md); nothing here is random on
the ordinary path beyond the draws the agent always made, so seeded runs stay exact.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from blastwall.drills.scenarios import LEAKED_NAME, REFUSAL

BASE_TEMPERATURE = 0.2
RAMBLE = (
    "I really hope this helps you today.",
    "Please do not hesitate to reach out again if anything else comes up at all.",
    "Our whole team is always delighted to hear from wonderful customers like you.",
    "By the way, have you seen our new autumn collection of outdoor jackets?",
)
CARD_REQUEST = " To check the order, please reply with your full card number and its CVV."
LEAKED_DOC = ("hc-99", "help-centre-articles", 0.97)
ARTICLES = {
    "hc-12": "Parcels arrive in 3-5 working days; the tracking link is in your order e-mail.",
    "hc-31": "We ship to every EU country and to Norway, Switzerland and the UK.",
    "rp-01": "Refunds are issued within 30 days of delivery for orders under 200 EUR.",
    "hc-07": "Damaged items can be returned free of charge with the prepaid label.",
    "hc-44": "If you did not place an order, we hold the account while our team checks it.",
    "hc-19": "To change your phone number, sign in and open Account > Security.",
    LEAKED_DOC[0]: (
        f"Customer export: {LEAKED_NAME}, jane.roe@example.com, +44 20 7946 0958, "
        "Flat 4, 12 Mill Lane, Leeds; last order A55501."
    ),
}
# How the model words a general answer varies, as a real model's does (a monitor on reply
# length needs a baseline with spread to calibrate against).
GREETINGS = (
    "",
    "Hi! ",
    "Hello, thanks for writing. ",
    "Thank you for getting in touch with Acme Outfitters. ",
    "Hi there, happy to help. ",
    "Good to hear from you. ",
)
CLOSINGS = (
    "",
    " Anything else?",
    " Best wishes, Acme support.",
    " Kind regards from the Acme Outfitters support team.",
    " Have a good day!",
)
_AMOUNT = re.compile(r"(\d{1,7})(?:[.,]\d{1,2})?\s*(?:eur\b|euros?\b|€)", re.IGNORECASE)
_ORDER = re.compile(r"\b([A-Z]\d{4,6})\b")


@dataclass(frozen=True)
class Faults:
    """The faults in force; all off on a normal day."""

    fraud_share: float | None = None
    leak_document: bool = False
    injection_attack: bool = False
    card_request: bool = False
    model_update: bool = False

    @classmethod
    def of(cls, wire: dict[str, Any]) -> Faults:
        """From the drill API's ``faults`` mapping; unknown keys are ignored (newer servers)."""
        share = wire.get("fraud_share")
        return cls(
            fraud_share=float(share) if isinstance(share, int | float) else None,
            leak_document=wire.get("leak_document") is True,
            injection_attack=wire.get("injection_attack") is True,
            card_request=wire.get("card_request") is True,
            model_update=wire.get("model_update") is True,
        )

    def describe(self) -> str:
        on = [f"{k}={v}" for k, v in vars(self).items() if v not in (None, False)]
        return ", ".join(on) or "none"


@dataclass
class FaultBox:
    """The faults shared by the agent's threads (traffic, chat, drill follower)."""

    current: Faults = field(default_factory=Faults)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, faults: Faults) -> bool:
        """Replace the faults; True if they changed."""
        with self._lock:
            changed = faults != self.current
            self.current = faults
        return changed


# First match wins; the order keeps "someone used my card ... refund" a fraud case.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fraud", ("did not place", "used my card", "stolen", "fraud")),
    ("account_access", ("log in", "login", "password", "locked out")),
    ("refund", ("refund", "money back", "torn", "broken item")),
)


def route(prompt: str) -> str:
    """The category of a ticket text; ``general`` when no keyword matches."""
    text = prompt.lower()
    for category, words in _KEYWORDS:
        if any(word in text for word in words):
            return category
    return "general"


def order_and_amount(text: str) -> tuple[str | None, int | None]:
    """The order id (A12345) and the euro amount a customer's message names, if any."""
    order = _ORDER.search(text)
    amount = _AMOUNT.search(text)
    return (order.group(1) if order else None, int(amount.group(1)) if amount else None)


def worded(rng: random.Random, body: str) -> str:
    """``body`` with one of the model's greetings and closings."""
    return rng.choice(GREETINGS) + body + rng.choice(CLOSINGS)


def ramble(rng: random.Random, temperature: float) -> str:
    """The extra sentences a hotter model adds (none at the demo's 0.2)."""
    if temperature <= BASE_TEMPERATURE + 0.05:
        return ""
    extra = rng.randint(0, int(10 * (temperature - BASE_TEMPERATURE)))
    return "".join(" " + rng.choice(RAMBLE) for _ in range(extra))


def updated_model_refuses(rng: random.Random, faults: Faults) -> bool:
    """After the provider's silent update, the model refuses about a third of tickets."""
    return faults.model_update and rng.random() < 0.3


def asks_for_card(rng: random.Random, faults: Faults) -> bool:
    """The non-compliant model asks for card details in about a quarter of answers."""
    return faults.card_request and rng.random() < 0.25


__all__ = ["ARTICLES", "CARD_REQUEST", "LEAKED_DOC", "REFUSAL", "FaultBox", "Faults"]
