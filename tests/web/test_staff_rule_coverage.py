"""The supervisor's SLA rules page lists the combinations no rule covers, with the open reports
running without that clock and a prefilled form to cover them; metrics read as words there, on the
queue and on the ticket, in Bahasa Indonesia and in English."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from states.errors import PermissionDenied
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.staff.queries import common as common_views
from tanggap.staff.queries import rules as rule_views
from tests.conftest import RULES_SINCE
from tests.web.staff_helpers import assigned_report, sign_in

UNCOVERED = "Tidak tercakup aturan"
ALL_COVERED = "Semua kombinasi ukuran, OPD, kategori dan prioritas tercakup aturan yang berlaku."


def _switch_to_english(client: FlaskClient, token: str) -> None:
    assert client.post("/bahasa", data={"lang": "en", "csrf_token": token}).status_code in (302, 303)


def _coverage(html: str) -> str:
    found = re.search(r'<section class="card" id="coverage">(.*?)</section>', html, re.S)
    assert found, "the rules page has no coverage section"
    return found.group(1)


def _gap(html: str, metric: str, opd: str, category: str) -> str:
    found = re.search(rf'<li data-metric="{metric}" data-opd="{opd}" data-category="{category}">(.*?)</li>',
                      _coverage(html), re.S)
    assert found, f"no gap listed for {metric} {opd or '-'} {category or '-'}"
    return " ".join(found.group(1).split())


@pytest.fixture
def before_any_rule(clock: FrozenClock) -> FrozenClock:
    """The minute before the reference rules take effect: nothing is covered yet."""
    clock.at = RULES_SINCE - timedelta(minutes=1)
    return clock


def test_with_every_metric_covered_the_supervisor_reads_that_all_is_covered(web: Flask) -> None:
    client = web.test_client()
    sign_in(client, "supervisor")
    coverage = _coverage(client.get("/supervisor/rules").text)
    assert ALL_COVERED in coverage and UNCOVERED not in coverage


def test_the_supervisor_sees_each_uncovered_combination_by_metric_then_opd_with_its_open_reports(
    web: Flask, app: Tanggap, before_any_rule: FrozenClock
) -> None:
    app.handle(c.SubmitReport("Ada masalah di depan pasar", lat=-10.17, lon=123.6))
    assigned_report(app, "jalan-rusak", officer="pupr.officer")
    assigned_report(app, "jalan-rusak")
    client = web.test_client()
    sign_in(client, "supervisor")
    html = client.get("/supervisor/rules").text
    coverage = _coverage(html)
    assert UNCOVERED in coverage and ALL_COVERED not in coverage
    headings = re.findall(r"<h([34])>([^<]+)</h\1>", coverage)
    assert headings[:3] == [("3", "Disposisi"), ("3", "Tanggapan"), ("4", "BPBD")]
    assert [text for level, text in headings if level == "3"] == ["Disposisi", "Tanggapan", "Penyelesaian"]
    assert [text for level, text in headings if level == "4"] == ["BPBD", "DLHK", "PUPR"] * 2
    assert _gap(html, "dispatch", "", "").startswith("belum berkategori · semua prioritas · "
                                                     "<strong>laporan terbuka tanpa jam ini: 1</strong>")
    assert "laporan terbuka tanpa jam ini: 2" in _gap(html, "response", "PUPR", "jalan-rusak")
    assert "laporan terbuka tanpa jam ini: 2" in _gap(html, "resolution", "PUPR", "jalan-rusak")
    # Dispatch of the two assigned reports ended: nothing runs without a dispatch clock there.
    assert "laporan terbuka" not in _gap(html, "dispatch", "", "jalan-rusak")
    assert "laporan terbuka" not in _gap(html, "response", "DLHK", "pohon-tumbang")


def test_a_gap_links_to_the_preview_and_a_new_rule_form_filled_in_for_it(
    web: Flask, app: Tanggap, before_any_rule: FrozenClock
) -> None:
    client = web.test_client()
    sign_in(client, "supervisor")
    gap = _gap(client.get("/supervisor/rules").text, "response", "DLHK", "pohon-tumbang")
    link = re.search(r'<a href="([^"]+)">Buat aturan untuk ini</a>', gap)
    assert link is not None
    target = link.group(1).replace("&amp;", "&")
    assert target == "/supervisor/rules?metric=response&opd=DLHK&category=pohon-tumbang#rule-new"
    page = client.get(target.split("#")[0]).text
    assert "Tidak ada aturan yang berlaku." in page
    form = page.split('id="rule-new"')[1]
    assert '<option value="response" selected>Tanggapan</option>' in form
    assert '<option value="DLHK" selected translate="no">DLHK</option>' in form
    assert '<option value="pohon-tumbang" selected translate="no">Pohon tumbang</option>' in form
    assert 'value="normal" selected' not in form and 'value="urgent" selected' not in form


def test_the_coverage_reads_in_english_with_the_switch(web: Flask, before_any_rule: FrozenClock) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    _switch_to_english(client, token)
    html = client.get("/supervisor/rules").text
    coverage = _coverage(html)
    assert "Not covered by any rule" in coverage and UNCOVERED not in coverage
    assert "<h3>Dispatch</h3>" in coverage and "<h3>Response</h3>" in coverage and "<h3>Resolution</h3>" in coverage
    assert _gap(html, "dispatch", "", "").startswith("no category yet · all priorities · ")
    assert "Create a rule for this" in coverage


@pytest.mark.parametrize("persona", ["pupr.officer", "pupr.head", "dispatcher", "hr"])
def test_only_supervisors_see_the_coverage(web: Flask, app: Tanggap, before_any_rule: FrozenClock,
                                           persona: str) -> None:
    client = web.test_client()
    sign_in(client, persona)
    refused = client.get("/supervisor/rules?metric=response&opd=PUPR")
    assert refused.status_code == 403
    assert UNCOVERED not in refused.text and "pohon-tumbang" not in refused.text
    with pytest.raises(PermissionDenied):
        rule_views.rule_coverage(app.reader(), common_views.user(app.reader(), persona), before_any_rule.now())


# --- SLA labels on the rules page, the queue and the ticket -----------------------------------


def test_the_rules_page_shows_metric_labels_and_keeps_the_machine_values(web: Flask) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    html = client.get("/supervisor/rules?metric=response").text
    assert '<option value="dispatch" >Disposisi</option>' in html
    assert '<option value="response" selected>Tanggapan</option>' in html
    assert re.search(r'<section class="card rule" id="rule-2">\s*<h2>Aturan 2 · Tanggapan · ', html)
    assert ">response<" not in html and ">resolution<" not in html
    _switch_to_english(client, token)
    english = client.get("/supervisor/rules").text
    assert '<option value="resolution" >Resolution</option>' in english
    assert re.search(r'<section class="card rule" id="rule-3">\s*<h2>Rule 3 · Resolution · ', english)


def test_a_rule_saved_from_a_labelled_select_keeps_the_machine_metric(web: Flask, app: Tanggap) -> None:
    client = web.test_client()
    token = sign_in(client, "supervisor")
    form = {"csrf_token": token, "metric": "dispatch", "target_amount": "2", "target_unit": "working_days",
            "calendar": "kantor", "category": "pohon-tumbang", "effective_from": "2032-01-01T08:00"}
    assert client.post("/supervisor/rules", data=form).status_code == 303
    with app.uow() as uow:
        saved = [r for r in uow.sla.rules() if r.category == "pohon-tumbang" and r.effective_from.year == 2032]
    assert [r.metric.value for r in saved] == ["dispatch"]


def _titles(html: str) -> list[str]:
    return re.findall(r'<span class="sla \w+" [^>]*title="([^"]+)"', html)


def test_the_countdown_tooltip_names_the_metric_on_the_queue_and_the_ticket(web: Flask, app: Tanggap) -> None:
    rid = assigned_report(app, officer="pupr.officer")
    client = web.test_client()
    token = sign_in(client, "pupr.officer")
    assert _titles(client.get("/queue").text) == [
        "Tanggapan · batas waktu 07-10-2026 09:00 WITA · 0% jam kerja terpakai"]
    assert sorted(t.split(" · ")[0] for t in _titles(client.get(f"/tickets/{rid}").text)) == [
        "Disposisi", "Penyelesaian", "Tanggapan"]
    _switch_to_english(client, token)
    assert _titles(client.get("/queue").text) == [
        "Response · deadline 07-10-2026 09:00 WITA · 0% of the working time used"]
    assert sorted(t.split(" · ")[0] for t in _titles(client.get(f"/tickets/{rid}").text)) == [
        "Dispatch", "Resolution", "Response"]
