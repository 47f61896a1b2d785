"""A supervisor drafts a longer answer target, reads over October's real history what it would
have changed (breaches, on-time rate, cuts), in Bahasa or English, then keeps or drops it."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import select

from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import RuleRow
from tests.integration.test_replay import WITA, _three_answers
from tests.web.staff_helpers import csrf, sign_in

DRAFT = "rule_id=2&metric=response&target_amount=16&target_unit=working_hours&calendar=kantor&month=2026-10&pause=1"


def _october(app: Tanggap, clock: FrozenClock) -> None:
    _three_answers(app, clock)
    clock.at = datetime(2026, 10, 9, 12, 0, tzinfo=WITA)
    app.sweep()


def test_a_supervisor_reads_what_a_longer_target_would_have_changed(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    _october(app, clock)
    client = web.test_client()
    sign_in(client, "supervisor")
    assert "Uji draf aturan pada riwayat bulan lalu" in client.get("/supervisor/rules").text
    page = client.get(f"/supervisor/replay?{DRAFT}")
    assert page.status_code == 200
    text = page.text
    assert "Tercatat 2 pelanggaran; dengan draf ini 1: 0 bertambah, 1 berkurang." in text
    assert "1 lainnya tetap melanggar dengan batas waktu atau petugas yang berbeda." in text
    assert "Tepat waktu (tiket OPD): 33% sebelum, 67% dengan draf." in text
    assert "pupr.officer</span></td><td data-label=\"Sekarang\">5%</td><td data-label=\"Dengan draf\">2,5%" in text
    assert "<td data-label=\"Batas waktu\">07-10-2026 09:00 WITA</td>" in text  # the removed breach, WITA

    token = csrf(client.get("/login").text)
    client.post("/bahasa", data={"lang": "en", "csrf_token": token})
    english = client.get(f"/supervisor/replay?{DRAFT}").text
    assert "Recorded 2 breaches; with this draft 1: 0 more, 1 fewer." in english
    assert "Allowance cuts under the current policy" in english


def test_the_draft_is_kept_as_a_new_rule_version_or_dropped(web: Flask, app: Tanggap, clock: FrozenClock) -> None:
    _october(app, clock)
    client = web.test_client()
    sign_in(client, "supervisor")
    page = client.get(f"/supervisor/replay?{DRAFT}").text
    assert 'href="/supervisor/replay">Buang draf</a>' in page
    kept = client.post("/supervisor/replay/save", data={
        "csrf_token": csrf(page), "rule_id": "2", "metric": "response", "target_amount": "16",
        "target_unit": "working_hours", "calendar": "kantor", "opd": "", "category": "", "priority": "",
        "pause": "1", "note": "uji coba 16 jam"}, follow_redirects=True)
    assert "Draf disimpan sebagai versi baru aturan SLA." in kept.text
    with app.uow() as uow:
        latest = uow.session.scalars(select(RuleRow).where(RuleRow.rule_id == 2).order_by(RuleRow.version)).all()[-1]
        assert (latest.version, latest.target_amount, latest.note, latest.pause_on) == (
            2, 16, "uji coba 16 jam", ["awaiting_citizen"])


def test_a_bad_draft_names_the_field_and_others_may_not_see_the_page(web: Flask, app: Tanggap) -> None:
    client = web.test_client()
    sign_in(client, "supervisor")
    bad = client.get("/supervisor/replay?rule_id=2&metric=response&target_amount=-3&target_unit=working_hours"
                     "&calendar=kantor&month=2026-10")
    assert bad.status_code == 422 and "Target" in bad.text
    wrong_month = client.get("/supervisor/replay?rule_id=2&metric=response&target_amount=3"
                             "&target_unit=working_hours&calendar=kantor&month=2026-13")
    assert wrong_month.status_code == 422 and "Bulan" in wrong_month.text
    officer = web.test_client()
    sign_in(officer, "pupr.officer")
    assert officer.get("/supervisor/replay").status_code == 403
