"""An objection in real Chromium: an officer files it from their own breach with a photo, a
supervisor accepts it, and HR reads the waiver in the breach log and the month's standings."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import BreachRow
from tests.browser.pages import DESKTOP, PHONE, scrolls_sideways, signed_in

pytestmark = pytest.mark.slow
WITA = ZoneInfo("Asia/Makassar")
RESPONSE_DUE = datetime(2026, 10, 7, 9, 0, tzinfo=WITA)
PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "chelsea.jpg"


def officers_breach(app: Tanggap) -> int:
    rid: int = app.handle(c.SubmitReport("Jalan berlubang depan Pasar Kasih", "jalan-rusak", -10.16, 123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(rid, "dispatcher", officer="pupr.officer"))
    app.sweep(now=RESPONSE_DUE + timedelta(hours=1))
    assert isinstance(app.clock, FrozenClock)
    app.clock.at = (RESPONSE_DUE + timedelta(hours=2)).astimezone(app.clock.at.tzinfo)
    with app.uow() as uow:
        breach = uow.session.scalar(select(BreachRow.id).where(BreachRow.metric == "response"))
    assert breach is not None
    return int(breach)


def test_an_officer_objects_with_a_photo_a_supervisor_accepts_and_hr_sees_the_waiver(
    browser: Any, server: str, sqlite_app: Tanggap
) -> None:
    breach = officers_breach(sqlite_app)
    officer = signed_in(browser, server, "pupr.officer", PHONE)
    officer.click("nav >> text=Pelanggaran saya")
    row = officer.locator(f"#breach-{breach}")
    assert "masih dapat diajukan keberatan" in row.inner_text()
    assert not scrolls_sideways(officer)
    row.locator("a.button").click()
    assert "Rabu, 14-10-2026 16:00 WITA" in officer.inner_text("#keberatan")  # when the window ends
    officer.select_option("#form-objection select[name=reason]", label="Warga tidak dapat dihubungi")
    officer.fill("#form-objection textarea[name=text]", "Nomor warga tidak aktif, tiga kali ditelepon")
    officer.set_input_files("#form-objection input[name=evidence]", str(PHOTO))
    officer.click("#form-objection button[type=submit]")
    assert "Keberatan diajukan. Supervisor akan memutuskannya." in officer.inner_text("main")
    assert "menunggu keputusan" in officer.inner_text("#keberatan") and not scrolls_sideways(officer)

    supervisor = signed_in(browser, server, "supervisor", DESKTOP)
    supervisor.click("nav >> text=Keberatan")
    card = supervisor.locator(".objection").first
    assert "Warga tidak dapat dihubungi: Nomor warga tidak aktif" in card.inner_text()
    assert card.locator("img.evidence-photo").evaluate("img => img.naturalWidth") > 0  # the photo shows
    card.locator("input[value=accept]").check()
    card.locator("textarea[name=reason]").fill("Bukti panggilan cukup")
    card.locator("button[type=submit]").click()
    assert "Keberatan diterima; pelanggaran dibebaskan." in supervisor.inner_text("main")
    assert "diterima" in supervisor.locator(".objection .outcome").first.inner_text()

    hr = signed_in(browser, server, "hr", DESKTOP)
    hr.goto(f"{server}/hr/breaches?month=2026-10")
    assert hr.locator(f"table.breach-log tr:has(a:text-is('#{breach}')) td").last.inner_text() == "ya"
    hr.goto(f"{server}/hr/breaches/{breach}")
    assert "Keberatan #1 diterima: Bukti panggilan cukup" in hr.inner_text("dl.facts")
    hr.goto(f"{server}/hr/allowance?month=2026-10")
    standings = hr.locator("#appeals tr:has-text('pupr.officer')")
    assert standings.locator("td[data-label=Dibebaskan]").inner_text() == f"#{breach}"
    assert [standings.locator(f"td[data-label='{label}']").inner_text()
            for label in ("Masih dapat diajukan", "Dalam keberatan", "Final")] == ["-", "-", "-"]
