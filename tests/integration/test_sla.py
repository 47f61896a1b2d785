"""SLA clocks, the sweep, waivers, the ledger and allowance cuts on a real database.

The office calendar is Mon-Thu 08:00-16:00, Fri 08:00-11:30 and 13:00-16:30 WITA; PUPR's response
target is 8 working hours. T0 is Tuesday 6 October 2026, 09:00 WITA.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import select, text

from states.errors import InvalidInput, PermissionDenied
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import AlertRow, BreachRow, ClockRow, FulfilmentRow
from tanggap.migrate import alembic_config, upgrade
from tanggap.payroll.service import allowance, breach_log, verify_ledger
from tests.conftest import T0, detached
from tests.tamper import guards_lifted

WITA = ZoneInfo("Asia/Makassar")
RESPONSE_DUE = datetime(2026, 10, 7, 9, 0, tzinfo=WITA)  # 8 working hours after Tue 09:00


def assigned(app: Tanggap, officer: str | None = "pupr.officer", category: str = "jalan-rusak") -> int:
    rid: int = app.handle(c.SubmitReport("Jalan berlubang depan SD Inpres", category, -10.16, 123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category=category))
    app.handle(c.AssignReport(rid, "dispatcher", officer=officer))
    return rid


def clocks(app: Tanggap, rid: int) -> dict[str, ClockRow]:
    with app.uow() as uow:
        rows = uow.session.scalars(select(ClockRow).where(ClockRow.report_id == rid).order_by(ClockRow.id))
        return detached(uow.session, {f"{r.metric}:{r.state}": r for r in rows})


def breaches(app: Tanggap) -> list[BreachRow]:
    with app.uow() as uow:
        return detached(uow.session, list(uow.session.scalars(select(BreachRow).order_by(BreachRow.id))))


def test_assigning_stops_dispatch_and_starts_the_opds_clocks_on_its_calendar(app: Tanggap) -> None:
    rid = assigned(app)
    found = clocks(app, rid)
    assert set(found) == {"dispatch:stopped", "response:running", "resolution:running"}
    assert found["response:running"].due_at == RESPONSE_DUE
    assert found["response:running"].opd == "PUPR"
    # 5 working days after a Tuesday mid-morning: Wed, Thu, Fri, Mon, Tue, due at that Tuesday's close.
    assert found["resolution:running"].due_at == datetime(2026, 10, 13, 16, 0, tzinfo=WITA)


def test_one_minute_before_the_deadline_the_sweep_records_no_breach(app: Tanggap) -> None:
    rid = assigned(app)
    app.sweep(now=RESPONSE_DUE - timedelta(minutes=1))
    assert breaches(app) == []
    assert clocks(app, rid)["response:running"].recorded == ["warning_50", "warning_75"]


def test_a_breach_is_stamped_with_its_due_time_not_the_sweep_time(app: Tanggap) -> None:
    rid = assigned(app)
    sweep_at = RESPONSE_DUE + timedelta(hours=3, minutes=17)
    app.sweep(now=sweep_at)
    [breach] = breaches(app)
    assert (breach.report_id, breach.metric, breach.due_at, breach.recorded_at) == (
        rid,
        "response",
        RESPONSE_DUE,
        sweep_at,
    )
    assert (breach.opd, breach.officer, breach.rule_version) == ("PUPR", "pupr.officer", 1)
    assert breach.calendar_spec["hours"]["fri"] == ["08:00-11:30", "13:00-16:30"]
    assert breach.working_seconds == 8 * 3600


def test_the_deadline_instant_is_still_on_time_and_a_breach_once_it_has_passed(app: Tanggap) -> None:
    assigned(app)
    app.sweep(now=RESPONSE_DUE)
    assert breaches(app) == []
    app.sweep(now=RESPONSE_DUE + timedelta(seconds=1))
    assert [b.due_at for b in breaches(app)] == [RESPONSE_DUE]


def test_sweeping_twice_records_each_warning_and_breach_once(app: Tanggap) -> None:
    assigned(app)
    first = app.sweep(now=RESPONSE_DUE + timedelta(minutes=5))
    second = app.sweep(now=RESPONSE_DUE + timedelta(minutes=10))
    assert (first.warnings, first.breaches, second.warnings, second.breaches) == (2, 1, 0, 0)
    with app.uow() as uow:
        kinds = sorted(a.kind for a in uow.session.scalars(select(AlertRow)))
    assert kinds == ["warning_50", "warning_75"] and len(breaches(app)) == 1


def test_warnings_fall_due_at_half_and_three_quarters_of_the_working_time(app: Tanggap) -> None:
    assigned(app)
    app.sweep(now=RESPONSE_DUE)
    with app.uow() as uow:
        times = {a.kind: a.at for a in uow.session.scalars(select(AlertRow))}
    assert times == {
        "warning_50": datetime(2026, 10, 6, 13, 0, tzinfo=WITA),
        "warning_75": datetime(2026, 10, 6, 15, 0, tzinfo=WITA),
    }


def test_a_clock_paused_for_the_citizen_does_not_breach_and_resumes_with_its_remaining_time(
    app: Tanggap, clock: FrozenClock
) -> None:
    rid = assigned(app)
    clock.advance(timedelta(hours=2))  # Tue 11:00: 2 of 8 working hours used
    app.handle(c.RequestInformation(rid, "pupr.officer", question="Mohon kirim foto dari sisi utara"))
    app.sweep(now=RESPONSE_DUE + timedelta(days=2))
    assert breaches(app) == []
    clock.at = datetime(2026, 10, 8, 14, 0, tzinfo=WITA)  # Thu 14:00
    app.handle(c.ProvideInformation(rid, "citizen", answer="Foto sudah dikirim"))
    # 6 working hours left from Thu 14:00: 2 on Thursday, then Fri 08:00-11:30 and 13:00-13:30.
    assert clocks(app, rid)["response:running"].due_at == datetime(2026, 10, 9, 13, 30, tzinfo=WITA)
    assert clocks(app, rid)["response:running"].paused_seconds == (clock.at - T0 - timedelta(hours=2)).total_seconds()


def test_a_rule_edited_mid_clock_does_not_move_that_clocks_deadline(app: Tanggap, clock: FrozenClock) -> None:
    rid = assigned(app)
    with app.uow() as uow:
        rule_id = next(r.rule_id for r in uow.sla.rules() if r.metric == "response" and r.category is None)
    clock.advance(timedelta(minutes=30))
    app.handle(
        c.DefineRule("supervisor", "response", 2, "working_hours", "kantor", rule_id=rule_id, note="tim reaksi cepat")
    )
    assert clocks(app, rid)["response:running"].due_at == RESPONSE_DUE
    later = assigned(app)
    fresh = clocks(app, later)["response:running"]
    assert (fresh.rule_version, fresh.due_at) == (2, clock.now() + timedelta(hours=2))


def test_the_breach_goes_to_the_officer_holding_the_ticket_at_the_due_time(app: Tanggap, clock: FrozenClock) -> None:
    rid = assigned(app)
    clock.at = RESPONSE_DUE + timedelta(minutes=30)
    app.handle(c.ReassignReport(rid, "pupr.head", officer="pupr.officer2"))
    app.sweep(now=clock.at)
    assert [b.officer for b in breaches(app)] == ["pupr.officer"]


def test_with_no_officer_holding_it_the_breach_goes_to_the_opd_head(app: Tanggap) -> None:
    assigned(app, officer=None)
    app.sweep(now=RESPONSE_DUE + timedelta(minutes=1))
    assert [b.officer for b in breaches(app)] == ["pupr.head"]


def test_a_late_answer_records_the_breach_and_its_fulfilment_with_the_overdue_time(
    app: Tanggap, clock: FrozenClock
) -> None:
    rid = assigned(app)
    clock.at = RESPONSE_DUE + timedelta(hours=2)  # Wed 11:00
    app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))
    [breach] = breaches(app)
    with app.uow() as uow:
        fulfilment = uow.session.scalar(select(FulfilmentRow))
        assert fulfilment is not None
        assert (fulfilment.breach_id, fulfilment.fulfilled_at, fulfilment.overdue_seconds) == (
            breach.id,
            clock.at,
            2 * 3600,
        )
    assert app.sweep(now=clock.at + timedelta(days=1)).breaches == 0


def test_an_answer_before_the_deadline_is_on_time_and_stops_the_clock(app: Tanggap, clock: FrozenClock) -> None:
    rid = assigned(app)
    clock.at = RESPONSE_DUE
    app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))
    stopped = clocks(app, rid)["response:stopped"]
    assert (stopped.outcome, stopped.late, stopped.next_alert_at) == ("fulfilled", False, None)
    app.sweep(now=RESPONSE_DUE + timedelta(days=3))
    assert [b.metric for b in breaches(app)] == []


def test_returning_a_ticket_ends_the_opds_clocks_and_restarts_dispatch(app: Tanggap) -> None:
    rid = assigned(app)
    app.handle(c.ReturnReport(rid, "pupr.officer", reason="Jalan nasional, kewenangan BPJN"))
    found = clocks(app, rid)
    assert found["response:stopped"].outcome == "returned"
    assert found["dispatch:running"].started_at == T0


def test_an_urgent_category_rule_beats_the_general_one(app: Tanggap) -> None:
    rid = assigned(app, officer="dlhk.officer", category="pohon-tumbang")
    response = clocks(app, rid)["response:running"]
    assert response.due_at == T0 + timedelta(hours=4)
    assert response.calendar_spec["hours"] == "always"


def test_a_supervisor_waives_a_breach_without_touching_it_and_hr_cannot(app: Tanggap) -> None:
    assigned(app)
    app.sweep(now=RESPONSE_DUE + timedelta(hours=1))
    [breach] = breaches(app)
    with pytest.raises(PermissionDenied):
        app.handle(c.WaiveBreach(breach.id, "hr", "banjir"))
    with pytest.raises(InvalidInput, match="reason"):
        app.handle(c.WaiveBreach(breach.id, "supervisor", "  "))
    app.handle(c.WaiveBreach(breach.id, "supervisor", "Listrik padam se-kota"))
    assert breaches(app)[0].hash == breach.hash
    [line] = breach_log(app.reader(), "2026-10")
    assert (line.waived, line.waiver_reason) == (True, "Listrik padam se-kota")
    assert verify_ledger(app.reader()).intact


def test_verify_names_the_first_row_altered_in_the_database(app: Tanggap) -> None:
    for _ in range(3):
        assigned(app)
    app.sweep(now=RESPONSE_DUE + timedelta(hours=1))
    rows = breaches(app)
    assert str(verify_ledger(app.reader())) == "ledger intact: 3 rows verified"
    with guards_lifted(app.engine) as conn:
        conn.execute(text("UPDATE sla_breaches SET officer = 'pupr.officer2' WHERE id = :id"), {"id": rows[1].id})
    verdict = verify_ledger(app.reader())
    assert not verdict.intact and verdict.first_bad is not None
    assert (verdict.first_bad.table, verdict.first_bad.row_id) == ("sla_breaches", rows[1].id)
    assert "altered" in str(verdict)


def test_the_monthly_allowance_cut_lists_the_unwaived_breaches_that_justify_it(
    app: Tanggap, clock: FrozenClock
) -> None:
    late = [assigned(app) for _ in range(2)]
    on_time = assigned(app, officer="pupr.officer2")
    clock.advance(timedelta(hours=1))
    app.handle(c.RespondReport(on_time, "pupr.officer2", response="Sudah ditambal"))
    app.sweep(now=RESPONSE_DUE + timedelta(hours=1))
    waived = breaches(app)[0]
    app.handle(c.WaiveBreach(waived.id, "supervisor", "Hujan lebat"))
    report = allowance(app.uow(), "2026-10")
    officers = {cut.who: cut for cut in report.officers}
    assert officers["pupr.officer"].breach_ids == (breaches(app)[1].id,)
    assert officers["pupr.officer"].cut_percent == 2.5
    assert (officers["pupr.officer2"].cut_percent, officers["pupr.officer2"].met) == (0, 1)
    assert len(late) == 2


@pytest.mark.postgres
def test_four_sweeps_at_once_on_postgres_record_each_breach_exactly_once(pg_app: Tanggap) -> None:
    ids = [assigned(pg_app) for _ in range(40)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def sweep() -> None:
        barrier.wait()
        try:
            pg_app.sweep(now=RESPONSE_DUE + timedelta(hours=1), limit=7)
        except BaseException as err:  # the assertion below reports it
            errors.append(err)

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(b.report_id for b in breaches(pg_app)) == sorted(ids)
    with pg_app.uow() as uow:
        assert len(list(uow.session.scalars(select(AlertRow)))) == 80
    assert verify_ledger(pg_app.reader()).intact


def test_a_stopped_clock_keeps_its_working_time_and_the_migration_restores_it_on_older_rows(
    app: Tanggap, clock: FrozenClock
) -> None:
    rid = assigned(app)
    clock.at = RESPONSE_DUE + timedelta(hours=2)  # Wed 11:00: 8 h target, 2 h late
    app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))
    stopped = clocks(app, rid)["response:stopped"]
    assert (stopped.used_seconds, stopped.overdue_seconds) == (10 * 3600, 2 * 3600)
    # A row written before stops banked their last running period: used 0, run_from at the start.
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE sla_clocks SET used_seconds = 0, run_from = started_at WHERE id = :id"),
                     {"id": stopped.id})
    command.downgrade(alembic_config(app.engine), "0009")
    upgrade(app.engine)
    restored = clocks(app, rid)["response:stopped"]
    assert (restored.used_seconds, restored.run_from) == (10 * 3600, restored.stopped_at)
