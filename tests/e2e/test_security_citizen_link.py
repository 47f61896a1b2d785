"""The citizen's secret: given on the first answer only, carried in a form body or a fragment,
never in a query string."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import func, select

from tanggap.bootstrap import Tanggap
from tanggap.intake import IntakeService, Source, SubmitServiceRequest
from tanggap.intake.tables import CitizenTokenRow

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM = {"kategori": "jalan-rusak", "deskripsi": "Lubang depan Puskesmas Oesapa", "alamat": "Jl. Timor Raya"}


def test_a_replayed_submission_gets_the_same_report_but_no_fresh_secret(intake: IntakeService, app: Tanggap) -> None:
    cmd = SubmitServiceRequest(service_code="jalan-rusak", description="Lubang", address="Jl. Timor Raya",
                               idempotency_key="lapor-ulang-1", source=Source.WEB)
    first, again = intake.submit(cmd), intake.submit(cmd)
    assert (again.report_id, again.replayed) == (first.report_id, True)
    assert first.token and again.token is None
    with app.uow() as uow:
        kept = uow.session.scalar(select(func.count()).select_from(CitizenTokenRow)
                                  .where(CitizenTokenRow.report_id == first.report_id))
    assert kept == 1


def test_the_form_hands_out_the_secret_in_the_fragment_and_only_once(web: Flask) -> None:
    phone = web.test_client()
    token = CSRF.search(phone.get("/lapor").text)
    assert token
    first = phone.post("/lapor", data={**FORM, "csrf_token": token.group(1)})
    again = phone.post("/lapor", data={**FORM, "csrf_token": token.group(1)})  # the back button, a second tap
    url = urlsplit(first.headers["Location"])
    assert url.query == "baru=1" and url.fragment.startswith("kunci=") and len(url.fragment) > 30
    assert again.headers["Location"] == f"{url.path}?baru=1"  # same report, no secret
    secret = url.fragment.removeprefix("kunci=")
    unlocked = phone.post(url.path, data={"kunci": secret, "baru": "1", "csrf_token": token.group(1)})
    assert unlocked.status_code == 200 and unlocked.headers["Cache-Control"] == "no-store"
    assert f"#kunci={secret}" in unlocked.text and "Simpan tautan rahasia ini" in unlocked.text
    assert 'id="buka-kunci"' not in unlocked.text  # the reporter's page, not the stranger's
    wrong = phone.post(url.path, data={"kunci": "tebakan", "csrf_token": token.group(1)})
    assert "Tautan pelacakan tidak valid" in wrong.text and "tebakan" not in wrong.text


def test_an_old_link_with_the_secret_in_the_query_is_moved_into_the_fragment(web: Flask) -> None:
    phone = web.test_client()
    token = CSRF.search(phone.get("/lapor").text)
    assert token
    path = urlsplit(phone.post("/lapor", data={**FORM, "csrf_token": token.group(1)}).headers["Location"]).path
    moved = phone.get(f"{path}?kunci=abc123")
    assert moved.status_code == 303 and moved.headers["Location"] == f"{path}#kunci=abc123"
    public = phone.get(path)
    assert public.status_code == 200 and 'id="buka-kunci"' in public.text and "Masalah sudah beres" not in public.text
