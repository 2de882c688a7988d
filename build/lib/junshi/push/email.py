"""E-mail: the report as the HTML body, the PDF attached, sent over SMTP.

The target is an URL: ``smtp://user@host:587?from=a@shop.com&to=boss@shop.com,ops@shop.com`` (STARTTLS when
the server offers it), ``smtps://...:465`` for TLS from the start; the password is the secret.
"""

from __future__ import annotations

import smtplib
import ssl
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage

from junshi.errors import ConfigError
from junshi.push.channels import SENT, Outcome

TIMEOUT = 30.0


@dataclass(frozen=True)
class Mailbox:
    """Where and how to send: the SMTP server, the sender and the recipients."""

    host: str
    port: int
    tls: bool
    user: str | None
    sender: str
    recipients: tuple[str, ...]


def mailbox(url: str) -> Mailbox:
    """Parse an ``smtp://`` or ``smtps://`` target; a clear error when it lacks a server, sender or recipient."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    recipients = tuple(a.strip() for v in query.get("to", []) for a in v.split(",") if a.strip())
    sender = (query.get("from") or [parts.username or ""])[0]
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or not recipients or "@" not in sender:
        raise ConfigError(
            "An e-mail target is smtp://[user@]host[:port]?from=SENDER&to=A,B (smtps:// for TLS).",
            "邮件接收地址格式为 smtp://[用户@]主机[:端口]?from=发件人&to=收件人1,收件人2（TLS 用 smtps://）。",
            hint_en="Give the SMTP password with --secret.", hint_zh="SMTP 密码请用 --secret 提供。")
    tls = parts.scheme == "smtps"
    return Mailbox(parts.hostname, parts.port or (465 if tls else 25), tls,
                   urllib.parse.unquote(parts.username) if parts.username else None, sender, recipients)


def compose(box: Mailbox, subject: str, html: str, attachment: tuple[str, bytes] | None) -> EmailMessage:
    """The e-mail: a plain-text part, the HTML report, and the PDF."""
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = subject, box.sender, ", ".join(box.recipients)
    mail.set_content(subject)
    mail.add_alternative(html, subtype="html")
    if attachment is not None:
        name, data = attachment
        mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return mail


def send_mail(box: Mailbox, password: str | None, mail: EmailMessage) -> Outcome:
    """Send; a temporary failure (4xx, a dropped connection) is worth a retry, a permanent one (5xx) is not."""
    try:
        if box.tls:
            server: smtplib.SMTP = smtplib.SMTP_SSL(box.host, box.port, timeout=TIMEOUT,
                                                     context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(box.host, box.port, timeout=TIMEOUT)
        with server:
            if not box.tls and server.has_extn("starttls"):
                server.starttls(context=ssl.create_default_context())
            if box.user and password:
                server.login(box.user, password)
            server.send_message(mail)
    except smtplib.SMTPResponseException as exc:
        return Outcome(False, f"SMTP {exc.smtp_code}", 30.0 if 400 <= exc.smtp_code < 500 else None)
    except smtplib.SMTPRecipientsRefused:
        return Outcome(False, "SMTP: recipients refused")
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, f"SMTP: {type(exc).__name__}", 30.0)
    return SENT
