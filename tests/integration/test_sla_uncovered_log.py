"""A report no SLA rule covers starts no clock; the log says so once per combination, not per report."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import ClockRow
from tanggap.enforcement import service as sla_service
from tests.conftest import RULES_SINCE


def uncovered_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == sla_service.__name__ and "no SLA rule" in r.message]


@pytest.fixture
def before_any_rule(clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """A minute before the reference rules take effect, with this process's memory of logged gaps empty."""
    monkeypatch.setattr(sla_service, "_LOGGED_UNCOVERED", set())
    clock.at = RULES_SINCE - timedelta(minutes=1)
    return clock


def test_a_hundred_uncovered_reports_log_one_line_naming_the_supervisor_page(
    app: Tanggap, before_any_rule: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=sla_service.__name__):
        for n in range(100):
            app.handle(c.SubmitReport(f"Jalan berlubang nomor {n}", lat=-10.17, lon=123.6))
    lines = uncovered_lines(caplog)
    assert len(lines) == 1
    assert "dispatch" in lines[0] and "priority normal" in lines[0] and "SLA rules page" in lines[0]
    with app.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ClockRow)) == 0


def test_each_uncovered_combination_logs_once(
    app: Tanggap, before_any_rule: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=sla_service.__name__):
        for category in ("jalan-rusak", "pohon-tumbang", "jalan-rusak", None, "pohon-tumbang", None):
            app.handle(c.SubmitReport("Laporan warga", category, -10.17, 123.6))
    lines = uncovered_lines(caplog)
    assert len(lines) == 3
    assert sum("category jalan-rusak, priority normal" in line for line in lines) == 1
    assert sum("category pohon-tumbang, priority urgent" in line for line in lines) == 1


def test_the_memory_of_logged_combinations_stays_bounded(
    app: Tanggap, before_any_rule: FrozenClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sla_service, "LOGGED_UNCOVERED_LIMIT", 1)
    with caplog.at_level(logging.WARNING, logger=sla_service.__name__):
        for category in ("jalan-rusak", "jalan-rusak", "pohon-tumbang", "jalan-rusak"):
            app.handle(c.SubmitReport("Laporan warga", category, -10.17, 123.6))
    assert len(uncovered_lines(caplog)) == 3
    assert len(sla_service._LOGGED_UNCOVERED) == 1
