"""The ticket page of a report FixMyStreet sent, in real headless Chromium: the app's extra data and a
citizen's comments (one a dispute after the reopen window) on a desktop and on a phone, with
screenshots under tests/browser/artifacts/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.intake import IssueApiKey
from tests.conftest import PASSWORD
from tests.fixtures.fixmystreet import Comment, FixMyStreet, Problem

pytestmark = pytest.mark.slow
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _sign_in(browser: Any, base: str, username: str, width: int, height: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def _report_from_fixmystreet(app: Tanggap, server: str) -> int:
    fms = FixMyStreet(server, app.handle(IssueApiKey("FixMyStreet Kupang")))
    problem = Problem(
        4711, "Lubang besar di Jl. El Tari", "Sudah dua motor jatuh minggu ini", "Maria Fernandez",
        "maria@example.id", "jalan-rusak", -10.1605, 123.6135,
        extra={"severity": "berat", "title": "Lubang besar di Jl. El Tari",
               "report_url": "https://lapor.kupang.example/report/4711",
               "closest_address": "Jl. El Tari No. 12, Oebobo, Kota Kupang", "fixmystreet_id": "4711",
               "easting": "123.6135", "northing": "-10.1605"},
    )  # fmt: skip
    report_id = int(fms.send_report(problem) or 0)
    assert report_id, fms.failures
    app.handle(c.ClassifyReport(report_id, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(report_id, "dispatcher", officer="pupr.officer"))
    clock = app.clock
    assert isinstance(clock, FrozenClock)
    fms.post_comment(str(report_id), Comment(11, "Lubangnya makin lebar setelah hujan tadi malam, hati-hati "
                                                 "pengendara motor.", "Maria Fernandez", "maria@example.id", "OPEN",
                                             clock.now()))
    app.handle(c.RespondReport(report_id, "pupr.officer", response="Lubang sudah ditambal dengan aspal hotmix."))
    clock.advance(timedelta(days=8))
    fms.post_comment(str(report_id), Comment(12, "Tambalannya sudah retak lagi.", "Maria Fernandez",
                                             "maria@example.id", "OPEN", clock.now()))
    return report_id


@pytest.mark.parametrize("device", list(WIDTHS))
def test_staff_read_the_apps_extra_data_and_the_citizens_comments(
    browser: Any, server: str, sqlite_app: Tanggap, shots: Path, device: str
) -> None:
    report_id = _report_from_fixmystreet(sqlite_app, server)
    page = _sign_in(browser, server, "pupr.officer", *WIDTHS[device])
    page.goto(f"{server}/tickets/{report_id}")

    section = page.locator("#client-data")
    assert section.locator("h2").all_inner_texts() == ["Komentar warga dari aplikasi", "Data tambahan dari aplikasi"]
    assert section.locator(".comments li").count() == 2
    assert "batas waktu untuk membuka kembali laporan sudah lewat" in section.locator(".notice").inner_text()
    assert section.locator("dd a").get_attribute("href") == "https://lapor.kupang.example/report/4711"
    box = section.bounding_box()
    assert box is not None and box["width"] <= WIDTHS[device][0]  # nothing pushes the phone sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[device][0]
    page.screenshot(path=str(shots / f"ticket-client-data-{device}.png"), full_page=True)

    page.click("button[name=lang][value=en]")
    page.goto(f"{server}/tickets/{report_id}")
    english = ["Citizens' comments from the app", "Extra data from the client app"]
    assert section.locator("h2").all_inner_texts() == english
    assert "the time for reopening the report has passed" in section.locator(".notice").inner_text()
    page.screenshot(path=str(shots / f"ticket-client-data-{device}-en.png"), full_page=True)
