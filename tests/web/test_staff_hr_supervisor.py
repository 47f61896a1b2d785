"""HR's breach log and downloads, the payroll API, supervisors' rules, calendars and routing,
and the dashboard."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import RuleRow
from tests.web.staff_helpers import assigned_report, csrf, response_breach, shown_secret, sign_in

WITA = ZoneInfo("Asia/Makassar")


def test_hr_downloads_csv_and_xlsx_with_the_due_time_in_wita(web: Flask, app: Tanggap, clock: FrozenClock) -> None:
    breach = response_breach(app, clock)
    due = breach.due_at.astimezone(WITA).replace(tzinfo=None)
    client = web.test_client()
    sign_in(client, "hr")
    month = due.strftime("%Y-%m")
    page = client.get(f"/hr/breaches?month={month}&metric=response")
    assert page.status_code == 200 and "pupr.officer" in page.text
    rows = list(csv.reader(io.StringIO(client.get(f"/hr/breaches.csv?month={month}").data.decode("utf-8-sig"))))
    assert rows[0] == ["No. pelanggaran", "No. laporan", "OPD", "Petugas", "Ukuran", "Aturan", "Mulai (WITA)",
                       "Batas waktu (WITA)", "Dipenuhi (WITA)", "Lewat (jam kerja)", "Dibebaskan", "Alasan pembebasan"]
    line = next(r for r in rows[1:] if r[0] == str(breach.id))
    assert line[2:6] == ["PUPR", "pupr.officer", "Tanggapan", f"{breach.rule_id} versi {breach.rule_version}"]
    assert line[7] == due.isoformat(sep=" ", timespec="minutes")
    xlsx = client.get(f"/hr/breaches.xlsx?month={month}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    cells = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert isinstance(cells[breach.id][7], datetime) and cells[breach.id][7] == due
    assert sheet["H2"].number_format == "dd-mm-yyyy hh:mm"
    # Wide enough that Excel shows the dates, not ####; every header readable in full.
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKL"}
    assert all(widths[c] >= 17 for c in "GHI")
    assert all(widths[c] >= len(str(sheet[f"{c}1"].value)) for c in widths)


def test_the_breach_log_filters_by_an_opd_chosen_from_a_list_whatever_its_case(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    breach = response_breach(app, clock)
    month = f"{breach.due_at.astimezone(WITA):%Y-%m}"
    client = web.test_client()
    sign_in(client, "hr")
    page = client.get(f"/hr/breaches?month={month}").text
    assert '<option value="PUPR"  translate="no">PUPR · Dinas Pekerjaan Umum dan Penataan Ruang</option>' in page
    for typed in ("PUPR", "pupr", " Pupr "):
        found = client.get(f"/hr/breaches?month={month}&opd={typed}").text
        assert "1 pelanggaran" in found and f'href="/hr/breaches/{breach.id}"' in found
        csv_rows = client.get(f"/hr/breaches.csv?month={month}&opd={typed}").data.decode("utf-8-sig").splitlines()
        assert len(csv_rows) == 2
    assert "Tidak ada pelanggaran." in client.get(f"/hr/breaches?month={month}&opd=dlhk").text


def test_a_breach_opens_to_its_explanation_and_a_supervisor_waives_it(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    breach = response_breach(app, clock)
    hr, supervisor = web.test_client(), web.test_client()
    sign_in(hr, "hr")
    explained = hr.get(f"/hr/breaches/{breach.id}")
    assert explained.status_code == 200
    assert f"Aturan {breach.rule_id} versi {breach.rule_version}: 8 jam kerja" in explained.text
    token = sign_in(supervisor, "supervisor")
    waived = supervisor.post(f"/supervisor/breaches/{breach.id}/waive",
                             data={"csrf_token": token, "reason": "Banjir besar"})
    assert waived.status_code == 303
    assert "Banjir besar" in hr.get(f"/hr/breaches/{breach.id}").text


@pytest.mark.parametrize("persona", ["pupr.officer", "pupr.head", "dispatcher", "hr"])
def test_only_supervisors_waive_breaches(web: Flask, app: Tanggap, clock: FrozenClock, persona: str) -> None:
    breach = response_breach(app, clock)
    client = web.test_client()
    token = sign_in(client, persona)
    response = client.post(f"/supervisor/breaches/{breach.id}/waive", data={"csrf_token": token, "reason": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["pupr.officer", "pupr.head", "dlhk.officer", "dispatcher"])
def test_staff_outside_hr_cannot_read_the_breach_log(web: Flask, persona: str) -> None:
    client = web.test_client()
    sign_in(client, persona)
    assert client.get("/hr/breaches").status_code == 403
    assert client.get("/hr/breaches.xlsx").status_code == 403


def test_the_payroll_api_needs_a_bearer_token_an_admin_issued(web: Flask, app: Tanggap) -> None:
    client = web.test_client()
    assert client.get("/api/payroll/allowance?month=2026-10").status_code == 401
    token = sign_in(client, "admin")
    issued = client.post("/admin/tokens", data={"csrf_token": token, "name": f"simpeg-{uuid.uuid4().hex[:6]}"})
    secret = shown_secret(client.get(issued.headers["Location"]).text, "new-token")
    api = web.test_client()
    answer = api.get("/api/payroll/allowance?month=2026-10", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and answer.json["month"] == "2026-10"
    wrong = api.get("/api/payroll/breaches?month=2026-10", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


@pytest.mark.parametrize("persona", ["hr", "supervisor", "pupr.head"])
def test_only_an_admin_issues_api_tokens(web: Flask, persona: str) -> None:
    client = web.test_client()
    token = sign_in(client, persona)
    assert client.post("/admin/tokens", data={"csrf_token": token, "name": "x"}).status_code == 403


def _rule_versions(app: Tanggap) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(RuleRow)) or 0)


def test_a_supervisor_edits_a_rule_as_a_new_version_and_the_preview_shows_it(web: Flask, app: Tanggap) -> None:
    # Effective in 2031 only: the PostgreSQL tier shares its rules between tests.
    client = web.test_client()
    token = sign_in(client, "supervisor")
    form = {"csrf_token": token, "metric": "resolution", "target_amount": "9", "target_unit": "working_days",
            "calendar": "kantor", "opd": "BPBD", "category": "banjir-genangan", "priority": "urgent",
            "effective_from": "2031-01-01T08:00"}
    assert client.post("/supervisor/rules", data=form).status_code == 303
    with app.uow() as uow:
        rule_id = int(uow.session.scalar(select(func.max(RuleRow.rule_id))) or 0)
    before = _rule_versions(app)
    edited = client.post(f"/supervisor/rules/{rule_id}", data={**form, "target_amount": "6", "note": "lebih cepat"})
    assert edited.status_code == 303
    assert _rule_versions(app) == before + 1
    assert f"Aturan {rule_id}" in client.get("/supervisor/rules").text
    preview = client.get("/supervisor/rules?metric=resolution&opd=BPBD&category=banjir-genangan&priority=urgent"
                         "&at=2031-02-03T09:00")
    assert f"Aturan {rule_id} versi 2: 6 hari kerja" in preview.text


@pytest.mark.parametrize("persona", ["pupr.officer", "pupr.head", "dispatcher", "hr"])
def test_officers_and_hr_cannot_change_rules_calendars_or_routing(web: Flask, app: Tanggap, persona: str) -> None:
    client = web.test_client()
    token = sign_in(client, persona)
    before = _rule_versions(app)
    form = {"csrf_token": token, "metric": "response", "target_amount": "1", "target_unit": "working_hours",
            "calendar": "kantor"}
    assert client.post("/supervisor/rules/2", data=form).status_code == 403
    assert client.post("/supervisor/calendars/kantor", data={"csrf_token": token, "hours_mon": "08:00-12:00"}
                       ).status_code == 403
    assert client.post("/supervisor/routing/jalan-rusak", data={"csrf_token": token, "opd": "DLHK"}).status_code == 403
    assert client.get("/supervisor/rules").status_code == 403
    assert _rule_versions(app) == before
    with app.uow() as uow:
        assert uow.reference.category("jalan-rusak").opd_code == "PUPR"


def test_a_supervisor_routes_a_category_and_sees_cuti_bersama_on_the_calendar(web: Flask, app: Tanggap) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    routed = client.post("/supervisor/routing/jalan-rusak", data={"csrf_token": token, "opd": "BPBD"})
    with app.uow() as uow:
        moved = uow.reference.category("jalan-rusak").opd_code
    # Put it back: the PostgreSQL tier shares its categories between tests.
    client.post("/supervisor/routing/jalan-rusak", data={"csrf_token": token, "opd": "PUPR"})
    assert (routed.status_code, moved) == (303, "BPBD")
    calendars = client.get("/supervisor/calendars").text
    assert "Cuti Bersama" in calendars or "cuti bersama" in calendars.lower()


def test_the_dashboard_shows_each_opd_and_the_annual_target(web: Flask, app: Tanggap) -> None:
    assigned_report(app)
    client = web.test_client()
    sign_in(client, "supervisor")
    page = client.get("/dashboard")
    assert page.status_code == 200 and "PUPR" in page.text and "30000" in page.text
    officer = web.test_client()
    sign_in(officer, "pupr.officer")
    assert officer.get("/dashboard").status_code == 403
    assert csrf(page.text)


def test_an_id_past_what_a_database_can_hold_is_not_found_not_a_server_error(web: Flask) -> None:
    hr, staff = web.test_client(), web.test_client()
    sign_in(hr, "hr")
    sign_in(staff, "dispatcher")
    huge = 12557824359074482880512  # found by schemathesis: SQLite cannot bind it
    for client, path in ((hr, f"/hr/breaches/{huge}"), (staff, f"/tickets/{huge}"), (hr, f"/hr/breaches/{2**63}"),
                         (hr, f"/hr/breaches/{2**31}")):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "tidak ditemukan" in answer.text.lower(), path
    largest = hr.get(f"/hr/breaches/{2**31 - 1}")  # the largest id an INTEGER column holds reaches the page
    assert largest.status_code == 404 and str(2**31 - 1) in largest.text
