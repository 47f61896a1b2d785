"""The public read side: rejected reports are not listed or served, and staff redact a text or a
photo with a reason the ticket's history keeps, after which nothing public serves it."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.intake import IssueApiKey
from tests.web.staff_helpers import sign_in, version

PHOTO = next((Path(__file__).resolve().parents[1] / "fixtures" / "photos").glob("*.jp*g"))
SECRET_TEXT = "Tetangga saya Bapak Yohanes, HP 0812-3456-7890, buang sampah di sini"


def _filed(web: Flask, description: str = SECRET_TEXT, photo: bool = False) -> int:
    key = web.extensions["tanggap.intake"].tanggap.handle(IssueApiKey(f"app-{uuid.uuid4().hex[:8]}"))
    form: dict[str, object] = {"api_key": key, "service_code": "sampah-menumpuk", "description": description,
                               "lat": "-10.17", "long": "123.6"}
    if photo:
        form["media"] = (io.BytesIO(PHOTO.read_bytes()), "foto.jpg")
    created = web.test_client().post("/open311/v2/requests.json", data=form)
    assert created.status_code == 201, created.text
    return int(created.json[0]["service_request_id"])


def test_a_report_rejected_as_spam_is_neither_listed_nor_served(web: Flask, app: Tanggap) -> None:
    spam, kept = _filed(web, "Beli obat kuat murah di toko kami sekarang juga"), _filed(web, "Sampah menumpuk")
    app.handle(c.RejectReport(spam, "dispatcher", kind="spam"))
    public = web.test_client()
    listed = public.get(f"/open311/v2/requests.json?service_request_id={spam},{kept}").json
    assert [r["service_request_id"] for r in listed] == [str(kept)]
    everything = public.get("/open311/v2/requests.json").json
    assert str(spam) not in {r["service_request_id"] for r in everything}
    single = public.get(f"/open311/v2/requests/{spam}.json")
    assert single.status_code == 404 and "obat kuat" not in single.text
    status = public.get(f"/lapor/{spam}")  # anyone learns it was refused, not what it said or where
    assert "Ditolak" in status.text and "obat kuat" not in status.text and "-10.17" not in status.text


def _redact(client: FlaskClient, app: Tanggap, rid: int, token: str, part: str, reason: str):  # type: ignore[no-untyped-def]
    return client.post(f"/tickets/{rid}/redact", data={"csrf_token": token, "version": str(version(app, rid)),
                                                       "part": part, "reason": reason})


def test_a_dispatcher_redacts_a_text_and_a_photo_and_nothing_public_serves_them(web: Flask, app: Tanggap) -> None:
    rid = _filed(web, photo=True)
    public = web.test_client()
    media_url = public.get(f"/open311/v2/requests/{rid}.json").json[0]["media_url"]
    media_path = "/media/" + media_url.rsplit("/media/", 1)[1]
    assert public.get(media_path).status_code == 200
    dispatcher = web.test_client()
    token = sign_in(dispatcher, "dispatcher")
    assert _redact(dispatcher, app, rid, token, "description", "Memuat nomor HP orang lain").status_code == 303
    assert _redact(dispatcher, app, rid, token, "photo", "Wajah orang terlihat jelas").status_code == 303
    found = public.get(f"/open311/v2/requests/{rid}.json").json[0]
    assert "0812" not in found["description"] and "disunting" in found["description"]
    assert found["media_url"] is None
    assert public.get(media_path).status_code == 404  # also for whoever kept the address
    assert "0812" not in public.get(f"/lapor/{rid}").text
    assert "0812" not in public.get("/open311/v2/requests.xml").text
    page = dispatcher.get(f"/tickets/{rid}").text  # staff still read it, and the history says who and why
    assert "0812-3456-7890" in page and "Teks ini disunting dari tampilan publik." in page
    assert "Disunting dari tampilan publik" in page and "Memuat nomor HP orang lain" in page
    assert "Wajah orang terlihat jelas" in page
    photo = re.search(r'src="(/tickets/\d+/photo)"', page)
    assert photo and dispatcher.get(photo.group(1)).status_code == 200


@pytest.mark.parametrize("persona", ["hr", "dlhk.officer", "pupr.officer"])
def test_redacting_needs_a_reason_and_reach_and_hr_cannot(web: Flask, app: Tanggap, persona: str) -> None:
    rid = _filed(web)  # a DLHK category, not yet assigned: the dispatch unit's
    app.handle(c.ClassifyReport(rid, "dispatcher", category="sampah-menumpuk"))
    app.handle(c.AssignReport(rid, "dispatcher"))
    client = web.test_client()
    token = sign_in(client, persona)
    answer = _redact(client, app, rid, token, "description", "Data pribadi")
    if persona == "dlhk.officer":
        assert answer.status_code == 303  # the holding OPD may
    else:
        assert answer.status_code in (403, 404), answer.status_code
        assert SECRET_TEXT in web.test_client().get(f"/open311/v2/requests/{rid}.json").json[0]["description"]
    dispatcher = web.test_client()
    token = sign_in(dispatcher, "dispatcher")
    blank = _redact(dispatcher, app, rid, token, "photo", " ")
    assert blank.status_code == 422 and "Alasan" in blank.text
