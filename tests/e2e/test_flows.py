"""Orchestrated Prefect runs, a real SMTP server, and `tanggap serve` as a real process."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from cv.tagger import FakeTagger
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.config import PipelineSettings
from tanggap.db import ClockRow, InboxRow
from tanggap.infrastructure.mailer import SmtpMailer
from tanggap.infrastructure.storage import FakePhotoStorage
from tanggap.reports.views import report_detail
from workflows import deps
from workflows.environment import without_heartbeats

WITA = ZoneInfo("Asia/Makassar")


@pytest.fixture(scope="session")
def prefect() -> Iterator[None]:
    """One temporary Prefect server for the whole session; heartbeats off as in production."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180), without_heartbeats():
        yield


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def use(app: Tanggap, smtp_url: str | None = None) -> None:
    mailer = SmtpMailer(smtp_url, "tanggap@kupangkota.test") if smtp_url else None
    deps.use(deps.Dependencies(dataclasses.replace(app, photos=FakePhotoStorage()),
                               PipelineSettings(), FakeTagger(), mailer))


def test_a_submitted_report_ends_assigned_with_clocks_running_in_an_orchestrated_run(
    prefect: None, app: Tanggap
) -> None:
    from workflows.flows import process_reports

    use(app)
    rid = app.handle(c.SubmitReport("Pohon tumbang menutup jalan", "pohon-tumbang", -10.17, 123.61))
    assert process_reports(limit=16) == {"claimed": 1, "assigned": 1, "triage": 0, "skipped": 0}
    assert report_detail(app.reader(), rid)["opd"] == "DLHK"
    with app.uow() as uow:
        running = sorted(r.metric for r in uow.session.scalars(
            select(ClockRow).where(ClockRow.report_id == rid, ClockRow.state == "running")))
    assert running == ["resolution", "response"]


def test_the_sweep_and_notifications_email_a_breach_once_even_when_run_twice(
    prefect: None, app: Tanggap, clock: FrozenClock, smtp: tuple[Inbox, str]
) -> None:
    from workflows.flows import deliver_notifications, enforce_sla

    inbox, url = smtp
    app.handle(c.CreateUser("spv.kota", "supervisor", "Pengawas Kota", None, "rahasia-kupang", "spv@kupangkota.test"))
    use(app, url)
    rid = app.handle(c.SubmitReport("Jalan berlubang", "jalan-rusak", -10.16, 123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(rid, "dispatcher", officer="pupr.officer"))
    clock.at = datetime(2026, 10, 7, 9, 30, tzinfo=WITA)  # past the 8-working-hour response deadline
    for _ in range(2):
        enforce_sla()
        deliver_notifications()
    assert len(inbox.messages) == 1
    _, recipients, content = inbox.messages[0]
    assert recipients == ["spv@kupangkota.test"] and b"Pelanggaran SLA" in content
    with app.uow() as uow:
        kinds = sorted((r.kind, r.recipient) for r in uow.session.scalars(select(InboxRow)))
    assert ("sla.breach", "spv.kota") in kinds and ("sla.warning", "pupr.head") in kinds
    assert kinds.count(("sla.breach", "spv.kota")) == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_tanggap_serve_assigns_reports_submitted_while_it_runs(tmp_path: Path) -> None:
    tanggap = str(Path(sys.executable).with_name("tanggap"))
    env = {**os.environ, "TANGGAP_DATA_DIR": str(tmp_path), "TANGGAP_POLL_SECONDS": "0.5"}
    env.pop("TANGGAP_DATABASE_URL", None)
    env.pop("PREFECT_HOME", None)
    for args in (["db", "upgrade"], ["seed-demo", "--reports", "0"]):
        subprocess.run([tanggap, *args], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([tanggap, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        ids = [subprocess.run([tanggap, "report", "submit", "--description", f"Sampah menumpuk {i}",
                               "--category", "sampah-menumpuk", "--lat", "-10.16", "--long", "123.6"],
                              env=env, check=True, capture_output=True, text=True).stdout.strip() for i in range(3)]
        deadline = time.monotonic() + 120
        states: list[str] = []
        while time.monotonic() < deadline:
            states = [json.loads(subprocess.run([tanggap, "report", "show", rid], env=env, check=True,
                                                capture_output=True, text=True).stdout)["state"] for rid in ids]
            if states == ["assigned"] * 3:
                break
            time.sleep(1)
        assert states == ["assigned"] * 3
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=60)[0]
    assert server.returncode == 0, output
    assert output.rstrip().endswith("stopped")

