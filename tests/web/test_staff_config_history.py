"""Supervisors see who changed routing and working calendars, and when (WITA): the last change
beside each category and calendar, and its full history in an expandable section."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.db import CalendarRow, CategoryRow, ConfigChangeRow
from tanggap.staff.handlers import SetRouting
from tests.web.staff_helpers import csrf, sign_in

CATEGORY = "pohon-tumbang"
AT_T0 = "06-10-2026 09:00 WITA"  # the frozen clock's T0, 01:00 UTC


def _section(html: str, anchor: str) -> str:
    """The markup of one category row or calendar card, up to the next one."""
    start = html.index(f'id="{anchor}')
    following = [i for i in (html.find('id="rute-', start + 1), html.find('id="kalender-', start + 1)) if i > 0]
    return html[start:min(following, default=len(html))]


def _count(app: Tanggap) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(ConfigChangeRow)) or 0)


@pytest.fixture
def routed(app: Tanggap) -> Iterator[tuple[str, float]]:
    """The category's routing as found; put back afterwards (PostgreSQL shares categories)."""
    with app.uow() as uow:
        row = uow.session.scalar(select(CategoryRow).where(CategoryRow.code == CATEGORY))
        assert row is not None
        before = (row.opd_code, row.duplicate_radius_m)
    yield before
    app.handle(SetRouting("admin", CATEGORY, *before))


def _route(client: FlaskClient, token: str, opd: str, radius: str, note: str = "") -> int:
    data = {"csrf_token": token, "opd": opd, "duplicate_radius_m": radius, "note": note}
    return client.post(f"/supervisor/routing/{CATEGORY}", data=data).status_code


def test_the_routing_page_shows_each_categorys_last_change_and_its_history(
    web: Flask, app: Tanggap, routed: tuple[str, float]
) -> None:
    opd, radius = routed
    new_opd = "BPBD" if opd != "BPBD" else "DLHK"
    client = web.test_client()
    token = sign_in(client, "supervisor")
    assert _route(client, token, new_opd, "275", note="Pohon tumbang menutup jalan saat badai") == 303
    row = _section(client.get("/supervisor/routing").text, f"rute-{CATEGORY}")
    assert f"Terakhir diubah oleh supervisor, {AT_T0}" in row
    assert "<details" in row and "Riwayat perubahan" in row
    assert (f'<td>OPD</td><td data-label="Nilai lama">{opd}</td><td data-label="Nilai baru">{new_opd}</td>'
            '<td data-label="Alasan"><span translate="no">Pohon tumbang menutup jalan saat badai</span></td>') in row
    assert (f'<td>Radius duplikat (meter)</td><td data-label="Nilai lama">{radius:g}</td>'
            '<td data-label="Nilai baru">275</td>') in row


def test_the_routing_history_reads_in_english_too(web: Flask, app: Tanggap, routed: tuple[str, float]) -> None:
    client = web.test_client()
    token = sign_in(client, "admin")
    assert _route(client, token, routed[0], "123.5") == 303
    client.post("/bahasa", data={"lang": "en", "csrf_token": token})
    row = _section(client.get("/supervisor/routing").text, f"rute-{CATEGORY}")
    assert f"Last changed by admin, {AT_T0}" in row
    assert (f'<td>Duplicate radius (metres)</td><td data-label="Old value">{routed[1]:g}</td>'
            '<td data-label="New value">123.5</td><td data-label="Reason"><span translate="no">-</span></td>') in row


@pytest.mark.parametrize("persona", ["hr", "pupr.head", "dispatcher"])
def test_a_refused_routing_change_adds_nothing_to_the_history(
    web: Flask, app: Tanggap, routed: tuple[str, float], persona: str
) -> None:
    before = _count(app)
    client = web.test_client()
    token = sign_in(client, persona)
    assert _route(client, token, "BPBD", "300") == 403
    assert client.get("/supervisor/routing").status_code == 403
    assert _count(app) == before


def test_a_bad_radius_from_a_supervisor_adds_nothing_to_the_history(
    web: Flask, app: Tanggap, routed: tuple[str, float]
) -> None:
    before = _count(app)
    client = web.test_client()
    assert _route(client, sign_in(client, "supervisor"), "BPBD", "lima") == 422
    assert _count(app) == before


@pytest.fixture
def office_calendar(app: Tanggap) -> Iterator[None]:
    """The "kantor" calendar put back afterwards (PostgreSQL shares calendars)."""
    with app.uow() as uow:
        row = uow.session.scalar(select(CalendarRow).where(CalendarRow.name == "kantor"))
        assert row is not None
        spec = row.spec
    yield
    app.handle(c.DefineCalendar("kantor", spec, "supervisor"))


def test_the_calendars_page_shows_each_calendars_last_change_and_its_history(
    web: Flask, app: Tanggap, office_calendar: None
) -> None:
    client = web.test_client()
    sign_in(client, "supervisor")
    form = {"csrf_token": csrf(client.get("/supervisor/calendars").text), "timezone": "Asia/Makassar",
            "hours_mon": "07:00-15:00", "holidays_country": "ID", "holidays_categories": "public,government",
            "note": "Senin mulai lebih pagi (SE Wali Kota)"}
    assert client.post("/supervisor/calendars/kantor", data=form).status_code == 303
    card = _section(client.get("/supervisor/calendars").text, "kalender-kantor")
    assert "Senin mulai lebih pagi (SE Wali Kota)" in card  # the reason stays with the change
    assert f"Terakhir diubah oleh supervisor, {AT_T0}" in card
    assert "<details" in card and "<td>Jam kerja</td>" in card and "07:00-15:00" in card
    # The reference data defined the calendar through the same handler: its first change is there too.
    assert '<td>Zona waktu</td><td data-label="Nilai lama">-</td><td data-label="Nilai baru">Asia/Makassar</td>' in card
    # The hours read as words, never as the stored JSON.
    assert '<td data-label="Nilai baru">Senin 07:00-15:00</td>' in card and '{"mon"' not in card
    assert "kalender-24-7" not in card
