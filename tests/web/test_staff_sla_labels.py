"""SLA metrics, clock states and clock outcomes read as words on the ticket and breach pages, in
Bahasa Indonesia by default and in English with the switch; downloads keep the machine values."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from sla.clocks import ClockState, Outcome
from sla.rules import Metric
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tests.web.staff_helpers import assigned_report, response_breach, sign_in
from web.staff import SLA_LABELS, sla_label

CATALOGUE = Path(__file__).resolve().parents[2] / "web/translations/en/LC_MESSAGES/messages.po"
LAZY = re.compile(r"""lazy_gettext\(\s*"((?:[^"\\]|\\.)*)"\s*\)""")


def _clock_rows(html: str) -> list[tuple[str, str]]:
    """(metric, state and outcome) per row of the ticket's SLA table, the countdown left out."""
    rows = re.findall(r'<tr><td class="metric">([^<]*)</td><td><span class="sla .*?</span></span>\s*·\s*([^<]*)</td>',
                      html, re.S)
    return [(metric, status.strip()) for metric, status in rows]


def _switch_to_english(client: FlaskClient, token: str) -> None:
    assert client.post("/bahasa", data={"lang": "en", "csrf_token": token}).status_code in (302, 303)


def test_every_metric_clock_state_and_outcome_has_a_label_in_both_languages(web_only: Flask) -> None:
    assert set(SLA_LABELS) == {*Metric, *ClockState, *Outcome}
    with web_only.test_request_context():
        bahasa = [sla_label(value) for value in SLA_LABELS]
        with force_locale("en"):
            english = [sla_label(value) for value in SLA_LABELS]
    assert len(set(bahasa)) == len(set(english)) == len(SLA_LABELS)
    assert all(b != e for b, e in zip(bahasa, english, strict=True))
    assert sla_label("sesuatu-baru") == "sesuatu-baru"  # an unknown value shows as it is


def test_every_lazily_translated_string_of_the_staff_ui_has_an_english_translation() -> None:
    with CATALOGUE.open("rb") as src:
        catalogue = read_po(src)
    sources = (CATALOGUE.parents[3] / "staff").glob("*.py")
    lazy = {m.group(1) for f in sources for m in LAZY.finditer(f.read_text())}
    assert len(lazy) >= len(SLA_LABELS)
    translated = {message.id for message in catalogue if message.string}
    assert sorted(lazy - translated) == []


def test_the_ticket_names_its_clocks_in_bahasa_and_in_english(web: Flask, app: Tanggap) -> None:
    rid = assigned_report(app, officer="pupr.officer")
    app.handle(c.ReassignReport(rid, "dispatcher", opd="DLHK", reason="saluran milik DLHK"))
    client = web.test_client()
    token = sign_in(client, "dispatcher")
    bahasa = sorted(_clock_rows(client.get(f"/tickets/{rid}").text))
    assert bahasa == [
        ("Disposisi", "berhenti (terpenuhi)"),
        ("Penyelesaian", "berhenti (dialihkan ke OPD lain)"),
        ("Penyelesaian", "berjalan"),
        ("Tanggapan", "berhenti (dialihkan ke OPD lain)"),
        ("Tanggapan", "berjalan"),
    ]
    _switch_to_english(client, token)
    english = sorted(_clock_rows(client.get(f"/tickets/{rid}").text))
    assert english == [
        ("Dispatch", "stopped (fulfilled)"),
        ("Resolution", "running"),
        ("Resolution", "stopped (transferred to another OPD)"),
        ("Response", "running"),
        ("Response", "stopped (transferred to another OPD)"),
    ]


def test_a_returned_ticket_says_so_on_its_clocks(web: Flask, app: Tanggap) -> None:
    rid = assigned_report(app, officer="pupr.officer")
    app.handle(c.ReturnReport(rid, "pupr.officer", reason="bukan wewenang: jalan nasional"))
    client = web.test_client()
    sign_in(client, "dispatcher")
    statuses = {status for _metric, status in _clock_rows(client.get(f"/tickets/{rid}").text)}
    assert "berhenti (dikembalikan, bukan wewenang)" in statuses


def test_hr_reads_breaches_by_metric_name_on_the_page_and_in_the_csv(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    breach = response_breach(app, clock)
    client = web.test_client()
    token = sign_in(client, "hr")
    month = f"{breach.due_at:%Y-%m}"
    log = client.get(f"/hr/breaches?month={month}").text
    assert (f'<td data-label="Laporan">#{breach.report_id}</td><td data-label="OPD"><span translate="no">PUPR</span>'
            '</td><td data-label="Petugas"><span translate="no">pupr.officer</span></td>'
            '<td data-label="Ukuran">Tanggapan</td>') in log
    assert '<option value="response" >Tanggapan</option>' in log
    filtered = client.get(f"/hr/breaches?month={month}&metric=response").text
    assert ('<option value="response" selected>Tanggapan</option>' in filtered
            and '<td data-label="Ukuran">Tanggapan</td>' in filtered)
    assert "<dd>Tanggapan</dd>" in client.get(f"/hr/breaches/{breach.id}").text
    rows = list(csv.DictReader(io.StringIO(client.get(f"/hr/breaches.csv?month={month}").text.lstrip("\ufeff"))))
    assert [row["Ukuran"] for row in rows] == ["Tanggapan"]  # read by people in a spreadsheet, in Bahasa
    _switch_to_english(client, token)
    assert '<td data-label="Metric">Response</td>' in client.get(f"/hr/breaches?month={month}").text
    assert "<dd>Response</dd>" in client.get(f"/hr/breaches/{breach.id}").text
