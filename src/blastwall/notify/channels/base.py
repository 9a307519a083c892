"""What every channel type provides, and what a delivery attempt can come to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from blastwall.notify.message import Message


@dataclass(frozen=True)
class Delivered:
    """The receiver accepted the message (2xx, SMTP 250)."""

    detail: str = ""


@dataclass(frozen=True)
class RetryLater:
    """A transient failure (timeout, 5xx, 429): try again, not before ``after_s`` if given.

    ``after_s`` is the receiver's ``Retry-After`` in seconds when it sent one.
    """

    error: str
    after_s: float | None = None


@dataclass(frozen=True)
class Rejected:
    """The receiver refused the message as malformed or unauthorized (4xx): retrying won't help."""

    error: str


Outcome = Delivered | RetryLater | Rejected


class Channel(Protocol):
    """A configured destination: ``send`` renders ``message`` in the channel's format and
    delivers it, returning an :data:`Outcome` instead of raising for network or receiver
    failures. ``idempotency_key`` is stable for one (change, channel) pair; channels pass it
    on where the receiver supports it (PagerDuty ``dedup_key`` is per incident instead).
    """

    type: ClassVar[str]
    name: str

    def send(self, message: Message, *, idempotency_key: str) -> Outcome: ...


@runtime_checkable
class Transcribes(Protocol):
    """A channel that can say exactly what it sent, for the communications ledger.

    ``transcript`` returns the body ``send`` puts on the wire for ``message`` (a secret in it
    replaced by ``***``), or None when ``send`` sends nothing for it. The four shipped
    channels implement it; a channel that does not is transcribed by ``plain_text``.
    """

    def transcript(self, message: Message, *, idempotency_key: str) -> str | None: ...
