"""Small hardening items: the SMTP password kept out of errors and off the wire in clear, and a
staff download with a bad month answered 400 naming the problem."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from flask import Flask

from tanggap.infrastructure.mailer import SmtpMailer, redacted
from tanggap.pipeline.notifications import Email
from tests.web.staff_helpers import sign_in


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_bad_smtp_url_is_named_without_its_password() -> None:
    with pytest.raises(ValueError) as refused:
        SmtpMailer("smtpx://mailer:s3cret-Pa55@mail.kupangkota.test:587", "tanggap@kupangkota.test")
    assert "s3cret-Pa55" not in str(refused.value)
    assert "smtpx://mailer:***@mail.kupangkota.test:587" in str(refused.value)
    assert redacted("smtps://a:b@h:465/x") == "smtps://a:***@h:465/x" and redacted("smtp://h:25") == "smtp://h:25"


class Recorder:
    def __init__(self) -> None:
        self.logins: list[str] = []
        self.messages: list[bytes] = []

    def __call__(self, server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
        self.logins.append(mechanism)
        return AuthResult(success=True)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def clear_text_server() -> Iterator[tuple[Recorder, int]]:
    """A mail server that offers AUTH without TLS and no STARTTLS: a password sent there is sent in clear."""
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, authenticator=recorder,
                            auth_require_tls=False)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def test_smtp_with_credentials_refuses_a_server_without_starttls(clear_text_server: tuple[Recorder, int]) -> None:
    recorder, port = clear_text_server
    mailer = SmtpMailer(f"smtp://mailer:s3cret@127.0.0.1:{port}", "tanggap@kupangkota.test")
    with pytest.raises(smtplib.SMTPNotSupportedError, match="STARTTLS") as refused:
        mailer.send(Email(1, "warga@example.test", "Laporan #1", "Sudah ditanggapi."))
    assert "s3cret" not in str(refused.value)
    assert recorder.logins == [] and recorder.messages == []


def test_smtp_without_credentials_still_sends_to_a_local_relay(clear_text_server: tuple[Recorder, int]) -> None:
    recorder, port = clear_text_server
    SmtpMailer(f"smtp://127.0.0.1:{port}", "tanggap@kupangkota.test").send(
        Email(2, "warga@example.test", "Laporan #2", "Sudah ditanggapi."))
    assert len(recorder.messages) == 1 and b"Sudah ditanggapi." in recorder.messages[0]


@pytest.mark.parametrize("url", ["/hr/breaches.csv?month=x", "/hr/breaches.xlsx?month=2026-13",
                                 "/hr/breaches?month=oktober", "/hr/allowance?month=x"])
def test_a_bad_month_on_an_hr_page_or_download_is_a_400_naming_the_month(web: Flask, url: str) -> None:
    client = web.test_client()
    sign_in(client, "hr")
    response = client.get(url)
    assert response.status_code == 400, response.status_code
    assert "Bulan" in response.text and "Terjadi kesalahan di server" not in response.text
