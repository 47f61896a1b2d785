"""Staff journeys in real Chromium on the demo data, asserting what each person reads: the phone
queue, names instead of codes, countdowns in words, error pages, a secret shown once, a revocation
asked first, and the dashboard's colours and figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tanggap.bootstrap import Tanggap
from tanggap.db import CategoryRow
from tanggap.intake.tables import ApiKeyRow
from tests.browser.pages import DESKTOP, PHONE, scrolls_sideways, signed_in
from tests.demo import LONG_WORD, demo_tickets

pytestmark = pytest.mark.slow


def _codes(app: Tanggap) -> list[str]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(CategoryRow.code)))


def test_the_queue_on_a_phone_is_cards_with_the_countdown_category_place_and_description(
    browser: Any, demo_server: str, demo_app: Tanggap
) -> None:
    page = signed_in(browser, demo_server, "pupr.officer", PHONE)
    page.goto(f"{demo_server}/queue")
    assert not scrolls_sideways(page)
    cards = page.locator("table.queue tbody tr")
    assert cards.count() == 2
    late = cards.first
    assert late.locator(".sla .left").inner_text().startswith("terlambat 3 hari")  # days, not "3h"
    assert late.locator(".category").inner_text() == "Jalan rusak/berlubang"
    assert late.locator(".place").inner_text() == "Jl. Frans Seda, Kel. Fatululi, Kec. Oebobo"
    text = late.locator(".text")
    assert text.inner_text() == "Jalan berlubang di depan SD Inpres Oepura, dua motor jatuh" and text.is_visible()
    box = text.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.locator("table.queue thead").is_hidden()  # no desktop table squeezed into 390 pixels

    long_word = signed_in(browser, demo_server, "dlhk.officer", PHONE)
    long_word.goto(f"{demo_server}/queue")
    assert not scrolls_sideways(long_word)
    long_word.click("table.queue a")
    assert LONG_WORD in long_word.inner_text(".report .text") and not scrolls_sideways(long_word)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_no_category_code_shows_on_the_queue_triage_and_ticket(
    browser: Any, demo_server: str, demo_app: Tanggap, viewport: dict[str, int]
) -> None:
    t = demo_tickets(demo_app)
    codes = _codes(demo_app)
    page = signed_in(browser, demo_server, "dispatcher", viewport)
    for url in ("/queue?state=", "/triage", f"/tickets/{t.unrouted['submitted']}", f"/tickets/{t.photo}"):
        page.goto(demo_server + url)
        seen = page.inner_text("body")
        assert [code for code in codes if code in seen] == [], url
        assert not scrolls_sideways(page), url
    page.goto(f"{demo_server}/tickets/{t.unrouted['submitted']}")
    options = page.locator("#form-classify select option").all_inner_texts()
    assert "Jalan rusak/berlubang" in options and "jalan-rusak" not in options


def test_a_live_countdown_speaks_in_days_and_hours_in_both_languages(
    browser: Any, demo_server: str, demo_app: Tanggap
) -> None:
    page = signed_in(browser, demo_server, "pupr.officer", DESKTOP)
    page.goto(f"{demo_server}/queue")
    page.wait_for_timeout(200)  # the page's script has redrawn the countdowns by now
    left = page.locator(".sla[data-running='1'] .left").all_inner_texts()
    assert left[0].startswith("terlambat 3 hari ") and left[0].endswith(" jam")
    assert left[1] in ("7 jam lagi", "6 jam 59 menit lagi")
    page.click("button[name=lang][value=en]")
    page.wait_for_timeout(200)
    left = page.locator(".sla[data-running='1'] .left").all_inner_texts()
    assert left[0].startswith("3 d ") and left[0].endswith(" h late")
    assert left[1] in ("7 h left", "6 h 59 min left")


def test_staff_error_pages_have_the_staff_layout_a_message_in_words_and_a_way_back(
    browser: Any, demo_server: str, demo_app: Tanggap
) -> None:
    page = signed_in(browser, demo_server, "pupr.officer", PHONE)
    forbidden = page.goto(f"{demo_server}/supervisor/rules")
    assert forbidden is not None and forbidden.status == 403
    assert page.inner_text("h1") == "Halaman ini bukan untuk peran Anda"
    assert page.locator("header.bar nav a").all_inner_texts() == ["Antrean", "Pelanggaran saya"]  # the staff menu
    page.click("text=Kembali ke halaman utama")
    assert page.url.endswith("/queue")
    missing = page.goto(f"{demo_server}/tickets/999999")
    assert missing is not None and missing.status == 404
    assert page.inner_text("h1") == "Halaman tidak ditemukan" and "Kode galat 404" in page.inner_text("main")
    page.click("button[name=lang][value=en]")
    assert page.inner_text("h1") == "Page not found"


def test_an_admin_sees_a_new_key_once_copies_it_and_is_asked_before_revoking(
    browser: Any, demo_server: str, demo_app: Tanggap, shots: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{demo_server}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "rahasia-kupang-2026")
    page.click("main button[type=submit]")
    page.goto(f"{demo_server}/admin/tokens")
    page.fill("form[action$='open311-keys'] input[name=name]", "Lapor Kupang Android")
    page.click("text=Buat kunci")
    assert "Hanya ditampilkan sekarang." in page.inner_text("#new-key")
    secret = page.inner_text("#new-key-value")
    assert secret.startswith("tgp_")
    page.click("#new-key button.copy")
    # The clipboard answers asynchronously: the button says so once the copy has happened.
    page.wait_for_function("document.querySelector('#new-key button.copy').textContent === 'Tersalin'")
    assert page.inner_text("#new-key button.copy") == "Tersalin"
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.screenshot(path=str(shots / "key-shown-once.png"), full_page=True)
    page.reload()  # a refresh neither posts again nor shows the secret again
    assert page.locator("#new-key").count() == 0 and secret not in page.content()
    with demo_app.uow() as uow:
        assert len(uow.session.scalars(select(ApiKeyRow).where(ApiKeyRow.name == "Lapor Kupang Android")).all()) == 1

    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    row = page.locator("tr", has_text="Lapor Kupang Android")
    row.locator("button.danger").click()
    assert asked == ["Cabut kunci Lapor Kupang Android? Aplikasi itu langsung tidak dapat mengirim laporan."]
    assert "Aktif" in page.locator("tr", has_text="Lapor Kupang Android").inner_text()  # not revoked: dismissed
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text="Lapor Kupang Android").locator("button.danger").click()
    assert "Dicabut" in page.locator("tr", has_text="Lapor Kupang Android").inner_text()
    assert "huruf, angka, spasi, titik (.)" in page.inner_text("#key-name-rule")


def test_the_dashboard_gives_each_opd_its_own_colour_and_says_its_period(
    browser: Any, demo_server: str, demo_app: Tanggap
) -> None:
    page = signed_in(browser, demo_server, "supervisor", DESKTOP)
    page.goto(f"{demo_server}/dashboard")
    page.wait_for_function("window.Chart && Chart.getChart('chart-responses')")
    colours = page.evaluate("Chart.getChart('chart-responses').data.datasets.map(d => d.backgroundColor)")
    assert len(colours) >= 10 and len(set(colours)) == len(colours)
    assert page.inner_text("#target") == "98 dari 30.000 tanggapan tahun ini"
    assert "30 hari terakhir (06-09-2026 09:00 WITA sampai sekarang)" in page.inner_text("#scores")
    medians = page.locator("#scores td.median").all_inner_texts()
    assert len(medians) == 11 and sum(m not in ("-", "0 menit") for m in medians) >= 8
    ranked = page.locator("#ranking ol li").all_inner_texts()
    unranked = page.inner_text("#ranking .unranked")
    assert all(line.endswith("%") for line in ranked) and "tidak diberi peringkat" in unranked
    assert not any(opd in unranked for opd in (line.split(" · ")[0] for line in ranked))
