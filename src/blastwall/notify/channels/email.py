"""E-mail over SMTP: plain text and HTML alternatives, STARTTLS and login by default.

The Message-ID is derived from the idempotency key, so a retried delivery that the server
had in fact accepted carries the same Message-ID and mail clients thread or fold the copies.
The subject leads with severity and system, as pagers' mail filters expect.
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import ClassVar

from blastwall.notify.channels._render import facts, headline, plain_text, when
from blastwall.notify.channels.base import Delivered, Outcome, Rejected, RetryLater
from blastwall.notify.message import Message

SMTP_TRANSIENT = range(400, 500)


class EmailChannel:
    """Sends one e-mail per message to fixed recipients through one SMTP server."""

    type: ClassVar[str] = "email"

    def __init__(
        self,
        name: str,
        *,
        smtp_host: str,
        sender: str,
        to: list[str],
        smtp_port: int = 587,
        starttls: bool = True,
        username: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if not to:
            raise ValueError(f"channel {name!r}: list at least one recipient in 'to'")
        if "@" not in sender:
            raise ValueError(f"channel {name!r}: 'sender' must be an e-mail address")
        if username and not starttls:
            # A login without TLS sends the password readable by anyone on the path.
            raise ValueError(
                f"channel {name!r}: SMTP login needs STARTTLS (the password would cross the "
                "network in clear); set starttls: true, or drop the username"
            )
        if bool(username) != bool(password):
            raise ValueError(
                f"channel {name!r}: SMTP login needs both a username and a password; set both "
                "environment variables the channel names, or neither"
            )
        self.name = name
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port
        self.sender = sender
        self.to = list(to)
        self.starttls = starttls
        self.username = username
        self._password = password
        self._ca_file = ca_file
        self._timeout_s = timeout_s

    def render(self, message: Message, *, idempotency_key: str) -> EmailMessage:
        """The e-mail: text/plain and text/html alternatives, user text escaped in HTML."""
        mail = EmailMessage()
        mail["Subject"] = headline(message)
        mail["From"] = self.sender
        # A page is for one person (Message.recipient); a route's message for the channel's list.
        mail["To"] = message.recipient or ", ".join(self.to)
        mail["Date"] = format_datetime(_aware(message))
        mail["Message-ID"] = message_id(idempotency_key, self.sender)
        mail.set_content(plain_text(message))
        mail.add_alternative(_html(message), subtype="html")
        return mail

    def transcript(self, message: Message, *, idempotency_key: str) -> str:
        """What the reader gets: the subject, the recipients and the text/plain part."""
        mail = self.render(message, idempotency_key=idempotency_key)
        return f"Subject: {mail['Subject']}\nTo: {mail['To']}\n\n{plain_text(message)}"

    def send(self, message: Message, *, idempotency_key: str) -> Outcome:
        """Deliver over SMTP: 2xx delivered, 4xx retried later, 5xx refused."""
        mail = self.render(message, idempotency_key=idempotency_key)
        try:
            refused = self._deliver(mail)
        except (smtplib.SMTPException, OSError) as exc:
            return self._failure(exc)
        if refused:
            return Delivered(f"accepted except {_recipients(refused)}")
        return Delivered(f"accepted for {len(self.to)} recipient(s)")

    def _deliver(self, mail: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """One SMTP session: STARTTLS, login, send; the recipients refused, if some were."""
        with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=self._timeout_s) as smtp:
            smtp.ehlo_or_helo_if_needed()
            if self.starttls:
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(
                        "the server does not offer STARTTLS; set starttls: false only for a "
                        "relay on a trusted network"
                    )
                smtp.starttls(context=ssl.create_default_context(cafile=self._ca_file))
                smtp.ehlo()  # the server's extensions may differ once the session is encrypted
            if self.username and self._password:
                if not smtp.has_extn("auth"):
                    raise smtplib.SMTPNotSupportedError(
                        "the server does not offer SMTP AUTH; drop the username and password"
                    )
                smtp.login(self.username, self._password)
            return smtp.send_message(mail)

    def _failure(self, exc: smtplib.SMTPException | OSError) -> Outcome:
        """An SMTP failure as an outcome: 4xx and network trouble are worth another try."""
        where = f"smtp://{self.smtp_host}:{self.smtp_port}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            said = _recipients(exc.recipients)
            if all(code in SMTP_TRANSIENT for code, _ in exc.recipients.values()):
                return RetryLater(f"{where} refused every recipient for now: {said}")
            return Rejected(f"{where} refused every recipient: {said}")
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return Rejected(f"{where}: {exc}")
        if isinstance(exc, smtplib.SMTPResponseException):
            said = f"{where} answered {_said(exc.smtp_code, exc.smtp_error)}"
            return RetryLater(said) if exc.smtp_code in SMTP_TRANSIENT else Rejected(said)
        if isinstance(exc, ssl.SSLCertVerificationError):
            return Rejected(
                f"{where}: TLS certificate not trusted ({exc.verify_message}); if a private CA "
                "signed it, point the server's SSL_CERT_FILE at a bundle that includes it"
            )
        # Timeouts, refused connections, dropped sessions: the server may be back soon.
        return RetryLater(f"could not deliver through {where} ({type(exc).__name__}: {exc})")

    def close(self) -> None:
        """Nothing held between sends: each send opens its own SMTP session."""


def message_id(idempotency_key: str, sender: str) -> str:
    """``<hash@domain>`` from the idempotency key: the same on every retry of a delivery."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "blastwall.invalid"
    return f"<{digest}@{domain}>"


def _recipients(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{to}: {_said(code, text)}" for to, (code, text) in refused.items())


def _said(code: int, text: bytes | str) -> str:
    words = text.decode(errors="replace") if isinstance(text, bytes) else text
    return f"{code} {words}".strip()


def _aware(message: Message) -> datetime:
    at = message.at
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _html(message: Message) -> str:
    e = html.escape
    rows = "".join(
        f'<tr><th align="left">{e(label)}</th><td>{e(value)}</td></tr>'
        for label, value in facts(message)
    )
    summary = f"<p>{e(message.summary)}</p>" if message.summary.strip() else ""
    links = "".join(
        f'<p><a href="{e(link.href)}">{e(link.text)}</a></p>'
        for link in message.links
        if link.href.startswith(("https://", "http://"))
    )
    by = f" by {e(message.actor)}" if message.actor else ""
    return (
        f"<html><body><h2>{e(message.title)}</h2>{summary}<table>{rows}</table>"
        f"<p><small>{e(message.event)}{by} at {e(when(message.at))}</small></p>{links}"
        "</body></html>\n"
    )
