"""What HR, officers and citizens read is true: the ledger's verdict, the working time a clock
used, why a breach counts, and what happened to a report. Real Chromium against a real server."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import BreachRow
from tests.browser.pages import signed_in
from tests.conftest import detached
from tests.tamper import guards_lifted

pytestmark = pytest.mark.slow
WITA = ZoneInfo("Asia/Makassar")


def _assigned(app: Tanggap, officer: str | None = "pupr.officer") -> int:
    rid: int = app.handle(c.SubmitReport("Jalan berlubang di Oebobo", lat=-10.17, lon=123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(rid, "dispatcher", officer=officer))
    return rid


def _frozen(app: Tanggap) -> FrozenClock:
    assert isinstance(app.clock, FrozenClock)
    return app.clock


def _breach_of(app: Tanggap, rid: int) -> BreachRow:
    with app.uow() as uow:
        row = uow.session.scalar(select(BreachRow).where(BreachRow.report_id == rid, BreachRow.metric == "response"))
        assert row is not None
        return detached(uow.session, row)


def test_hr_reads_an_intact_ledger_as_intact_and_an_edited_row_as_broken_by_name(
    browser: Any, server: str, sqlite_app: Tanggap, shots: Path
) -> None:
    for _ in range(2):
        _assigned(sqlite_app)
    _frozen(sqlite_app).advance(timedelta(days=3))
    sqlite_app.sweep()
    page = signed_in(browser, server, "hr")
    page.goto(f"{server}/hr/breaches?month=2026-10")
    assert page.inner_text("#ledger") == "Buku besar: utuh, 2 baris diperiksa."
    assert "ok" in (page.get_attribute("#ledger", "class") or "")

    with guards_lifted(sqlite_app.engine) as conn:
        second = conn.execute(text("SELECT id, chain_seq FROM sla_breaches ORDER BY id")).all()[1]
        conn.execute(text("UPDATE sla_breaches SET officer = 'pupr.officer2' WHERE id = :id"), {"id": second.id})
    page.reload()
    assert page.inner_text("#ledger") == (f"Buku besar: RUSAK di baris {second.chain_seq} (pelanggaran #{second.id}): "
                                          "isinya tidak cocok dengan hash-nya: baris ini diubah.")
    page.screenshot(path=str(shots / "ledger-broken.png"), full_page=True)
    page.click("button[name=lang][value=en]")
    assert page.inner_text("#ledger").startswith(f"Ledger: BROKEN at row {second.chain_seq} (breach #{second.id})")


def test_a_late_answer_explains_its_working_time_as_the_target_plus_the_overdue_time(
    browser: Any, server: str, sqlite_app: Tanggap, shots: Path
) -> None:
    rid = _assigned(sqlite_app)  # Tuesday 09:00 WITA; 8 working hours: due Wednesday 09:00
    clock = _frozen(sqlite_app)
    clock.at = datetime(2026, 10, 7, 11, 30, tzinfo=WITA)
    sqlite_app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))
    page = signed_in(browser, server, "hr")
    page.goto(f"{server}/hr/breaches/{_breach_of(sqlite_app, rid).id}")
    assert page.inner_text("#target") == "8 jam"
    assert page.inner_text("#used") == "10 jam 30 menit = target 8 jam + lewat 2 jam 30 menit"
    assert page.inner_text("#late") == "2 jam 30 menit jam kerja; 2 jam 30 menit waktu kalender"
    assert page.inner_text("#why") == (
        "Batas waktu Rabu, 07-10-2026 09:00 WITA. Tanggapan dikirim Rabu, 07-10-2026 11:30 WITA: "
        "2 jam 30 menit setelah batas waktu, 2 jam 30 menit di antaranya jam kerja.")
    page.screenshot(path=str(shots / "breach-explained.png"), full_page=True)

    officer = signed_in(browser, server, "pupr.officer")
    officer.goto(f"{server}/tickets/{rid}")
    used = officer.locator("#clocks tr", has_text="Tanggapan").locator("td.used").inner_text()
    assert used == "10 jam 30 menit / 8 jam"


def test_an_answer_on_saturday_to_a_friday_deadline_says_why_it_is_a_breach(
    browser: Any, server: str, sqlite_app: Tanggap
) -> None:
    clock = _frozen(sqlite_app)
    clock.at = datetime(2026, 10, 8, 15, 0, tzinfo=WITA)  # Thursday 15:00: 1 h today, 7 h on Friday
    rid = _assigned(sqlite_app)
    clock.at = datetime(2026, 10, 10, 10, 0, tzinfo=WITA)  # Saturday morning
    sqlite_app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))
    page = signed_in(browser, server, "hr")
    page.goto(f"{server}/hr/breaches/{_breach_of(sqlite_app, rid).id}")
    assert page.inner_text("#why") == (
        "Batas waktu Jumat, 09-10-2026 16:30 WITA. Tanggapan dikirim Sabtu, 10-10-2026 10:00 WITA, di luar jam kerja: "
        "terlambat 17 jam 30 menit walau tidak ada jam kerja yang lewat.")
    assert page.inner_text("#late") == "0 menit jam kerja; 17 jam 30 menit waktu kalender"
    assert page.inner_text("#used") == "8 jam = target 8 jam + lewat 0 menit"
    page.click("button[name=lang][value=en]")
    assert page.inner_text("#why") == (
        "Deadline Friday, 09-10-2026 16:30 WITA. The response was sent on Saturday, 10-10-2026 10:00 WITA, outside "
        "working hours: late by 17 h 30 min although no working time passed.")


def test_the_citizen_reads_that_an_officer_took_the_ticket_not_that_it_was_passed_on(
    browser: Any, server: str, sqlite_app: Tanggap
) -> None:
    submitted = sqlite_app.handle  # the citizen's tracking link comes from the web form's intake
    rid = _assigned(sqlite_app, officer=None)
    submitted(c.ReassignReport(rid, "pupr.officer", officer="pupr.officer"))  # what "Ambil laporan ini" does
    submitted(c.ReassignReport(rid, "pupr.head", officer="pupr.officer2"))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server}/lapor/{rid}")
    timeline = page.inner_text(".timeline")
    assert "Petugas OPD mulai menangani laporan" in timeline
    assert "Diserahkan ke petugas lain di OPD yang sama" in timeline
    assert timeline.count("petugas lain") == 1
