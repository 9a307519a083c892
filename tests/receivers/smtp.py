"""A local SMTP server (aiosmtpd) that keeps every message, with optional STARTTLS and login.

``SmtpReceiver(tls=ca)`` offers STARTTLS with a certificate issued by a ``trustme`` CA
(write ``ca.cert_pem`` to a file and give it to the channel as ``ca_file``) and then
requires it; ``users={"name": "password"}`` requires AUTH LOGIN/PLAIN after TLS.
``fail_next("451 4.3.0 Try again later")`` answers the next DATA commands with that reply;
``refuse_recipients["x@example.com"] = "550 5.1.1 No such user"`` refuses one address.
"""

from __future__ import annotations

import ssl
import threading
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Self, cast

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from tests.live import free_port


@dataclass(frozen=True)
class Received:
    """One accepted message, and how its session was secured."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None


class SmtpReceiver:
    def __init__(
        self, *, tls: trustme.CA | None = None, users: dict[str, str] | None = None
    ) -> None:
        self.received: list[Received] = []
        # Recipient address -> the reply to RCPT TO (e.g. "550 5.1.1 No such user").
        self.refuse_recipients: dict[str, str] = {}
        self.port = free_port()
        self._users = users
        self._failures: deque[str] = deque()
        self._lock = threading.Lock()
        options: dict[str, Any] = {}
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.issue_cert("127.0.0.1", "localhost").configure_cert(context)
            options |= {"tls_context": context, "require_starttls": True}
        if users is not None:
            options |= {
                "authenticator": self._authenticate,
                "auth_required": True,
                # Refuse AUTH before STARTTLS when TLS is on, as real servers do.
                "auth_require_tls": tls is not None,
            }
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, **options
        )

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def fail_next(self, reply: str, *, times: int = 1) -> None:
        """Answer the next ``times`` DATA commands with ``reply`` (e.g. ``550 5.7.1 No``)."""
        with self._lock:
            self._failures.extend([reply] * times)

    def _authenticate(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: object,
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self._users is None:
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode()
        ok = self._users.get(login) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    def _take_failure(self) -> str | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None


class _Handler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self._receiver = receiver

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        refusal = self._receiver.refuse_recipients.get(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        failure = self._receiver._take_failure()
        if failure is not None:
            return failure
        content = cast(bytes, envelope.original_content or envelope.content)
        self._receiver.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                message=cast(EmailMessage, message_from_bytes(content, policy=policy.default)),
                tls=session.ssl is not None,
                login=cast(str | None, session.auth_data),
            )
        )
        return "250 Message accepted for delivery"
