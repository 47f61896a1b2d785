"""E-mail adapters for notifications: SMTP, and a fake that records what it would send."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Email:
    """One notification e-mail, as the outbox hands it out: its inbox row id keeps sends idempotent."""

    inbox_id: int
    to: str
    subject: str
    body: str


class AbstractMailer(Protocol):
    def send(self, email: Email) -> None: ...


class SmtpMailer:
    """Sends through `smtp://[user:pass@]host:port` (or `smtps://`), one connection per message."""

    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"TANGGAP_SMTP_URL must look like smtp://host:port, got {url!r}")
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
        smtp_class = smtplib.SMTP_SSL if self.secure else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=self.timeout) as client:
            if self.user:
                client.login(self.user, self.password)
            client.send_message(message)


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[Email] = []

    def send(self, email: Email) -> None:
        self.sent.append(email)
