"""The citizen's secret link in real Chromium: the secret rides in the fragment, the page's script
posts it, and no request line the server logs ever carries it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tests.browser.pages import PHONE

pytestmark = pytest.mark.slow
PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "coffee.jpg"


def test_the_secret_link_works_in_a_browser_and_never_reaches_the_access_log(
    browser: Any, server: str, sqlite_app: Tanggap, caplog: pytest.LogCaptureFixture
) -> None:
    page = browser.new_context(viewport=PHONE).new_page()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        page.goto(f"{server}/lapor")
        page.select_option("#kategori", "jalan-rusak")
        page.fill("#deskripsi", "Lubang besar di depan Pasar Kasih Naikoten")
        page.fill("#alamat", "Jl. Kaca Kristal, Naikoten I")
        page.click("#kirim")
        page.wait_for_selector("#tautan-rahasia")
        link = page.inner_text("#tautan-rahasia")
        assert "#kunci=" in link and "Laporan terkirim" in page.inner_text("main")
        assert "kunci" not in page.url  # out of the address bar and the history too
        report_id = int(link.split("/lapor/")[1].split("#")[0])
        sqlite_app.handle(c.ClassifyReport(report_id, "dispatcher", category="jalan-rusak"))
        sqlite_app.handle(c.AssignReport(report_id, "dispatcher", officer="pupr.officer"))
        sqlite_app.handle(c.RespondReport(report_id, "pupr.officer", response="Lubang sudah ditambal"))
        later = browser.new_context(viewport=PHONE).new_page()  # the saved link, opened days later
        later.goto(link.replace("http://localhost", server))
        later.wait_for_selector("text=Masalah sudah beres")
        later.click("text=Masalah sudah beres")
        later.wait_for_selector("text=Terima kasih, laporan ditutup sebagai selesai.")
    secret = link.split("#kunci=")[1]
    requests = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any(f"/lapor/{report_id}" in line for line in requests)
    assert not [line for line in requests if secret in line]
