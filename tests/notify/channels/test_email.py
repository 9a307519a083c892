"""E-mail over SMTP against a local aiosmtpd server: the message, STARTTLS, login, SMTP replies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from blastwall.notify.channels.base import Delivered, Rejected, RetryLater
from blastwall.notify.channels.email import EmailChannel, message_id
from tests.live import free_port
from tests.notify.channels.factories import make_message
from tests.receivers.smtp import SmtpReceiver

PASSWORD = "pa55-w0rd-never-logged"
EXPECTED_TEXT = """Incident opened: answers leak PII

The bot quoted <other> customers' e-mails & phones. <!channel>

Severity: SEV1
System: support-bot (prod)
Status: detected
Levers pulled: kill:support-bot
Commander: ana
Next update due: 2026-12-06 20:00 UTC

incident.opened by monitor:pii-rate at 2026-12-06 19:30 UTC
Open incident 42: https://blastwall.example/incidents/42
"""
EXPECTED_HTML = (
    "<html><body><h2>Incident opened: answers leak PII</h2>"
    "<p>The bot quoted &lt;other&gt; customers&#x27; e-mails &amp; phones. &lt;!channel&gt;</p>"
    "<table>"
    '<tr><th align="left">Severity</th><td>SEV1</td></tr>'
    '<tr><th align="left">System</th><td>support-bot (prod)</td></tr>'
    '<tr><th align="left">Status</th><td>detected</td></tr>'
    '<tr><th align="left">Levers pulled</th><td>kill:support-bot</td></tr>'
    '<tr><th align="left">Commander</th><td>ana</td></tr>'
    '<tr><th align="left">Next update due</th><td>2026-12-06 20:00 UTC</td></tr>'
    "</table>"
    "<p><small>incident.opened by monitor:pii-rate at 2026-12-06 19:30 UTC</small></p>"
    '<p><a href="https://blastwall.example/incidents/42">Open incident 42</a></p>'
    "</body></html>\n"
)


def mailer(port: int, **options: object) -> EmailChannel:
    settings: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "sender": "blastwall@example.com",
        "to": ["oncall@example.com", "leads@example.com"],
        "starttls": False,
    }
    return EmailChannel("incident-mail", **(settings | options))  # type: ignore[arg-type]


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_message_renders_subject_headers_and_both_parts() -> None:
    mail = mailer(25).render(make_message(), idempotency_key="7:incident-mail")
    assert mail["Subject"] == "SEV1 support-bot: Incident opened: answers leak PII"
    assert mail["From"] == "blastwall@example.com"
    assert mail["To"] == "oncall@example.com, leads@example.com"
    assert mail["Date"] == "Sun, 06 Dec 2026 19:30:00 +0000"
    assert mail["Message-ID"] == message_id("7:incident-mail", "blastwall@example.com")
    assert mail.get_content_type() == "multipart/alternative"
    text, html = mail.iter_parts()
    assert (text.get_content_type(), text.get_content()) == ("text/plain", EXPECTED_TEXT)
    assert (html.get_content_type(), html.get_content()) == ("text/html", EXPECTED_HTML)


def test_message_id_is_stable_per_delivery_and_differs_between_deliveries() -> None:
    first = message_id("7:incident-mail", "blastwall@example.com")
    assert first == message_id("7:incident-mail", "blastwall@example.com")
    assert first != message_id("8:incident-mail", "blastwall@example.com")
    assert re.fullmatch(r"<[0-9a-f]{40}@example\.com>", first)


def test_a_title_with_line_breaks_cannot_inject_headers() -> None:
    mail = mailer(25).render(
        make_message(title="leak\r\nBcc: attacker@evil.example"), idempotency_key="k"
    )
    assert mail["Subject"] == "SEV1 support-bot: leak Bcc: attacker@evil.example"
    assert mail["Bcc"] is None


def test_delivers_to_every_recipient(smtp: SmtpReceiver) -> None:
    outcome = mailer(smtp.port).send(make_message(), idempotency_key="7:incident-mail")
    assert outcome == Delivered("accepted for 2 recipient(s)")
    [received] = smtp.received
    assert received.mail_from == "blastwall@example.com"
    assert received.rcpt_tos == ["oncall@example.com", "leads@example.com"]
    assert received.message["Subject"] == "SEV1 support-bot: Incident opened: answers leak PII"
    assert (received.tls, received.login) == (False, None)


def test_starttls_and_login_are_used_when_the_server_requires_them(
    ca: trustme.CA, ca_file: str
) -> None:
    with SmtpReceiver(tls=ca, users={"blastwall": PASSWORD}) as server:
        channel = mailer(
            server.port, starttls=True, username="blastwall", password=PASSWORD, ca_file=ca_file
        )
        outcome = channel.send(make_message(), idempotency_key="7:incident-mail")
    assert outcome == Delivered("accepted for 2 recipient(s)")
    [received] = server.received
    assert (received.tls, received.login) == (True, "blastwall")


def test_wrong_password_is_rejected_without_the_password(ca: trustme.CA, ca_file: str) -> None:
    with SmtpReceiver(tls=ca, users={"blastwall": PASSWORD}) as server:
        channel = mailer(
            server.port, starttls=True, username="blastwall", password="wrong-pw", ca_file=ca_file
        )
        outcome = channel.send(make_message(), idempotency_key="k")
    assert outcome == Rejected(
        f"smtp://127.0.0.1:{server.port} answered 535 5.7.8 Authentication credentials invalid"
    )
    assert server.received == []


def test_a_certificate_from_an_unknown_ca_is_rejected(ca: trustme.CA) -> None:
    with SmtpReceiver(tls=ca) as server:
        outcome = mailer(server.port, starttls=True).send(make_message(), idempotency_key="k")
    assert outcome == Rejected(
        f"smtp://127.0.0.1:{server.port}: TLS certificate not trusted (unable to get local "
        "issuer certificate); if a private CA signed it, point the server's SSL_CERT_FILE at a "
        "bundle that includes it"
    )


def test_a_server_without_starttls_is_refused_when_tls_is_on(smtp: SmtpReceiver) -> None:
    outcome = mailer(smtp.port, starttls=True).send(make_message(), idempotency_key="k")
    assert outcome == Rejected(
        f"smtp://127.0.0.1:{smtp.port}: the server does not offer STARTTLS; set starttls: "
        "false only for a relay on a trusted network"
    )
    assert smtp.received == []


def test_login_without_starttls_is_refused_at_configuration() -> None:
    with pytest.raises(ValueError, match="SMTP login needs STARTTLS") as caught:
        mailer(25, username="blastwall", password=PASSWORD)
    assert PASSWORD not in str(caught.value)


def test_a_4xx_reply_is_retried_and_the_next_attempt_delivers(smtp: SmtpReceiver) -> None:
    smtp.fail_next("451 4.3.0 Mail server temporarily rejected message")
    channel = mailer(smtp.port)
    first = channel.send(make_message(), idempotency_key="7:incident-mail")
    second = channel.send(make_message(), idempotency_key="7:incident-mail")
    assert first == RetryLater(
        f"smtp://127.0.0.1:{smtp.port} answered 451 4.3.0 Mail server temporarily rejected message"
    )
    assert second == Delivered("accepted for 2 recipient(s)")
    assert len(smtp.received) == 1


def test_a_5xx_reply_is_rejected(smtp: SmtpReceiver) -> None:
    smtp.fail_next("554 5.7.1 Message refused as spam")
    outcome = mailer(smtp.port).send(make_message(), idempotency_key="k")
    assert outcome == Rejected(
        f"smtp://127.0.0.1:{smtp.port} answered 554 5.7.1 Message refused as spam"
    )


def test_one_refused_recipient_still_delivers_to_the_others(smtp: SmtpReceiver) -> None:
    smtp.refuse_recipients["leads@example.com"] = "550 5.1.1 No such user"
    outcome = mailer(smtp.port).send(make_message(), idempotency_key="k")
    assert outcome == Delivered("accepted except leads@example.com: 550 5.1.1 No such user")
    assert [r.rcpt_tos for r in smtp.received] == [["oncall@example.com"]]


@pytest.mark.parametrize(
    ("replies", "outcome_type", "said"),
    [
        (("450 4.2.1 Mailbox busy", "451 4.3.0 Try later"), RetryLater, " for now: "),
        (("450 4.2.1 Mailbox busy", "550 5.1.1 No such user"), Rejected, ": "),
    ],
)
def test_every_recipient_refused_is_retried_only_if_every_refusal_is_4xx(
    smtp: SmtpReceiver,
    replies: tuple[str, str],
    outcome_type: type[RetryLater | Rejected],
    said: str,
) -> None:
    smtp.refuse_recipients |= dict(
        zip(["oncall@example.com", "leads@example.com"], replies, strict=True)
    )
    outcome = mailer(smtp.port).send(make_message(), idempotency_key="k")
    assert outcome == outcome_type(
        f"smtp://127.0.0.1:{smtp.port} refused every recipient{said}"
        f"oncall@example.com: {replies[0]}; leads@example.com: {replies[1]}"
    )
    assert smtp.received == []


def test_connection_refused_is_retried_without_raising() -> None:
    port = free_port()
    outcome = mailer(port).send(make_message(), idempotency_key="k")
    assert outcome == RetryLater(
        f"could not deliver through smtp://127.0.0.1:{port} "
        "(ConnectionRefusedError: [Errno 111] Connection refused)"
    )


def test_a_server_that_never_greets_is_retried_after_the_timeout(silent_port: int) -> None:
    outcome = mailer(silent_port, timeout_s=0.3).send(make_message(), idempotency_key="k")
    assert outcome == RetryLater(
        f"could not deliver through smtp://127.0.0.1:{silent_port} "
        "(SMTPServerDisconnected: Connection unexpectedly closed: timed out)"
    )
