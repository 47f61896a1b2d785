"""The citizen's form at /lapor and the status page: a whole report from a phone's point of view."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import ReportRow
from tanggap.intake.tables import RatingRow
from tests.fixtures.intake import photos

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NONCE = re.compile(r'name="kunci_kirim" value="([^"]+)"')


class Phone:
    """A browser session: it keeps cookies and reads the hidden fields a page carries."""

    def __init__(self, web: Flask) -> None:
        self.client: FlaskClient = web.test_client()
        self.page = ""
        self.csrf = ""

    def open(self, url: str) -> Any:
        response = self.client.get(url)
        self.page = response.get_data(as_text=True)
        found = CSRF.search(self.page)
        self.csrf = found.group(1) if found else self.csrf
        return response

    def send(self, url: str, fields: dict[str, Any], **files: bytes) -> Any:
        data: dict[str, Any] = {"csrf_token": self.csrf, **fields}
        data.update({name: (io.BytesIO(content), f"{name}.jpg") for name, content in files.items()})
        return self.client.post(url, data=data)

    def unlock(self, report_id: int, key: str, new: bool = False) -> Any:
        """What the page's script does with the link's #kunci=...: post it in the form body."""
        response = self.send(f"/lapor/{report_id}", {"kunci": key, **({"baru": "1"} if new else {})})
        self.page = response.get_data(as_text=True)
        return response

    def report(self, **fields: Any) -> tuple[int, str]:
        """Fill in the form and follow the redirect; returns the report id and its secret key."""
        self.open("/lapor")
        nonce = NONCE.search(self.page).group(1)  # type: ignore[union-attr]
        response = self.send("/lapor", {"kunci_kirim": nonce, **fields}, foto=photos.jpeg())
        assert response.status_code == 303, response.get_data(as_text=True)
        return tracking(response.headers["Location"])


def tracking(location: str) -> tuple[int, str]:
    """The report's number and its secret, which rides in the fragment, never in the query."""
    url = urlsplit(location)
    assert "kunci" not in parse_qs(url.query)
    return int(url.path.rsplit("/", 1)[1]), parse_qs(url.fragment)["kunci"][0]


REPORT = {"kategori": "jalan-rusak", "deskripsi": "Lubang depan Puskesmas Oesapa", "lat": "-10.146", "long": "123.633"}


def test_the_form_is_mobile_first_in_bahasa_with_camera_capture_and_no_inline_script(web_only: Flask) -> None:
    phone = Phone(web_only)
    response = phone.open("/lapor")

    assert response.status_code == 200
    assert '<html lang="id">' in phone.page and 'name="viewport"' in phone.page
    assert 'capture="environment"' in phone.page and 'accept="image/jpeg' in phone.page
    assert '<select id="kategori" name="kategori" required>' in phone.page
    assert '<option value="" disabled selected>— pilih —</option>' in phone.page  # no category chosen for them
    assert '<option value="tidak-tahu" >Tidak tahu</option>' in phone.page
    assert "Kirim laporan" in phone.page
    assert re.search(r"<script(?![^>]*\bsrc=)", phone.page) is None
    assert re.search(r"\son[a-z]+=", phone.page) is None
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert phone.client.get("/static/lapor.js").status_code == 200


def test_a_report_from_the_form_shows_its_tracking_number_and_status(web: Flask, app: Tanggap) -> None:
    phone = Phone(web)
    report_id, key = phone.report(**REPORT)

    page = phone.unlock(report_id, key, new=True)
    assert page.status_code == 200
    assert f"#{report_id}" in phone.page and "Diterima" in phone.page and "Laporan diterima" in phone.page
    assert 'alt="Foto laporan"' in phone.page
    assert page.headers["Referrer-Policy"] == "no-referrer"
    with app.uow() as uow:
        row = uow.session.get(ReportRow, report_id)
        assert row is not None and (row.source, row.category, row.photo is not None) == ("web", "jalan-rusak", True)


def test_without_a_category_the_report_waits_for_the_dispatch_unit(web: Flask, app: Tanggap) -> None:
    phone = Phone(web)
    report_id, _ = phone.report(kategori="tidak-tahu", deskripsi="Ada kabel listrik menjuntai", alamat="Jl. Frans Seda")
    with app.uow() as uow:
        row = uow.session.get(ReportRow, report_id)
        assert row is not None and (row.category, row.address) == (None, "Jl. Frans Seda")


def test_the_form_explains_problems_in_bahasa_and_keeps_what_was_typed(web: Flask, app: Tanggap) -> None:
    phone = Phone(web)
    phone.open("/lapor")
    response = phone.send("/lapor", {"kategori": "", "deskripsi": "", "lat": "-8.65", "long": "115.21"},
                          foto=photos.text_posing_as_photo())  # fmt: skip

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Laporan belum terkirim" in page
    assert "Pilih kategori dari daftar, atau pilih “Tidak tahu”." in page
    assert "Lokasi GPS di luar wilayah Kota Kupang. Tekan “Hapus lokasi GPS”, lalu tulis alamatnya." in page
    assert "Ceritakan masalahnya: wajib bila kategori tidak diketahui" in page
    assert "Foto tidak dapat diterima" in page and "Foto sebelumnya tersimpan" not in page
    with app.uow() as uow:
        assert uow.session.scalars(select(ReportRow)).all() == []


def test_sending_the_form_twice_files_one_report(web: Flask, app: Tanggap) -> None:
    phone = Phone(web)
    phone.open("/lapor")
    fields = {"kunci_kirim": NONCE.search(phone.page).group(1), **REPORT}  # type: ignore[union-attr]
    first = phone.send("/lapor", fields, foto=photos.jpeg())
    second = phone.send("/lapor", fields, foto=photos.jpeg())

    first_id, first_key = tracking(first.headers["Location"])
    assert second.headers["Location"] == f"/lapor/{first_id}?baru=1"  # the same report, and no second secret
    phone.open(second.headers["Location"])
    assert "hanya diberikan sekali" in phone.page
    phone.unlock(first_id, first_key)
    assert "Masalah sudah beres" not in phone.page and 'id="buka-kunci"' not in phone.page  # the first key works
    with app.uow() as uow:
        assert len(uow.session.scalars(select(ReportRow)).all()) == 1


def test_a_post_without_the_csrf_token_is_refused(web_only: Flask) -> None:
    response = web_only.test_client().post("/lapor", data={**REPORT, "kunci_kirim": "x"})
    assert response.status_code == 400
    assert "kedaluwarsa" in response.get_data(as_text=True)


def responded(app: Tanggap, report_id: int) -> None:
    app.handle(c.ClassifyReport(report_id, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(report_id, "dispatcher", officer="pupr.officer"))
    app.handle(c.RespondReport(report_id, "pupr.officer", response="Lubang sudah ditambal dengan aspal panas"))


def state(app: Tanggap, report_id: int) -> str:
    with app.uow() as uow:
        row = uow.session.get(ReportRow, report_id)
        assert row is not None
        return row.state


def test_the_citizen_confirms_the_fix_and_rates_it(web: Flask, app: Tanggap) -> None:
    phone = Phone(web)
    report_id, key = phone.report(**REPORT)
    responded(app, report_id)

    phone.unlock(report_id, key)
    assert "Lubang sudah ditambal dengan aspal panas" in phone.page and "Masalah sudah beres" in phone.page
    phone.send(f"/lapor/{report_id}/konfirmasi", {"kunci": key})
    phone.send(f"/lapor/{report_id}/nilai", {"kunci": key, "bintang": "4", "komentar": "Cepat, terima kasih"})
    phone.send(f"/lapor/{report_id}/nilai", {"kunci": key, "bintang": "5"})

    assert state(app, report_id) == "closed"
    with app.uow() as uow:
        rating = uow.session.scalars(select(RatingRow)).one()
        assert (rating.report_id, rating.stars, rating.comment) == (report_id, 5, None)
    phone.unlock(report_id, key)
    assert "Selesai" in phone.page and "dikonfirmasi oleh pelapor" in phone.page


def test_a_stranger_with_the_number_sees_the_status_but_cannot_act(web: Flask, app: Tanggap) -> None:
    report_id, _ = Phone(web).report(**REPORT)
    responded(app, report_id)
    stranger = Phone(web)

    stranger.open(f"/lapor/{report_id}")
    assert "Sudah ditanggapi" in stranger.page
    assert "Masalah sudah beres" not in stranger.page and "Sanggah" not in stranger.page
    stranger.open("/lapor")  # a session and its CSRF token are free for anyone to get
    refused = stranger.send(f"/lapor/{report_id}/konfirmasi", {"kunci": "tebakan"})
    assert refused.status_code == 200 and "Tautan pelacakan tidak valid" in refused.get_data(as_text=True)
    stranger.send(f"/lapor/{report_id}/nilai", {"kunci": "", "bintang": "1"})
    assert state(app, report_id) == "responded"


@pytest.mark.parametrize(("days", "reopened"), [(7, True), (8, False)])
def test_a_dispute_reopens_the_report_only_within_the_window(
    web: Flask, app: Tanggap, clock: FrozenClock, days: int, reopened: bool
) -> None:
    phone = Phone(web)
    report_id, key = phone.report(**REPORT)
    responded(app, report_id)
    clock.advance(timedelta(days=days))

    phone.unlock(report_id, key)
    assert ("Sanggah tanggapan" in phone.page) is reopened
    phone.send(f"/lapor/{report_id}/sanggah", {"kunci": key, "alasan": "Lubangnya muncul lagi setelah hujan"})
    assert state(app, report_id) == ("assigned" if reopened else "responded")
    phone.unlock(report_id, key)
    assert ("Dibuka kembali" in phone.page) is reopened


def test_looking_up_a_number_leads_to_its_page_and_an_unknown_one_is_a_404(web: Flask) -> None:
    report_id, _ = Phone(web).report(**REPORT)
    client = web.test_client()
    assert client.get(f"/lapor/cari?nomor=%23{report_id}").headers["Location"].endswith(f"/lapor/{report_id}")
    assert client.get("/lapor/987654").status_code == 404
