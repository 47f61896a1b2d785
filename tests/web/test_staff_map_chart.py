"""The ticket page's map (only when tiles are configured, with the tile host in the CSP) and the
dashboard's weekly trend data, checked against the database in WITA weeks."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.config import MapSettings
from tanggap.db import ReportRow
from tanggap.infrastructure.storage import LocalPhotoStorage
from tests.fixtures.web import UNTHROTTLED
from tests.web.staff_helpers import assigned_report, csrf, sign_in
from web.app import create_app

WITA = ZoneInfo("Asia/Makassar")
TILES = "https://{s}.tiles.kupangkota.go.id/{z}/{x}/{y}.png"
ATTRIBUTION = "&copy; kontributor OpenStreetMap"
NO_MAP_IMAGES = "img-src 'self' data: blob:;"


def _with_tiles(app: Tanggap, tmp_path: Path, maps: MapSettings) -> Flask:
    configured = replace(app, settings=app.settings.model_copy(update={"map": maps}))
    return create_app(configured, PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"),
                      TANGGAP_RATE_LIMIT_IP=UNTHROTTLED, TANGGAP_RATE_LIMIT_API_KEY=UNTHROTTLED)


class _Element(HTMLParser):
    """The attributes and text of the element with a given id."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.attrs: dict[str, str | None] | None = None
        self.text = ""
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if dict(attrs).get("id") == self.element_id:
            self.attrs, self._inside = dict(attrs), True

    def handle_endtag(self, tag: str) -> None:
        self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.text += data


def _element(html: str, element_id: str) -> _Element:
    found = _Element(element_id)
    found.feed(html)
    return found


@pytest.mark.parametrize("persona", ["dispatcher", "pupr.officer"])
def test_with_tiles_the_ticket_page_maps_the_report_and_the_csp_admits_the_tile_host(
    app: Tanggap, tmp_path: Path, persona: str
) -> None:
    web = _with_tiles(app, tmp_path, MapSettings(tiles=TILES, attribution=ATTRIBUTION))
    rid = assigned_report(app)  # at -10.17, 123.6
    client = web.test_client()
    sign_in(client, persona)
    page = client.get(f"/tickets/{rid}")
    assert page.status_code == 200
    found = _element(page.text, "report-map").attrs
    assert found is not None
    assert (float(found["data-lat"] or ""), float(found["data-lon"] or "")) == (-10.17, 123.6)
    assert found["data-tiles"] == TILES and found["data-attribution"] == ATTRIBUTION
    assert "/static/vendor/leaflet/leaflet.js" in page.text and "/static/vendor/leaflet/leaflet.css" in page.text
    assert "-10.17000, 123.60000" in page.text and "openstreetmap.org/?mlat=-10.17" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://*.tiles.kupangkota.go.id;" in csp
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200


def test_without_tiles_the_ticket_page_shows_coordinates_only_and_the_csp_admits_no_tile_host(
    web: Flask, app: Tanggap
) -> None:
    rid = assigned_report(app)
    client = web.test_client()
    sign_in(client, "dispatcher")
    page = client.get(f"/tickets/{rid}")
    assert page.status_code == 200
    assert "-10.17000, 123.60000" in page.text and "openstreetmap.org/?mlat=-10.17" in page.text
    assert 'id="report-map"' not in page.text and "leaflet" not in page.text.lower()
    csp = page.headers["Content-Security-Policy"]
    assert NO_MAP_IMAGES in csp and "tile" not in csp
    assert csp == client.get("/queue").headers["Content-Security-Policy"]


def test_a_report_without_coordinates_gets_no_map_even_with_tiles(app: Tanggap, tmp_path: Path) -> None:
    web = _with_tiles(app, tmp_path, MapSettings(tiles=TILES, attribution=ATTRIBUTION))
    rid: int = app.handle(c.SubmitReport("Lampu jalan mati", address="Jl. El Tari, Oebobo"))
    client = web.test_client()
    sign_in(client, "dispatcher")
    page = client.get(f"/tickets/{rid}")
    assert page.status_code == 200 and "Jl. El Tari, Oebobo" in page.text
    assert 'id="report-map"' not in page.text and "leaflet" not in page.text.lower()


def _respond_at(app: Tanggap, clock: FrozenClock, rid: int, actor: str, wita: datetime) -> None:
    clock.advance(wita.astimezone(ZoneInfo("UTC")) - clock.now())
    app.handle(c.RespondReport(rid, actor, response="Sudah ditangani."))


def _trend(client: FlaskClient) -> dict[str, Any]:
    page = client.get("/dashboard")
    assert page.status_code == 200
    data: dict[str, Any] = json.loads(_element(page.text, "trend-data").text)
    return data


def _responses_per_wita_week(app: Tanggap) -> Counter[str]:
    with app.uow() as uow:
        times = list(uow.session.scalars(select(ReportRow.responded_at).where(ReportRow.responded_at.is_not(None))))
    weeks = (t.astimezone(WITA).isocalendar() for t in times if t is not None)
    return Counter(f"{year}-W{week:02d}" for year, week, _day in weeks)


def test_the_dashboard_trend_counts_responses_and_on_time_rates_in_wita_weeks(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    quick = assigned_report(app, officer="pupr.officer")  # assigned Tue 6 Oct 09:00 WITA, ISO week 41
    sunday_night = assigned_report(app, officer="pupr.officer")
    monday_dawn = assigned_report(app, officer="pupr.officer")
    rubbish = assigned_report(app, "sampah-menumpuk", officer="dlhk.officer")
    _respond_at(app, clock, quick, "pupr.officer", datetime(2026, 10, 6, 10, 0, tzinfo=WITA))
    # The last minute of week 41 in WITA, and the first of week 42, which is still Sunday in UTC.
    _respond_at(app, clock, sunday_night, "pupr.officer", datetime(2026, 10, 11, 23, 59, tzinfo=WITA))
    _respond_at(app, clock, monday_dawn, "pupr.officer", datetime(2026, 10, 12, 0, 0, tzinfo=WITA))
    _respond_at(app, clock, rubbish, "dlhk.officer", datetime(2026, 10, 13, 9, 0, tzinfo=WITA))
    client = web.test_client()
    sign_in(client, "supervisor")
    data = _trend(client)
    weeks = data["weeks"]
    assert len(weeks) >= 8 and weeks[-2:] == ["2026-W41", "2026-W42"]
    assert data["labels"][-2:] == ["05/10", "12/10"]
    from_db = _responses_per_wita_week(app)
    assert data["responses"] == [from_db[w] for w in weeks] and data["responses"][-2:] == [2, 2]
    assert data["by_opd"] == {"DLHK": [0] * (len(weeks) - 1) + [1], "PUPR": [0] * (len(weeks) - 2) + [2, 1]}
    # 8 working hours: the first answer is on time, both weekend answers and the Tuesday one late.
    assert data["on_time_rate"] == [None] * (len(weeks) - 2) + [50.0, 0.0]
    assert re.search(r"<td>minggu 41</td><td>05/10/2026</td><td>2</td>\s*<td>50% \(1/2\)</td>", client.get(
        "/dashboard").text)


def test_the_trend_charts_texts_follow_the_language(web: Flask) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    assert _trend(client)["text"] == {"responses": "Jumlah tanggapan", "on_time": "Tepat waktu (%)",
                                      "week": "Minggu mulai Senin (WITA)"}
    client.post("/bahasa", data={"lang": "en", "csrf_token": token})
    english = _trend(client)["text"]
    assert english == {"responses": "Responses", "on_time": "On time (%)", "week": "Week starting Monday (WITA)"}
    assert csrf(client.get("/dashboard").text)
