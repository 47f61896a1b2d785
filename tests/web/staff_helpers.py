"""Helpers for the staff web tests: sign in as a persona and read CSRF tokens."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import BreachRow
from tests.conftest import PASSWORD, detached

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> str:
    """Sign in and return a CSRF token valid for this session."""
    token = csrf(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 303, response.text
    return csrf(client.get("/login").text)


def assigned_report(app: Tanggap, category: str = "jalan-rusak", officer: str | None = None) -> int:
    rid: int = app.handle(c.SubmitReport(f"Laporan {category}", lat=-10.17, lon=123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category=category))
    app.handle(c.AssignReport(rid, "dispatcher", officer=officer))
    return rid


def version(app: Tanggap, report_id: int) -> int:
    with app.uow() as uow:
        return uow.reports.get(report_id).version


def response_breach(app: Tanggap, clock: FrozenClock) -> BreachRow:
    """A PUPR ticket left three days unanswered, swept: its response breach."""
    assigned_report(app, officer="pupr.officer")
    clock.advance(timedelta(days=3))
    app.sweep()
    with app.uow() as uow:
        row = uow.session.scalar(select(BreachRow).where(BreachRow.metric == "response"))
        assert row is not None
        return detached(uow.session, row)


def shown_secret(html: str, box: str) -> str:
    """The secret a tokens page shows once, in its box `new-token` or `new-key`."""
    return html.split(f'id="{box}-value" translate="no">')[1].split("<")[0]
