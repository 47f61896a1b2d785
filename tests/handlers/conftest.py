"""The handler tier: commands through the real bus and handlers, on in-memory repositories
(tests/fakes.py). No database, no web server: each test runs in milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tanggap import commands as c
from tanggap.clock import FrozenClock
from tanggap.wita import WITA
from tests.fakes import FakeApp

PASSWORD = "kata-sandi-uji-coba"
MONDAY_9 = datetime(2026, 10, 5, 9, 0, tzinfo=WITA)
ROUND_THE_CLOCK = {"timezone": "Asia/Makassar", "hours": "always"}


@pytest.fixture
def app() -> FakeApp:
    """Two OPDs, their staff, a 24-hour calendar and a four-hour response rule."""
    app = FakeApp(FrozenClock(MONDAY_9))
    app.handle_all([
        c.DefineOpd("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "PUPR"),
        c.DefineOpd("DLHK", "Dinas Lingkungan Hidup dan Kebersihan", "DLHK"),
        c.DefineCategory("jalan-rusak", "Jalan rusak", "PUPR"),
        c.DefineCategory("sampah-menumpuk", "Sampah menumpuk", "DLHK"),
        c.CreateUser("dispatcher", "dispatcher", password=PASSWORD),
        c.CreateUser("supervisor", "supervisor", password=PASSWORD),
        c.CreateUser("admin", "admin", password=PASSWORD),
        c.CreateUser("hr", "hr", password=PASSWORD),
        c.CreateUser("pupr.head", "opd_head", opd="PUPR", password=PASSWORD),
        c.CreateUser("pupr.officer", "opd_officer", opd="PUPR", password=PASSWORD),
        c.CreateUser("pupr.other", "opd_officer", opd="PUPR", password=PASSWORD),
        c.CreateUser("dlhk.head", "opd_head", opd="DLHK", password=PASSWORD),
        c.CreateUser("dlhk.officer", "opd_officer", opd="DLHK", password=PASSWORD),
        c.DefineCalendar("24-7", ROUND_THE_CLOCK, "supervisor"),
        c.DefineRule("supervisor", "response", 4, "working_hours", "24-7",
                     effective_from=datetime(2026, 1, 1, tzinfo=UTC)),
    ])
    return app


def submitted(app: FakeApp, category: str = "jalan-rusak") -> int:
    report_id: int = app.handle(c.SubmitReport("Jalan berlubang di depan SD Inpres Oesapa", category=category,
                                               lat=-10.15, lon=123.63))
    return report_id


def assigned(app: FakeApp, officer: str | None = "pupr.officer") -> int:
    report_id = submitted(app)
    app.handle(c.ClassifyReport(report_id, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(report_id, "dispatcher", officer=officer))
    return report_id
