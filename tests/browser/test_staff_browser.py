"""The staff UI in real headless Chromium: triage, a response with a photo, a rule edit and the
HR download, with screenshots of the key pages under tests/browser/artifacts/."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tests.conftest import PASSWORD

pytestmark = pytest.mark.slow
PHOTO = next((Path(__file__).resolve().parents[1] / "fixtures" / "photos").glob("*.jp*g"))


def _sign_in(browser: Any, base: str, username: str) -> Any:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a field officer's phone
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_a_report_goes_from_triage_to_a_green_response(browser: Any, server: str, sqlite_app: Tanggap,
                                                       shots: Path) -> None:
    rid: int = sqlite_app.handle(c.SubmitReport("Jalan berlubang di Oebobo", lat=-10.17, lon=123.6))
    dispatcher = _sign_in(browser, server, "dispatcher")
    dispatcher.goto(f"{server}/triage")
    dispatcher.screenshot(path=str(shots / "triage.png"), full_page=True)
    dispatcher.click(f"a[href='/tickets/{rid}']")
    dispatcher.select_option("#form-classify select[name=category]", "jalan-rusak")
    dispatcher.click("#form-classify button")
    dispatcher.click("#form-assign button")
    assert "Ditugaskan" in dispatcher.inner_text("h1")

    officer = _sign_in(browser, server, "pupr.officer")
    officer.goto(f"{server}/queue")
    countdown = officer.locator(".sla[data-due] .left").first
    countdown.wait_for()
    officer.wait_for_function("document.querySelector('.sla[data-due] .left').textContent.endsWith(' lagi')")
    officer.screenshot(path=str(shots / "queue.png"), full_page=True)
    officer.click(f"a[href='/tickets/{rid}']")
    officer.fill("#form-respond textarea[name=response]", "Lubang sudah ditambal.")
    officer.set_input_files("#form-respond input[name=proof]", str(PHOTO))
    officer.click("#form-respond button")
    assert "Ditanggapi" in officer.inner_text("h1")
    assert officer.locator(".sla.green").count() >= 1 and officer.locator(".sla.red").count() == 0
    officer.screenshot(path=str(shots / "ticket.png"), full_page=True)


def test_a_supervisor_edits_a_rule_in_the_browser(browser: Any, server: str, shots: Path) -> None:
    page = _sign_in(browser, server, "supervisor")
    page.goto(f"{server}/supervisor/rules")
    page.click("#rule-2 summary")
    form = page.locator("#rule-2 form")
    form.locator("input[name=target_amount]").fill("6")
    form.locator("input[name=note]").fill("lebih cepat")
    form.locator("button").click()
    assert "versi baru" in page.inner_text(".flash")
    versions = page.locator("#rule-2 table tr").all_inner_texts()
    assert versions[1].startswith("2\n6 jam kerja") and "lebih cepat" in versions[1]  # the new version first
    page.screenshot(path=str(shots / "rules.png"), full_page=True)


def test_hr_downloads_the_xlsx_and_it_opens_with_real_dates(browser: Any, server: str, sqlite_app: Tanggap,
                                                            shots: Path, tmp_path: Path) -> None:
    rid: int = sqlite_app.handle(c.SubmitReport("Sampah", lat=-10.17, lon=123.6))
    sqlite_app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    sqlite_app.handle(c.AssignReport(rid, "dispatcher", officer="pupr.officer"))
    clock = sqlite_app.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(days=3))
    sqlite_app.sweep()
    page = _sign_in(browser, server, "hr")
    page.goto(f"{server}/hr/breaches?month=2026-10")
    page.screenshot(path=str(shots / "breaches.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#download-xlsx")
    target = tmp_path / "breaches.xlsx"
    info.value.save_as(str(target))
    sheet = load_workbook(target).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][7] == "Batas waktu (WITA)"
    assert any(r[1] == rid and isinstance(r[7], datetime) for r in rows[1:])
