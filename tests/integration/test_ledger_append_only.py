"""The database itself refuses to rewrite or erase breaches, fulfilments and waivers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.payroll.service import breach_log, verify_ledger
from tests.integration.test_sla import RESPONSE_DUE, assigned, breaches


def _ledger_with_every_kind_of_row(app: Tanggap, clock: FrozenClock) -> None:
    rid = assigned(app)
    app.sweep(now=RESPONSE_DUE + timedelta(hours=1))
    [breach] = breaches(app)
    app.handle(c.WaiveBreach(breach.id, "supervisor", "Listrik padam se-kota"))
    clock.advance(timedelta(days=2))
    app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))


def _rows(app: Tanggap) -> list[tuple[object, ...]]:
    with app.engine.connect() as conn:
        return [tuple(row) for table in ("sla_breaches", "sla_fulfilments", "sla_waivers")
                for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


@pytest.mark.parametrize("statement", [
    "UPDATE sla_breaches SET officer = 'pupr.officer2'",
    "DELETE FROM sla_breaches",
    "UPDATE sla_fulfilments SET overdue_seconds = 0",
    "DELETE FROM sla_fulfilments",
    "UPDATE sla_waivers SET reason = 'tidak ada'",
    "DELETE FROM sla_waivers",
])
def test_the_database_refuses_to_rewrite_or_erase_a_ledger_row(
    app: Tanggap, clock: FrozenClock, statement: str
) -> None:
    _ledger_with_every_kind_of_row(app, clock)
    before = _rows(app)
    assert len(before) == 3, "one breach, its fulfilment and its waiver"
    table = statement.split()[1 if statement.startswith("UPDATE") else 2]
    with pytest.raises(DBAPIError, match=f"{table} is append-only"), app.engine.begin() as conn:
        conn.execute(text(statement))
    assert _rows(app) == before
    assert str(verify_ledger(app.reader())) == "ledger intact: 3 rows verified"


def test_waiving_and_fulfilling_a_breach_leave_the_breach_row_as_it_was(app: Tanggap, clock: FrozenClock) -> None:
    _ledger_with_every_kind_of_row(app, clock)
    [line] = breach_log(app.reader(), "2026-10")
    assert (line.waived, line.waiver_reason) == (True, "Listrik padam se-kota")
    assert line.fulfilled_at is not None and line.overdue_hours is not None and line.overdue_hours > 0
