"""The dashboard's periods: the annual target from TANGGAP_ANNUAL_TARGET, the year counted from
1 January in WITA, and the OPD ranking over the current ISO week in WITA."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tanggap import commands as c
from tanggap.bootstrap import Tanggap, bootstrap
from tanggap.clock import FrozenClock
from tanggap.config import Settings
from tanggap.infrastructure.storage import LocalPhotoStorage
from tests.web.staff_helpers import assigned_report, sign_in
from web.app import create_app

WITA = ZoneInfo("Asia/Makassar")
PROGRESS = re.compile(r'<progress max="(\d+)" value="(\d+)">')
RANKING = re.compile(r'<section class="card" id="ranking">(.*?)</section>', re.S)


def _travel(clock: FrozenClock, wita: datetime) -> None:
    clock.advance(wita - clock.now())


def _respond_at(app: Tanggap, clock: FrozenClock, rid: int, actor: str, wita: datetime) -> None:
    _travel(clock, wita)
    app.handle(c.RespondReport(rid, actor, response="Sudah ditangani."))


def _dashboard(client: FlaskClient) -> str:
    page = client.get("/dashboard")
    assert page.status_code == 200
    return page.text


def _progress(html: str) -> tuple[int, int]:
    found = PROGRESS.search(html)
    assert found, "the dashboard shows no progress bar"
    return int(found.group(1)), int(found.group(2))


def test_the_annual_target_comes_from_the_setting(
    app: Tanggap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TANGGAP_ANNUAL_TARGET", "12500")
    settings = Settings.from_env().model_copy(update={"data_dir": tmp_path, "database_url": app.settings.database_url})
    configured = bootstrap(settings, clock=app.clock)
    try:
        client = create_app(configured, PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos")).test_client()
        sign_in(client, "supervisor")
        html = _dashboard(client)
    finally:
        configured.engine.dispose()
    assert _progress(html) == (12_500, 0) and "0 dari 12.500 tanggapan tahun ini" in html


def test_serve_refuses_to_start_with_a_target_that_is_not_a_positive_whole_number(tmp_path: Path) -> None:
    env = {**os.environ, "TANGGAP_DATA_DIR": str(tmp_path), "TANGGAP_ANNUAL_TARGET": "0"}
    env.pop("TANGGAP_DATABASE_URL", None)
    tanggap = str(Path(sys.executable).with_name("tanggap"))
    started = subprocess.run([tanggap, "serve", "--port", "0"], env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    assert started.returncode == 1
    refused = "error: TANGGAP_ANNUAL_TARGET: must be a positive whole number, got '0'"
    assert started.stderr.strip().splitlines() == [refused]


def test_the_year_starts_at_midnight_on_new_years_day_in_wita(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    _travel(clock, datetime(2025, 12, 31, 9, 0, tzinfo=WITA))
    old_year, first_morning, second_day = (assigned_report(app, officer="pupr.officer") for _ in range(3))
    _respond_at(app, clock, old_year, "pupr.officer", datetime(2025, 12, 31, 23, 59, tzinfo=WITA))
    # 07:30 WITA on 1 January is still 31 December in UTC: it counts for 2026 all the same.
    _respond_at(app, clock, first_morning, "pupr.officer", datetime(2026, 1, 1, 7, 30, tzinfo=WITA))
    _respond_at(app, clock, second_day, "pupr.officer", datetime(2026, 1, 2, 10, 0, tzinfo=WITA))
    _travel(clock, datetime(2026, 1, 2, 12, 0, tzinfo=WITA))
    client = web.test_client()
    sign_in(client, "supervisor")
    assert _progress(_dashboard(client)) == (30_000, 2)


def test_the_ranking_covers_this_iso_week_from_monday_midnight_in_wita(
    web: Flask, app: Tanggap, clock: FrozenClock
) -> None:
    last_week = assigned_report(app, officer="pupr.officer")  # Tue 6 Oct 09:00 WITA
    monday_midnight = assigned_report(app, "sampah-menumpuk", officer="dlhk.officer")
    # Both late (8 working hours); the last minute of ISO week 41 in WITA and the first of week 42,
    # which is still Sunday in UTC.
    _respond_at(app, clock, last_week, "pupr.officer", datetime(2026, 10, 11, 23, 59, tzinfo=WITA))
    _respond_at(app, clock, monday_midnight, "dlhk.officer", datetime(2026, 10, 12, 0, 0, tzinfo=WITA))
    _travel(clock, datetime(2026, 10, 13, 9, 0, tzinfo=WITA))
    quick = assigned_report(app, officer="pupr.officer")
    _respond_at(app, clock, quick, "pupr.officer", datetime(2026, 10, 13, 10, 0, tzinfo=WITA))
    _travel(clock, datetime(2026, 10, 14, 10, 0, tzinfo=WITA))  # Wednesday: 7 days back is last week
    client = web.test_client()
    sign_in(client, "supervisor")
    html = _dashboard(client)
    ranking = RANKING.search(html)
    assert ranking, "the dashboard shows no weekly ranking"
    assert "12/10\u201318/10/2026" in ranking.group(1)  # Monday to Sunday
    assert re.findall(r"<li>(.*?)</li>", ranking.group(1)) == ["PUPR · 100%", "DLHK · 0%"]
    assert "tidak diberi peringkat: <span translate=\"no\">BPBD</span>" in ranking.group(1)  # nothing to rank
    trend = json.loads(re.search(r'<script type="application/json" id="trend-data">(.*?)</script>', html,
                                 re.S).group(1))  # type: ignore[union-attr]
    assert (trend["weeks"][-1], trend["on_time_rate"][-1]) == ("2026-W42", 50.0)  # PUPR 1/1 and DLHK 0/1


def test_in_the_weekly_ranking_an_opd_with_nothing_measured_comes_after_one_that_scored_nought(
    app: Tanggap, clock: FrozenClock
) -> None:
    from datetime import timedelta

    from tanggap.staff.queries import common as common_views
    from tanggap.staff.queries import dashboard as dashboard_views

    rid = assigned_report(app, officer="pupr.officer")
    clock.advance(timedelta(days=3))  # well past the 8 working hours: answered late
    app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))
    supervisor = common_views.user(app.reader(), "supervisor")
    ranking = dashboard_views.dashboard(app.reader(), supervisor, clock.now(), 30_000)["ranking"]
    assert ranking[0].opd == "PUPR" and ranking[0].on_time_rate == 0
    assert all(s.on_time_rate is None for s in ranking[1:])
