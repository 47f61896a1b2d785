"""The service layer on a real database: full lifecycles, bad input writing nothing, conflicts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from states.errors import (
    ConcurrencyConflict,
    DomainError,
    GuardRejected,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from states.model import ReportState, replay
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import EventRow, OutboxRow, ReportRow
from tanggap.reports.views import report_detail


def submit(app: Tanggap, **overrides: object) -> int:
    fields: dict[str, object] = {"description": "Jalan berlubang besar di depan SD Inpres Oesapa",
                                 "category": "jalan-rusak", "lat": -10.15, "lon": 123.63}
    fields.update(overrides)
    report_id: int = app.handle(c.SubmitReport(**fields))  # type: ignore[arg-type]
    return report_id


def assigned(app: Tanggap, officer: str | None = "pupr.officer") -> int:
    rid = submit(app)
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(rid, "dispatcher", officer=officer))
    return rid


def snapshot(app: Tanggap) -> tuple[int, int, int, list[tuple[int, str, int]]]:
    with app.uow() as uow:
        reports = [(r.id, r.state, r.version) for r in uow.session.scalars(select(ReportRow).order_by(ReportRow.id))]
        return (uow.session.scalar(select(func.count()).select_from(ReportRow)) or 0,
                uow.session.scalar(select(func.count()).select_from(EventRow)) or 0,
                uow.session.scalar(select(func.count()).select_from(OutboxRow)) or 0, reports)


def test_a_report_walks_its_whole_life_and_every_step_is_in_its_history(app: Tanggap, clock: FrozenClock) -> None:
    rid = assigned(app)
    clock.advance(timedelta(hours=5))
    app.handle(c.RespondReport(rid, "pupr.officer", response="Lubang sudah ditambal tim reaksi cepat"))
    clock.advance(timedelta(days=1))
    app.handle(c.CloseReport(rid, "citizen"))

    view = report_detail(app.reader(), rid)
    assert (view["state"], view["category"], view["opd"], view["officer"]) == (
        "closed", "jalan-rusak", "PUPR", "pupr.officer")
    assert [e["event"] for e in view["events"]] == [
        "ReportSubmitted", "ReportClassified", "ReportAssigned", "ReportResponded", "ReportClosed"]
    assert view["events"][3]["at"].endswith("+08:00")


def test_submission_writes_the_report_and_its_outbox_row_together(app: Tanggap) -> None:
    rid = submit(app)
    with app.uow() as uow:
        rows = [(r.topic, r.report_id) for r in uow.session.scalars(select(OutboxRow))]
    assert rows == [("report.submitted", rid)]


def test_assigning_without_an_opd_routes_to_the_categorys_opd(app: Tanggap) -> None:
    rid = submit(app, category="sampah-menumpuk")
    app.handle(c.ClassifyReport(rid, "dispatcher", category="sampah-menumpuk"))
    app.handle(c.AssignReport(rid, "dispatcher"))
    assert report_detail(app.reader(), rid)["opd"] == "DLHK"


def test_an_urgent_category_makes_the_report_urgent(app: Tanggap) -> None:
    rid = submit(app, category="pohon-tumbang", description="Pohon tumbang menutup jalan")
    assert report_detail(app.reader(), rid)["priority"] == "urgent"


BAD_SUBMISSIONS = [
    ({"category": "tidak-ada"}, NotFound, "category 'tidak-ada'"),
    ({"description": "  "}, InvalidInput, "description"),
    ({"description": "x" * 4001}, InvalidInput, "4001"),
    ({"lat": None, "lon": None}, InvalidInput, "location"),
    ({"lat": 91.0}, InvalidInput, "latitude"),
]


@pytest.mark.parametrize(("overrides", "error", "named"), BAD_SUBMISSIONS)
def test_a_bad_submission_names_the_problem_and_writes_nothing(
    app: Tanggap, overrides: dict[str, object], error: type[DomainError], named: str
) -> None:
    before = snapshot(app)
    with pytest.raises(error, match=named):
        submit(app, **overrides)
    assert snapshot(app) == before


def _classified(app: Tanggap) -> int:
    rid = submit(app)
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    return rid


BAD_ADVANCES = [
    ("unknown category", lambda app, rid: c.ClassifyReport(submit(app), "dispatcher", category="tidak-ada"),
     NotFound),
    ("unknown OPD", lambda app, rid: c.AssignReport(_classified(app), "dispatcher", opd="DINAS-X"), NotFound),
    ("officer of another OPD", lambda app, rid: c.AssignReport(_classified(app), "dispatcher", opd="PUPR",
                                                               officer="dlhk.officer"), InvalidInput),
    ("missing return reason", lambda app, rid: c.ReturnReport(rid, "pupr.officer", reason=""), GuardRejected),
    ("wrong state", lambda app, rid: c.CloseReport(rid, "citizen"), InvalidTransition),
    ("wrong OPD responding", lambda app, rid: c.RespondReport(rid, "dlhk.officer", response="sudah"),
     GuardRejected),
    ("unknown actor", lambda app, rid: c.RespondReport(rid, "nobody", response="sudah"), NotFound),
    ("stale version", lambda app, rid: c.RespondReport(rid, "pupr.officer", response="ok", expected_version=1),
     ConcurrencyConflict),
]


@pytest.mark.parametrize(("case", "make", "error"), BAD_ADVANCES, ids=[b[0] for b in BAD_ADVANCES])
def test_a_refused_step_raises_a_domain_error_and_writes_nothing(app: Tanggap, case: str, make, error) -> None:  # type: ignore[no-untyped-def]
    rid = assigned(app)
    cmd = make(app, rid)
    before = snapshot(app)
    with pytest.raises(error):
        app.handle(cmd)
    assert snapshot(app) == before


def test_two_people_acting_on_a_stale_copy_the_second_gets_a_conflict(app: Tanggap) -> None:
    rid = assigned(app)
    first, second = app.uow(), app.uow()
    with first, second:
        mine = first.reports.get(rid)
        theirs = second.reports.get(rid)
        from states.lifecycle import Attempt, lifecycle
        from states.model import Actor, Role, Trigger
        officer = Actor("pupr.officer", Role.OPD_OFFICER, "PUPR")
        lifecycle().fire(mine, Trigger.RESPOND, Attempt(officer, app.clock.now(), {"response": "a"}, None, app.policy))
        lifecycle().fire(theirs, Trigger.RETURN, Attempt(officer, app.clock.now(), {"reason": "b"}, None, app.policy))
        first.commit()
        with pytest.raises(ConcurrencyConflict) as err:
            second.commit()
    assert err.value.report_id == rid
    view = report_detail(app.reader(), rid)
    assert view["state"] == "responded" and len(view["events"]) == 4


@pytest.mark.postgres
def test_concurrent_sessions_on_postgres_exactly_one_wins(pg_app: Tanggap) -> None:
    app = pg_app
    rid = assigned(app)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(cmd: c.Command) -> None:
        barrier.wait()
        try:
            app.handle(cmd)
            outcomes.append("won")
        except ConcurrencyConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=act, args=(cmd,)) for cmd in (
        c.RespondReport(rid, "pupr.officer", response="sudah ditambal", expected_version=3),
        c.ReturnReport(rid, "pupr.officer", reason="jalan nasional", expected_version=3))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "won"]
    assert len(report_detail(app.reader(), rid)["events"]) == 4


def test_replaying_the_stored_events_rebuilds_the_stored_report(app: Tanggap, clock: FrozenClock) -> None:
    rid = assigned(app)
    app.handle(c.ReturnReport(rid, "pupr.officer", reason="bukan wewenang"))
    app.handle(c.AssignReport(rid, "dispatcher", opd="DLHK", officer="dlhk.officer"))
    app.handle(c.RespondReport(rid, "dlhk.officer", response="Sudah diangkut"))
    with app.uow() as uow:
        stored, events = uow.reports.get(rid), uow.reports.events(rid)
    assert replay(rid, events) == stored
    assert stored.state is ReportState.RESPONDED


def test_a_report_submitted_and_moved_in_one_unit_of_work_is_written_once_with_both_events(app: Tanggap) -> None:
    from tanggap.bootstrap import HANDLERS

    with app.uow() as uow:
        ctx = app.context(uow)
        submit_cmd = c.SubmitReport("Pohon tumbang menutup jalan", "pohon-tumbang", -10.16, 123.6)
        rid = HANDLERS[c.SubmitReport](submit_cmd, ctx)
        HANDLERS[c.ClassifyReport](c.ClassifyReport(rid, "dispatcher", category="pohon-tumbang"), ctx)
        HANDLERS[c.AssignReport](c.AssignReport(rid, "dispatcher", opd="DLHK"), ctx)
        uow.commit()
    view = report_detail(app.reader(), rid)
    assert view["state"] == "assigned" and view["opd"] == "DLHK"
    assert [e["trigger"] for e in view["events"]] == ["submit", "classify", "assign"]
    with app.uow() as uow:
        row = uow.session.get(ReportRow, rid)
        assert row is not None and row.version == 3
        assert row.response_due_at is not None  # the queue's deadline came with the assignment


def test_a_batch_holding_a_stale_report_writes_none_of_its_reports(app: Tanggap) -> None:
    fresh, stale = assigned(app), assigned(app)
    with app.uow() as uow:
        from states.lifecycle import Attempt, lifecycle
        from states.model import Actor, Role, Trigger
        officer = Actor("pupr.officer", Role.OPD_OFFICER, "PUPR")
        uow.reports.preload([fresh, stale])
        for rid in (fresh, stale):
            lifecycle().fire(uow.reports.get(rid), Trigger.RESPOND,
                             Attempt(officer, app.clock.now(), {"response": "Sudah ditambal"}, None, app.policy))
        app.handle(c.RespondReport(stale, "pupr.officer", response="Dijawab lebih dulu"))
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
    assert report_detail(app.reader(), fresh)["state"] == "assigned"
    assert report_detail(app.reader(), stale)["response"] == "Dijawab lebih dulu"
