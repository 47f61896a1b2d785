"""E-mail adapters for notifications: SMTP, and a fake that records what it would send."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import SplitResult, unquote, urlsplit


@dataclass(frozen=True)
class Email:
    """One notification e-mail, as the outbox hands it out: its inbox row id keeps sends idempotent."""

    inbox_id: int
    to: str
    subject: str
    body: str


class AbstractMailer(Protocol):
    def send(self, email: Email) -> None: ...


def redacted(url: str) -> str:
    """The SMTP URL as it may be written to a log or an error: the password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return SplitResult(parts.scheme, f"{user}:***@{netloc}", parts.path, parts.query, parts.fragment).geturl()


class SmtpMailer:
    """Sends through `smtps://[user:pass@]host:port`, or `smtp://host:port`, one connection per
    message. With credentials, `smtp://` upgrades with STARTTLS before logging in and refuses a
    server that does not offer it: a password never crosses the network in clear."""

    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"TANGGAP_SMTP_URL must look like smtp://host:port, got {redacted(url)!r}")
        self.secure = parts.scheme == "smtps"
        self.host, self.port = parts.hostname, parts.port or (465 if self.secure else 25)
        self.user, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        self.sender, self.timeout = sender, timeout

    def send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, email.to, email.subject
        # A stable id lets a mail server drop a copy should the same entry ever be sent twice.
        message["Message-ID"] = f"<inbox-{email.inbox_id}@tanggap>"
        message.set_content(email.body)
        client_for = self._connect_tls if self.secure else self._connect_plain
        with client_for() as client:
            if self.user:
                self._secure_login(client)
            client.send_message(message)

    def _connect_tls(self) -> smtplib.SMTP:
        return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())

    def _connect_plain(self) -> smtplib.SMTP:
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _secure_login(self, client: smtplib.SMTP) -> None:
        if not self.secure:
            client.ehlo()
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError(
                    f"{self.host}:{self.port} does not offer STARTTLS; refusing to send the SMTP password "
                    "in clear (use smtps:// or a server with STARTTLS)")
            client.starttls(context=ssl.create_default_context())  # the certificate is checked
            client.ehlo()
        client.login(self.user, self.password)


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[Email] = []

    def send(self, email: Email) -> None:
        self.sent.append(email)
