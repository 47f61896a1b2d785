"""A citizen on a phone, in real Chromium: a GPS fix outside the city, cleared, then a report that
goes through with the photo chosen once; and the back button followed by a second tap on send."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tanggap.bootstrap import Tanggap
from tanggap.db import ReportRow
from tests.browser.pages import PHONE, scrolls_sideways
from tests.conftest import detached

pytestmark = pytest.mark.slow
PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "coffee.jpg"
DENPASAR = {"latitude": -8.65, "longitude": 115.21, "accuracy": 12}


def _phone(browser: Any, where: dict[str, float] | None = None) -> Any:
    context = browser.new_context(viewport=PHONE, geolocation=where, permissions=["geolocation"] if where else [])
    return context.new_page()


def _reports(app: Tanggap) -> list[ReportRow]:
    with app.uow() as uow:
        return detached(uow.session, list(uow.session.scalars(select(ReportRow).order_by(ReportRow.id))))


def test_a_gps_fix_outside_the_city_is_cleared_and_the_report_goes_with_the_photo_chosen_once(
    browser: Any, server: str, sqlite_app: Tanggap, shots: Path
) -> None:
    page = _phone(browser, DENPASAR)
    page.goto(f"{server}/lapor")
    page.click("#lokasi-saya")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    assert page.is_visible("#hapus-lokasi")
    page.set_input_files("#foto", str(PHOTO))
    page.select_option("#kategori", "jalan-rusak")
    page.fill("#deskripsi", "Lubang besar di depan Pasar Kasih Naikoten")
    page.fill("#alamat", "Jl. Kaca Kristal, Naikoten I")
    page.click("#kirim")

    assert "Lokasi GPS di luar wilayah Kota Kupang" in page.inner_text(".errors")
    assert "coffee.jpg" in page.inner_text("#foto-tersimpan")  # chosen once, kept by the server
    assert page.input_value("#alamat") == "Jl. Kaca Kristal, Naikoten I"
    assert not scrolls_sideways(page)
    page.screenshot(path=str(shots / "lapor-outside-the-city-390.png"), full_page=True)
    page.click("#kirim")  # sending again as it is changes nothing: the GPS fix is still there
    assert "Lokasi GPS di luar wilayah Kota Kupang" in page.inner_text(".errors")

    page.click("#hapus-lokasi")
    assert page.input_value("#lat") == "" and page.is_hidden("#hapus-lokasi")
    assert page.inner_text("#lokasi-status") == "Lokasi GPS dihapus. Tulis alamatnya di bawah."
    page.click("#kirim")
    page.wait_for_url("**/lapor/*")
    assert "Laporan terkirim" in page.inner_text("main")
    [report] = _reports(sqlite_app)
    assert (report.lat, report.address, report.photo is not None) == (None, "Jl. Kaca Kristal, Naikoten I", True)


def test_going_back_and_sending_again_files_one_report(browser: Any, server: str, sqlite_app: Tanggap) -> None:
    page = _phone(browser)
    page.goto(f"{server}/lapor")
    page.select_option("#kategori", "sampah-menumpuk")
    page.fill("#deskripsi", "Sampah menumpuk di depan SD Inpres Oepura")
    page.fill("#alamat", "Jl. Soeharto, Oepura")
    page.set_input_files("#foto", str(PHOTO))
    page.click("#kirim")
    page.wait_for_url("**/lapor/*")
    first = page.url

    page.go_back()
    page.wait_for_selector("#kirim")
    if page.input_value("#deskripsi") == "":  # a browser that does not refill: the citizen types it again
        page.select_option("#kategori", "sampah-menumpuk")
        page.fill("#deskripsi", "Sampah menumpuk di depan SD Inpres Oepura")
        page.fill("#alamat", "Jl. Soeharto, Oepura")
    page.click("#kirim")
    page.wait_for_url("**/lapor/*")
    assert page.url.split("?")[0] == first.split("?")[0]
    assert len(_reports(sqlite_app)) == 1


def test_the_citizen_switches_the_form_to_english_and_back(browser: Any, server: str) -> None:
    page = _phone(browser)
    page.goto(f"{server}/lapor")
    with page.expect_navigation():  # the switch posts the form and comes back in the new language
        page.click("button[name=lang][value=en]")
    assert page.inner_text("h1") == "Report a problem around you"
    assert page.inner_text("#kirim") == "Send the report"
    with page.expect_navigation():
        page.click("button[name=lang][value=id]")
    assert page.inner_text("h1") == "Laporkan masalah di sekitar Anda"
