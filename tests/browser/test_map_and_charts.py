"""Chart.js draws the dashboard's trend and Leaflet maps the report from a tile server on loopback,
in real headless Chromium, under the staff pages' Content-Security-Policy."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response
from PIL import Image

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.config import MapSettings
from tanggap.infrastructure.storage import LocalPhotoStorage
from tests.conftest import PASSWORD
from tests.fixtures.intake.servers import serving
from web.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture
def tile_requests() -> list[str]:
    return []


@pytest.fixture
def tiles(tile_requests: list[str]) -> Iterator[str]:
    """A tile server on another origin: every tile is the same pale PNG."""
    png = io.BytesIO()
    Image.new("RGB", (256, 256), (226, 236, 226)).save(png, "PNG")
    server = Flask("tiles")

    @server.get("/<int:z>/<int:x>/<int:y>.png")
    def tile(z: int, x: int, y: int) -> Response:
        tile_requests.append(f"{z}/{x}/{y}")
        return Response(png.getvalue(), mimetype="image/png")

    with serving(server) as base:
        yield f"{base}/{{z}}/{{x}}/{{y}}.png"


@pytest.fixture
def mapped_server(sqlite_app: Tanggap, tiles: str, tmp_path: Path) -> Iterator[str]:
    settings = sqlite_app.settings.model_copy(update={"map": MapSettings(tiles=tiles, attribution="Peta uji Tanggap")})
    web = create_app(replace(sqlite_app, settings=settings), PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"),
                     SESSION_COOKIE_SECURE=False)  # plain HTTP on loopback
    with serving(web) as base:
        yield base


def _sign_in(browser: Any, base: str, username: str, refused: list[str]) -> Any:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def _responded(app: Tanggap) -> int:
    rid: int = app.handle(c.SubmitReport("Jalan berlubang di Oebobo", lat=-10.17, lon=123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(rid, "dispatcher", officer="pupr.officer"))
    app.handle(c.RespondReport(rid, "pupr.officer", response="Lubang sudah ditambal."))
    return rid


def test_the_dashboard_charts_the_trend_and_the_ticket_maps_the_report(
    browser: Any, mapped_server: str, sqlite_app: Tanggap, tile_requests: list[str], shots: Path
) -> None:
    rid = _responded(sqlite_app)
    refused: list[str] = []
    page = _sign_in(browser, mapped_server, "dispatcher", refused)

    page.goto(f"{mapped_server}/dashboard")
    page.wait_for_function("window.Chart && Chart.getChart('chart-responses') && Chart.getChart('chart-on-time')")
    box = page.locator("#chart-responses").bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100
    drawn = page.evaluate("Chart.getChart('chart-responses').data.datasets"
                          ".map(d => [d.label, d.data.reduce((a, b) => a + b, 0)])")
    assert drawn == [["PUPR", 1]]
    assert page.locator(".bars").is_hidden() and page.locator(".trend-figures summary").is_visible()
    page.screenshot(path=str(shots / "dashboard-charts.png"), full_page=True)

    page.goto(f"{mapped_server}/tickets/{rid}")
    page.wait_for_selector("#report-map.leaflet-container .leaflet-marker-icon")
    page.wait_for_selector("#report-map img.leaflet-tile-loaded")
    assert any(t.startswith("17/") for t in tile_requests)
    assert "Peta uji Tanggap" in page.inner_text("#report-map .leaflet-control-attribution")
    page.screenshot(path=str(shots / "ticket-map.png"), full_page=True)
    assert refused == []
