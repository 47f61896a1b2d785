"""Objections in the staff pages: an officer's own breaches, filing with a photo, a supervisor
deciding, HR reading the standings and closing the month; refusals in words."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from PIL import Image

from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tests.web.staff_helpers import response_breach, sign_in

WITA = ZoneInfo("Asia/Makassar")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_an_officer_files_with_a_photo_a_supervisor_accepts_and_hr_sees_the_waiver(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    breach = response_breach(app, clock)
    officer = web.test_client()
    token = sign_in(officer, "pupr.officer")
    mine = text_of(officer.get("/saya/pelanggaran").text)
    assert f"#{breach.id}" in mine and "masih dapat diajukan keberatan" in mine
    assert "Batas waktu" in mine and "jam kerja" in mine  # the same explanation HR reads
    page = officer.get(f"/hr/breaches/{breach.id}").text
    assert "Ajukan keberatan" in page and "Warga tidak dapat dihubungi" in page
    filed = officer.post(f"/pelanggaran/{breach.id}/keberatan", data={
        "csrf_token": token, "reason": "citizen_unreachable", "text": "Telepon warga tidak aktif",
        "evidence": (io.BytesIO(jpeg()), "panggilan.jpg")}, content_type="multipart/form-data")
    assert filed.status_code == 303
    shown = text_of(officer.get(f"/hr/breaches/{breach.id}").text)
    assert "dalam keberatan" in shown and "menunggu keputusan" in shown and "panggilan.jpg" in shown

    supervisor = web.test_client()
    token = sign_in(supervisor, "supervisor")
    listing = supervisor.get("/keberatan").text
    assert "1 keberatan menunggu keputusan." in text_of(listing)
    photo = re.search(r'src="(/keberatan/bukti/\d+)"', listing)
    assert photo and supervisor.get(photo.group(1)).mimetype == "image/jpeg"
    objection = int(re.search(r'id="objection-(\d+)"', listing).group(1))  # type: ignore[union-attr]
    decided = supervisor.post(f"/keberatan/{objection}/putuskan", data={
        "csrf_token": token, "outcome": "accept", "reason": "Bukti panggilan cukup"})
    assert decided.status_code == 303
    assert "Keberatan diterima; pelanggaran dibebaskan." in supervisor.get(decided.location).text

    hr = web.test_client()
    sign_in(hr, "hr")
    month = f"{breach.due_at.astimezone(WITA):%Y-%m}"
    log = text_of(hr.get(f"/hr/breaches/{breach.id}").text)
    assert f"Keberatan #{objection} diterima: Bukti panggilan cukup" in log
    appeals = text_of(hr.get(f"/hr/allowance?month={month}").text).split("Keberatan per petugas")[1]
    assert f"pupr.officer PUPR - - #{breach.id} -" in appeals


def test_another_officer_cannot_open_or_object_to_the_breach(web: Flask, app: Tanggap, clock: FrozenClock) -> None:
    breach = response_breach(app, clock)
    other = web.test_client()
    token = sign_in(other, "pupr.officer2")
    assert other.get(f"/hr/breaches/{breach.id}").status_code == 403
    refused = other.post(f"/pelanggaran/{breach.id}/keberatan",
                         data={"csrf_token": token, "reason": "other", "text": "bukan saya"})
    assert refused.status_code == 403
    assert f"#{breach.id}" not in other.get("/saya/pelanggaran").text


def test_a_late_objection_and_an_early_close_are_refused_in_words(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    breach = response_breach(app, clock)
    head = web.test_client()
    token = sign_in(head, "pupr.head")
    filed = head.post(f"/pelanggaran/{breach.id}/keberatan",
                      data={"csrf_token": token, "reason": "wrong_holder", "text": "Tiket dipegang petugas lain"})
    assert filed.status_code == 303
    hr = web.test_client()
    token = sign_in(hr, "hr")
    clock.at = datetime(2026, 11, 2, 9, 0, tzinfo=WITA)
    month = f"{breach.due_at.astimezone(WITA):%Y-%m}"
    refused = hr.post(f"/bulan/{month}/tutup", data={"csrf_token": token})
    assert refused.status_code == 409
    assert f"Pelanggaran #{breach.id} masih dalam keberatan" in refused.text
    allowance = text_of(hr.get(f"/hr/allowance?month={month}").text)
    assert "Bulan ini belum dapat ditutup:" in allowance
    assert f"Pelanggaran #{breach.id} masih dalam keberatan" in allowance



def test_an_objection_after_the_window_is_refused_naming_when_it_ended(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    late = response_breach(app, clock)
    clock.advance(timedelta(days=30))
    officer = web.test_client()
    token = sign_in(officer, "pupr.officer")
    assert "Ajukan keberatan" not in officer.get(f"/hr/breaches/{late.id}").text
    refused = officer.post(f"/pelanggaran/{late.id}/keberatan",
                           data={"csrf_token": token, "reason": "other", "text": "terlambat"})
    assert refused.status_code == 422
    assert re.search(rf"Masa keberatan untuk pelanggaran #{late.id} sudah berakhir pada \w+, \d\d-\d\d-2026 "
                     r"\d\d:\d\d WITA\.", refused.text)


def test_hr_closes_the_month_from_the_page_and_then_nothing_changes_its_cut(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    breach = response_breach(app, clock)
    month = f"{breach.due_at.astimezone(WITA):%Y-%m}"
    clock.at = datetime(2026, 11, 2, 9, 0, tzinfo=WITA)
    hr = web.test_client()
    token = sign_in(hr, "hr")
    page = text_of(hr.get(f"/hr/allowance?month={month}").text)
    assert "Tidak ada keberatan yang menunggu dan masa keberatan sudah berakhir: bulan ini dapat ditutup." in page
    closed = hr.post(f"/bulan/{month}/tutup", data={"csrf_token": token})
    assert closed.status_code == 303
    page = text_of(hr.get(closed.location).text)
    assert "Bulan Oktober 2026 ditutup; potongannya kini final." in page
    assert "Bulan ini ditutup oleh hr pada Senin, 02-11-2026 09:00 WITA." in page
    kept = hr.get(f"/hr/allowance/{month}/allowance.json")
    written = app.settings.data_dir / "exports" / month / "allowance.json"
    assert kept.status_code == 200 and kept.data == written.read_bytes()
    assert f'"final": [\n        {breach.id}\n      ]' in kept.data.decode()

    supervisor = web.test_client()
    token = sign_in(supervisor, "supervisor")
    refused = supervisor.post(f"/supervisor/breaches/{breach.id}/waive",
                              data={"csrf_token": token, "reason": "terlambat dibebaskan"})
    assert refused.status_code == 409
    assert "Bulan Oktober 2026 sudah ditutup oleh hr pada Senin, 02-11-2026 09:00 WITA; potongannya sudah final." \
        in refused.text
