"""Supervisors' duplicate radii and make-up days, admins' payroll tokens and Open311 keys: the
happy paths, validation, who may do what, and CSRF, through the Flask test client on real
databases.

The PostgreSQL tier shares categories, calendars and Open311 keys between tests: every test puts
back what it changed or works on names of its own.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import CalendarRow
from tanggap.intake import IssueApiKey
from tanggap.intake.tables import ApiKeyRow
from tanggap.staff import handlers as staff
from tanggap.staff.tables import ApiTokenRow
from tests.conftest import OFFICE_HOURS, detached
from tests.web.staff_helpers import csrf, shown_secret, sign_in

PERSONAS = ["pupr.officer", "pupr.head", "dlhk.officer", "dispatcher", "hr", "supervisor", "admin"]
SUPERVISING = {"supervisor", "admin"}
ADMIN = {"admin"}
OPEN311_FORM = {"service_code": "jalan-rusak", "lat": "-10.18", "long": "123.63", "description": "Jalan retak"}


@pytest.fixture
def restore_categories(app: Tanggap) -> Iterator[None]:
    yield
    app.handle_batch([staff.SetRouting("supervisor", "jalan-rusak", "PUPR", 50.0),
                      staff.SetRouting("supervisor", "banjir-genangan", "BPBD", 50.0)])


@pytest.fixture
def calendar(app: Tanggap) -> str:
    """A calendar of this test's own, with office hours."""
    name = f"uji-{uuid.uuid4().hex[:8]}"
    app.handle(c.DefineCalendar(name, OFFICE_HOURS, "supervisor"))
    return name


def _category(app: Tanggap, code: str) -> tuple[str, float]:
    with app.uow() as uow:
        row = uow.reference.category(code)
        return row.opd_code, row.duplicate_radius_m


def _spec(app: Tanggap, name: str) -> dict[str, Any]:
    with app.uow() as uow:
        row = uow.session.scalar(select(CalendarRow).where(CalendarRow.name == name))
        assert row is not None
        return dict(row.spec)


def _token(app: Tanggap, name: str | None = None) -> tuple[int, str]:
    """A payroll token issued by the admin: its id and the secret."""
    name = name or f"simpeg-{uuid.uuid4().hex[:6]}"
    secret: str = app.handle(staff.IssueApiToken("admin", name))
    with app.uow() as uow:
        row_id = uow.session.scalar(select(ApiTokenRow.id).where(ApiTokenRow.name == name))
    assert row_id is not None
    return row_id, secret


def _revoked_token(app: Tanggap, token_id: int) -> bool:
    with app.uow() as uow:
        row = uow.session.get(ApiTokenRow, token_id)
        assert row is not None
        return row.revoked_at is not None


def _key(app: Tanggap) -> tuple[int, str, str]:
    """An Open311 key issued the command-line way: its id, name and secret."""
    name = f"app-{uuid.uuid4().hex[:8]}"
    secret: str = app.handle(IssueApiKey(name))
    with app.uow() as uow:
        row = uow.session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name))
        assert row is not None
        return row.id, name, secret


def _keys_named(app: Tanggap, name: str) -> list[ApiKeyRow]:
    with app.uow() as uow:
        return detached(uow.session, list(uow.session.scalars(select(ApiKeyRow).where(ApiKeyRow.name == name))))


def _payroll(web: Flask, secret: str) -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    return web.test_client().get("/api/payroll/allowance?month=2026-10", headers=headers).status_code


def _open311(web: Flask, key: str) -> int:
    return web.test_client().post("/open311/v2/requests.json", data={**OPEN311_FORM, "api_key": key}).status_code


# --- 1. the duplicate radius on the routing page ---------------------------------------------


def test_a_supervisor_sets_a_categorys_duplicate_radius_next_to_its_opd(
    web: Flask, app: Tanggap, restore_categories: None
) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    page = client.get("/supervisor/routing")
    assert page.status_code == 200 and 'name="duplicate_radius_m" value="50"' in page.text
    saved = client.post("/supervisor/routing/banjir-genangan",
                        data={"csrf_token": token, "opd": "BPBD", "duplicate_radius_m": "300"})
    assert saved.status_code == 303
    assert _category(app, "banjir-genangan") == ("BPBD", 300.0)
    assert 'name="duplicate_radius_m" value="300"' in client.get("/supervisor/routing").text
    comma = client.post("/supervisor/routing/banjir-genangan",
                        data={"csrf_token": token, "opd": "BPBD", "duplicate_radius_m": "312,5"})
    assert (comma.status_code, _category(app, "banjir-genangan")) == (303, ("BPBD", 312.5))


@pytest.mark.parametrize("bad", ["abc", "", "4", "2000.5", "-10", "nan", "inf"])
def test_a_bad_radius_is_refused_naming_the_category_and_value_and_the_route_stays(
    web: Flask, app: Tanggap, restore_categories: None, bad: str
) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    before = _category(app, "jalan-rusak")
    response = client.post("/supervisor/routing/jalan-rusak",
                           data={"csrf_token": token, "opd": "DLHK", "duplicate_radius_m": bad})
    assert response.status_code == 422
    assert f"Radius duplikat jalan-rusak tidak valid: {bad}." in response.text
    assert "5-2000 meter" in response.text
    assert _category(app, "jalan-rusak") == before == ("PUPR", 50.0)  # neither the OPD nor the radius changed


def test_the_radius_error_is_in_english_after_the_switch(web: Flask, restore_categories: None) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    client.post("/bahasa", data={"lang": "en", "csrf_token": token})
    response = client.post("/supervisor/routing/jalan-rusak",
                           data={"csrf_token": token, "opd": "PUPR", "duplicate_radius_m": "1"})
    assert "The duplicate radius of jalan-rusak is not valid: 1." in response.text


def test_routing_without_a_radius_field_keeps_the_radius(web: Flask, app: Tanggap, restore_categories: None) -> None:
    app.handle(c.SetDuplicateRadius("jalan-rusak", 80.0))
    client = web.test_client()
    token = sign_in(client, "supervisor")
    assert client.post("/supervisor/routing/jalan-rusak", data={"csrf_token": token, "opd": "DLHK"}).status_code == 303
    assert _category(app, "jalan-rusak") == ("DLHK", 80.0)


# --- 2. make-up days and extra holidays --------------------------------------------------------


def test_a_supervisor_adds_and_removes_extra_holidays_and_make_up_days(
    web: Flask, app: Tanggap, calendar: str
) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    hours = {f"hours_{d}": ",".join(w) for d, w in OFFICE_HOURS["hours"].items()}  # type: ignore[attr-defined]
    form = {"csrf_token": token, **hours, "holidays_country": "ID", "holidays_categories": "public,government"}
    added = client.post(f"/supervisor/calendars/{calendar}", data={
        **form, "extra_holidays": "2026-10-30\n2026-11-02",
        "extra_working_days": "2026-10-24 08:00-12:00\n2026-10-31 08:00-12:00,13:00-15:00\n"})
    assert added.status_code == 303
    spec = _spec(app, calendar)
    assert spec["extra_holidays"] == ["2026-10-30", "2026-11-02"]
    assert spec["extra_working_days"] == {"2026-10-24": ["08:00-12:00"], "2026-10-31": ["08:00-12:00", "13:00-15:00"]}
    page = client.get("/supervisor/calendars").text
    assert "Sabtu, 31-10-2026 · 08:00-12:00, 13:00-15:00" in page and "Jumat, 30-10-2026 · libur tambahan" in page
    assert "2026-10-24 08:00-12:00\n2026-10-31 08:00-12:00,13:00-15:00" in page  # the editor holds them

    removed = client.post(f"/supervisor/calendars/{calendar}", data={
        **form, "extra_holidays": "2026-11-02", "extra_working_days": "2026-10-31 08:00-12:00,13:00-15:00"})
    assert removed.status_code == 303
    spec = _spec(app, calendar)
    assert spec["extra_holidays"] == ["2026-11-02"]
    assert spec["extra_working_days"] == {"2026-10-31": ["08:00-12:00", "13:00-15:00"]}
    cleared = client.post(f"/supervisor/calendars/{calendar}", data={**form, "extra_holidays": "",
                                                                     "extra_working_days": ""})
    assert cleared.status_code == 303
    spec = _spec(app, calendar)
    assert (spec["extra_holidays"], spec["extra_working_days"]) == ([], {})
    assert spec["hours"] == OFFICE_HOURS["hours"]  # the rest of the calendar is as it was


def test_the_calendar_page_still_shows_the_years_cuti_bersama(web: Flask, calendar: str) -> None:
    client = web.test_client()
    sign_in(client, "supervisor")
    page = client.get("/supervisor/calendars").text
    assert "cuti bersama" in page.lower()


@pytest.mark.parametrize(("extra_working_days", "extra_holidays", "field"), [
    ("2026-10-24 8-12", "", "Hari kerja pengganti Sabtu, 24-10-2026: jam “8-12” tidak valid; tulis JJ:MM-JJ:MM"),
    ("2026-10-24", "", "Hari kerja pengganti Sabtu, 24-10-2026: hari kerja pengganti perlu jam kerja"),
    ("24-10-2026 08:00-12:00", "", "Hari kerja pengganti: tanggal “24-10-2026” tidak valid; tulis TTTT-BB-HH"),
    ("2026-10-24 08:00-12:00,11:00-13:00", "", "Hari kerja pengganti Sabtu, 24-10-2026: jam kerjanya tumpang tindih"),
    ("2026-10-24 08:00-12:00", "2026-10-24",
     "Hari kerja pengganti: 2026-10-24 tercatat juga sebagai libur tambahan: pilih salah satu"),
    ("", "2026-13-01", "Libur tambahan: tanggal “2026-13-01” tidak valid"),
])
def test_a_bad_make_up_day_or_holiday_is_refused_naming_the_field_and_nothing_is_saved(
    web: Flask, app: Tanggap, calendar: str, extra_working_days: str, extra_holidays: str, field: str
) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    before = _spec(app, calendar)
    response = client.post(f"/supervisor/calendars/{calendar}", data={
        "csrf_token": token, "hours_mon": "08:00-12:00", "extra_holidays": extra_holidays,
        "extra_working_days": extra_working_days})
    assert response.status_code == 422
    assert field in response.text
    assert _spec(app, calendar) == before


# --- 3. revoking payroll tokens ----------------------------------------------------------------


def test_an_admin_revokes_a_payroll_token_and_the_api_refuses_it_at_once(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    token_id, secret = _token(app)
    assert _payroll(web, secret) == 200
    clock.advance(timedelta(minutes=5))
    client = web.test_client()
    token = sign_in(client, "admin")
    revoked = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert _payroll(web, secret) == 401
    page = client.get("/admin/tokens").text
    # 01:05 UTC is 09:05 WITA on the 6th of October 2026.
    row = page.split(f'id="token-{token_id}"')[1].split("</tr>")[0]
    assert "Dicabut 06-10-2026 09:05 WITA" in row and "Cabut</button>" not in row
    again = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert again.status_code == 422 and "Token ini sudah dicabut." in again.text


def test_revoking_a_token_that_does_not_exist_is_a_404(web: Flask) -> None:
    client = web.test_client()
    token = sign_in(client, "admin")
    assert client.post("/admin/tokens/999999/revoke", data={"csrf_token": token}).status_code == 404


# --- 4. Open311 keys on the tokens page ------------------------------------------------------


def test_an_admin_issues_an_open311_key_shown_once_and_kept_only_as_a_hash(web: Flask, app: Tanggap) -> None:
    name = f"Lapor Kupang {uuid.uuid4().hex[:6]}"
    client = web.test_client()
    token = sign_in(client, "admin")
    issued = client.post("/admin/open311-keys", data={"csrf_token": token, "name": name})
    assert issued.status_code == 303  # a refresh of the next page cannot post it again
    shown = client.get(issued.headers["Location"]).text
    assert "Hanya ditampilkan sekarang." in shown
    secret = shown_secret(shown, "new-key")
    assert secret.startswith("tgp_")
    [row] = _keys_named(app, name)
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest() and row.revoked_at is None
    later = client.get("/admin/tokens").text
    assert name in later and secret not in later
    assert _open311(web, secret) == 201


def test_an_admin_revokes_an_open311_key_and_the_api_refuses_it_at_once(web: Flask, app: Tanggap) -> None:
    key_id, name, secret = _key(app)
    assert _open311(web, secret) == 201
    client = web.test_client()
    token = sign_in(client, "admin")
    assert client.post(f"/admin/open311-keys/{key_id}/revoke", data={"csrf_token": token}).status_code == 303
    assert _open311(web, secret) == 403
    row = client.get("/admin/tokens").text.split(f'id="key-{key_id}"')[1].split("</tr>")[0]
    assert name in row and "Dicabut" in row and "WITA" in row
    # The name is free again: a new key works, the old one stays refused.
    reissued = client.post("/admin/open311-keys", data={"csrf_token": token, "name": name})
    fresh = shown_secret(client.get(reissued.headers["Location"]).text, "new-key")
    assert (_open311(web, fresh), _open311(web, secret)) == (201, 403)


def test_revoking_an_already_revoked_key_leaves_the_reissued_one_working(web: Flask, app: Tanggap) -> None:
    key_id, name, _secret = _key(app)
    client = web.test_client()
    token = sign_in(client, "admin")
    client.post(f"/admin/open311-keys/{key_id}/revoke", data={"csrf_token": token})
    fresh: str = app.handle(IssueApiKey(name))
    stale = client.post(f"/admin/open311-keys/{key_id}/revoke", data={"csrf_token": token})  # an old page
    assert stale.status_code == 422 and "Kunci ini sudah dicabut." in stale.text
    assert _open311(web, fresh) == 201


@pytest.mark.parametrize(("name", "problem"), [
    ("", "Nama boleh berisi huruf, angka, spasi, titik (.), garis bawah (_) dan tanda hubung (-)"),
    ("<script>", "Nama boleh berisi huruf, angka, spasi, titik (.), garis bawah (_) dan tanda hubung (-)"),
    ("x" * 81, "paling banyak 80 karakter"),
])
def test_a_bad_key_name_is_refused_and_no_key_is_made(web: Flask, app: Tanggap, name: str, problem: str) -> None:
    client = web.test_client()
    token = sign_in(client, "admin")
    response = client.post("/admin/open311-keys", data={"csrf_token": token, "name": name})
    assert response.status_code == 422 and problem in response.text
    assert 'id="new-key"' not in response.text
    assert _keys_named(app, name) == []


def test_a_second_active_key_for_one_app_is_refused(web: Flask, app: Tanggap) -> None:
    _key_id, name, secret = _key(app)
    client = web.test_client()
    token = sign_in(client, "admin")
    response = client.post("/admin/open311-keys", data={"csrf_token": token, "name": name})
    assert response.status_code == 422 and "Nama itu kosong atau sudah dipakai" in response.text
    assert len(_keys_named(app, name)) == 1 and _open311(web, secret) == 201


# --- 5. who may do what, and CSRF ------------------------------------------------------------


def _snapshot(app: Tanggap, calendar: str) -> tuple[Any, ...]:
    with app.uow() as uow:
        tokens = [(t.id, t.revoked_at) for t in uow.session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))]
        keys = [(k.id, k.revoked_at) for k in uow.session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]
    return _category(app, "jalan-rusak"), _spec(app, calendar), tokens, keys


Action = Callable[[FlaskClient, str, dict[str, Any]], Any]
# Every admin and supervisor action of these pages: who may take it, and how to ask.
ACTIONS: dict[str, tuple[set[str], Action]] = {
    "route with a radius": (SUPERVISING, lambda cl, tok, ids: cl.post(
        "/supervisor/routing/jalan-rusak", data={"csrf_token": tok, "opd": "DLHK", "duplicate_radius_m": "120"})),
    "save make-up days": (SUPERVISING, lambda cl, tok, ids: cl.post(
        f"/supervisor/calendars/{ids['calendar']}", data={"csrf_token": tok, "hours_mon": "08:00-12:00",
                                                          "extra_working_days": "2026-10-24 08:00-12:00"})),
    "issue a payroll token": (ADMIN, lambda cl, tok, ids: cl.post(
        "/admin/tokens", data={"csrf_token": tok, "name": f"t-{uuid.uuid4().hex[:6]}"})),
    "revoke a payroll token": (ADMIN, lambda cl, tok, ids: cl.post(
        f"/admin/tokens/{ids['token']}/revoke", data={"csrf_token": tok})),
    "issue an Open311 key": (ADMIN, lambda cl, tok, ids: cl.post(
        "/admin/open311-keys", data={"csrf_token": tok, "name": f"k-{uuid.uuid4().hex[:6]}"})),
    "revoke an Open311 key": (ADMIN, lambda cl, tok, ids: cl.post(
        f"/admin/open311-keys/{ids['key']}/revoke", data={"csrf_token": tok})),
}
PAGES = {"/supervisor/routing": SUPERVISING, "/supervisor/calendars": SUPERVISING, "/admin/tokens": ADMIN}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin_matrix_refuses_every_forbidden_cell_and_changes_nothing(
    web: Flask, app: Tanggap, calendar: str, restore_categories: None, persona: str
) -> None:
    ids = {"calendar": calendar, "token": _token(app)[0], "key": _key(app)[0]}
    client = web.test_client()
    token = sign_in(client, persona)
    for page, allowed in PAGES.items():
        assert client.get(page).status_code == (200 if persona in allowed else 403), (persona, page)
    for action, (allowed, ask) in ACTIONS.items():
        before = _snapshot(app, calendar)
        response = ask(client, token, ids)
        if persona in allowed:
            assert response.status_code in (200, 303), (persona, action, response.status_code)
        else:
            assert response.status_code in (403, 404), (persona, action, response.status_code)
            assert _snapshot(app, calendar) == before, (persona, action)


def test_a_forbidden_radius_that_is_also_bad_input_is_still_forbidden(
    web: Flask, app: Tanggap, restore_categories: None
) -> None:
    client = web.test_client()
    token = sign_in(client, "dispatcher")
    response = client.post("/supervisor/routing/jalan-rusak",
                           data={"csrf_token": token, "opd": "PUPR", "duplicate_radius_m": "abc"})
    assert response.status_code == 403


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_admin_form_without_a_csrf_token_is_refused_and_changes_nothing(
    web: Flask, app: Tanggap, calendar: str, restore_categories: None, action: str
) -> None:
    ids = {"calendar": calendar, "token": _token(app)[0], "key": _key(app)[0]}
    client = web.test_client()
    sign_in(client, "admin")
    before = _snapshot(app, calendar)
    _allowed, ask = ACTIONS[action]
    response = ask(client, "", ids)
    assert response.status_code == 400
    assert _snapshot(app, calendar) == before


def test_the_service_layer_refuses_the_same_actions_without_the_web(app: Tanggap) -> None:
    from states.errors import PermissionDenied

    token_id, _secret = _token(app)
    key_id, _name, _key_secret = _key(app)
    for persona in ("supervisor", "hr", "dispatcher", "pupr.head"):
        for cmd in (staff.RevokeApiToken(persona, token_id), staff.IssueClientKey(persona, f"x-{persona}"),
                    staff.RevokeClientKey(persona, key_id)):
            with pytest.raises(PermissionDenied):
                app.handle(cmd)
    for persona in ("hr", "dispatcher", "pupr.head", "pupr.officer"):
        with pytest.raises(PermissionDenied):
            app.handle(staff.SetRouting(persona, "jalan-rusak", "PUPR", 300.0))
    assert not _revoked_token(app, token_id)
    assert _category(app, "jalan-rusak") == ("PUPR", 50.0)


def test_the_tokens_page_has_a_csrf_token_in_every_form(web: Flask, app: Tanggap) -> None:
    _token(app)
    _key(app)
    client = web.test_client()
    sign_in(client, "admin")
    page = client.get("/admin/tokens").text
    assert page.count("<form") == page.count('name="csrf_token"') and csrf(page)
