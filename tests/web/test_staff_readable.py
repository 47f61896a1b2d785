"""What people read on the pages that decide a ticket's fate: the classify and assign choices, a
refused rejection, a rejected citizen's reason, the citizen's rating on the staff page, the
calendar page's warning, and the allowance explanation in the page's language."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tanggap import commands as c
from tanggap import intake as i
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.intake import IntakeService
from tests.web.staff_helpers import assigned_report, response_breach, sign_in, version


def _english(client: FlaskClient, token: str) -> None:
    assert client.post("/bahasa", data={"lang": "en", "csrf_token": token}).status_code == 303


def _form(html: str, form_id: str) -> str:
    found = re.search(rf'<form [^>]*id="{form_id}">(.*?)</form>', html, re.S)
    assert found, f"the page has no {form_id}"
    return found.group(1)


def test_an_unclassified_report_offers_no_category_until_one_is_chosen_and_names_them(
    web: Flask, app: Tanggap
) -> None:
    rid: int = app.handle(c.SubmitReport("Ada kabel listrik menjuntai", lat=-10.17, lon=123.6))
    client = web.test_client()
    sign_in(client, "dispatcher")
    form = _form(client.get(f"/tickets/{rid}").text, "form-classify")
    assert '<select name="category" required>' in form
    assert '<option value="" disabled selected>— pilih kategori —</option>' in form
    assert '<option value="jalan-rusak"  translate="no">Jalan rusak/berlubang</option>' in form
    assert " selected translate" not in form  # no category is one click away


def test_the_assign_choice_names_each_opd_and_which_one_the_route_picks(web: Flask, app: Tanggap) -> None:
    rid: int = app.handle(c.SubmitReport("Sampah di pinggir jalan", "sampah-menumpuk", -10.17, 123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category="sampah-menumpuk"))
    client = web.test_client()
    sign_in(client, "dispatcher")
    form = _form(client.get(f"/tickets/{rid}").text, "form-assign")
    assert '<option value="">sesuai rute kategori: DLHK · Dinas Lingkungan Hidup dan Kebersihan</option>' in form
    assert '<option value="PUPR" translate="no">PUPR · Dinas Pekerjaan Umum dan Penataan Ruang</option>' in form


def test_rejecting_as_a_duplicate_of_a_report_that_does_not_exist_is_a_form_error(web: Flask, app: Tanggap) -> None:
    rid: int = app.handle(c.SubmitReport("Lubang lagi", "jalan-rusak", -10.17, 123.6))
    client = web.test_client()
    token = sign_in(client, "dispatcher")
    refused = client.post(f"/tickets/{rid}/reject", data={"csrf_token": token, "version": str(version(app, rid)),
                                                           "kind": "duplicate", "duplicate_of": "999999"})
    assert refused.status_code == 422  # not a 404: the page exists, the number typed does not
    assert "Laporan asli dengan nomor itu tidak ada. Periksa nomor laporannya." in refused.text
    assert f'href="/tickets/{rid}"' in refused.text and "does not exist" not in refused.text
    with app.uow() as uow:
        assert uow.reports.get(rid).state.value == "submitted"


def _rejected(app: Tanggap, intake: IntakeService, kind: str, **extra: object) -> tuple[int, str]:
    sent = intake.submit(i.SubmitServiceRequest("jalan-rusak", "Jalan rusak", lat="-10.17", long="123.6",
                                                source=i.Source.WEB))
    app.handle(c.RejectReport(sent.report_id, "dispatcher", kind=kind, **extra))  # type: ignore[arg-type]
    return sent.report_id, sent.token


def test_a_rejected_citizen_reads_why_with_the_original_or_the_right_institution(
    web: Flask, app: Tanggap, intake: IntakeService
) -> None:
    original = assigned_report(app)
    duplicate, _ = _rejected(app, intake, "duplicate", duplicate_of=original)
    elsewhere, _ = _rejected(app, intake, "outside_authority", reason="Balai Pelaksanaan Jalan Nasional NTT")
    spam, _ = _rejected(app, intake, "spam", reason="Isi laporan iklan")
    citizen = web.test_client()
    page = citizen.get(f"/lapor/{duplicate}").text
    assert f"Laporan ini sama dengan laporan #{original}, yang sudah ditangani di sana." in page
    assert f'<a href="/lapor/{original}">Lihat laporan #{original}</a>' in page
    page = citizen.get(f"/lapor/{elsewhere}").text
    assert "di luar kewenangan Pemerintah Kota Kupang" in page
    assert 'Sampaikan ke instansi yang berwenang: <strong translate="no">Balai Pelaksanaan Jalan Nasional NTT' in page
    page = citizen.get(f"/lapor/{spam}").text
    assert "Laporan ini tidak dapat diproses" in page and "Isi laporan iklan" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    _english(citizen, token)
    assert "This report cannot be processed" in citizen.get(f"/lapor/{spam}").text


def test_the_citizens_rating_and_comment_show_on_the_staff_ticket(
    web: Flask, app: Tanggap, intake: IntakeService
) -> None:
    sent = intake.submit(i.SubmitServiceRequest("jalan-rusak", "Lubang", lat="-10.17", long="123.6",
                                                source=i.Source.WEB))
    app.handle(c.ClassifyReport(sent.report_id, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(sent.report_id, "dispatcher", officer="pupr.officer"))
    app.handle(c.RespondReport(sent.report_id, "pupr.officer", response="Sudah ditambal"))
    intake.tanggap.handle(i.RateResponse(sent.report_id, sent.token, stars=2, comment="Tambalannya sudah retak lagi"))
    client = web.test_client()
    token = sign_in(client, "pupr.head")
    rating = re.search(r'<dd id="rating">(.*?)</dd>', client.get(f"/tickets/{sent.report_id}").text, re.S)
    assert rating and "★★☆☆☆" in rating.group(1) and "2 dari 5" in rating.group(1)
    assert "Tambalannya sudah retak lagi" in rating.group(1)
    _english(client, token)
    assert "2 of 5" in client.get(f"/tickets/{sent.report_id}").text


def test_the_calendar_page_says_running_deadlines_stay_and_a_24_7_calendar_has_nothing_to_edit(
    web: Flask, app: Tanggap
) -> None:
    client = web.test_client()
    sign_in(client, "supervisor")
    page = client.get("/supervisor/calendars").text
    assert "Batas waktu laporan yang sedang berjalan tidak bergeser" in page
    always = page.split('id="kalender-24-7"')[1].split("</section>")[0]
    assert "24 jam, 7 hari" in always and "<input" not in always.replace('type="hidden"', "")
    assert "tidak ada jam kerja, hari libur atau hari kerja pengganti yang dapat diubah" in always
    office = page.split('id="kalender-kantor"')[1].split("</section>")[0]
    assert "Senin-Kamis 08:00-16:00; Jumat 08:00-11:30, 13:00-16:30" in office and "<button" in office


def test_the_allowance_explanation_follows_the_page_language(web: Flask, app: Tanggap, clock: FrozenClock) -> None:
    response_breach(app, clock)
    client = web.test_client()
    token = sign_in(client, "hr")
    assert "1 pelanggaran x 2,5% = 2,5%" in client.get("/hr/allowance?month=2026-10").text
    _english(client, token)
    english = client.get("/hr/allowance?month=2026-10").text
    assert "breaches: 1 x 2.5% = 2.5%" in english and "pelanggaran x" not in english
