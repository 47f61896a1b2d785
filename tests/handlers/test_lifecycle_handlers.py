"""The lifecycle's handlers on fake repositories: what each command changes, and that a refused
command changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from states.errors import GuardRejected, InvalidTransition, NotFound
from states.model import ReportState
from tanggap import commands as c
from tests.fakes import FakeApp
from tests.handlers.conftest import assigned, submitted


def test_a_report_walks_its_life_and_each_step_is_kept_in_order(app: FakeApp) -> None:
    rid = assigned(app)
    app.clock.advance(timedelta(hours=2))
    app.handle(c.RespondReport(rid, "pupr.officer", response="Lubang sudah ditambal tim reaksi cepat"))
    app.handle(c.CloseReport(rid, "citizen"))

    report = app.uow.reports.get(rid)
    assert (report.state, report.opd, report.officer, report.close_reason) == (
        ReportState.CLOSED, "PUPR", "pupr.officer", "citizen_confirmed")
    assert [e.name for e in app.uow.reports.events(rid)] == [
        "ReportSubmitted", "ReportClassified", "ReportAssigned", "ReportResponded", "ReportClosed"]
    assert [row.topic for row in app.uow.outbox.sent][:1] == ["report.submitted"]


def test_assigning_without_an_opd_routes_by_the_category(app: FakeApp) -> None:
    rid = submitted(app, "sampah-menumpuk")
    app.handle(c.ClassifyReport(rid, "dispatcher", category="sampah-menumpuk"))
    app.handle(c.AssignReport(rid, "dispatcher"))
    assert app.uow.reports.get(rid).opd == "DLHK"


def test_a_refused_command_writes_nothing(app: FakeApp) -> None:
    rid = submitted(app)
    before = (len(app.uow.reports.events(rid)), len(app.uow.outbox.sent), app.uow.commits)
    with pytest.raises(InvalidTransition):
        app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah"))
    with pytest.raises(NotFound):
        app.handle(c.ClassifyReport(rid, "dispatcher", category="tidak-ada"))
    assert app.uow.reports.get(rid).state is ReportState.SUBMITTED
    assert (len(app.uow.reports.events(rid)), len(app.uow.outbox.sent), app.uow.commits) == before


def test_an_officer_of_another_opd_cannot_answer(app: FakeApp) -> None:
    rid = assigned(app)
    with pytest.raises(GuardRejected):
        app.handle(c.RespondReport(rid, "dlhk.officer", response="Bukan urusan kami"))
    assert app.uow.reports.get(rid).state is ReportState.ASSIGNED


def test_answered_reports_close_themselves_after_the_quiet_period(app: FakeApp) -> None:
    rid = assigned(app)
    app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))
    app.clock.advance(app.policy.quiet_period - timedelta(minutes=1))
    assert app.handle(c.CloseQuietReports()) == 0
    app.clock.advance(timedelta(minutes=2))
    assert app.handle(c.CloseQuietReports()) == 1
    report = app.uow.reports.get(rid)
    assert (report.state, report.close_reason) == (ReportState.CLOSED, "quiet_period")


def test_a_person_classifying_teaches_the_tagger(app: FakeApp) -> None:
    rid = submitted(app)
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    assert [(row.report_id, row.category, row.actor) for row in app.uow.reports.labels] == [
        (rid, "jalan-rusak", "dispatcher")]


def test_a_rejection_needs_a_known_reason(app: FakeApp) -> None:
    rid = submitted(app)
    with pytest.raises(GuardRejected, match="a reject reason is required"):
        app.handle(c.RejectReport(rid, "dispatcher", kind="bosan"))
    app.handle(c.RejectReport(rid, "dispatcher", kind="spam", reason="iklan"))
    assert app.uow.reports.get(rid).state is ReportState.REJECTED
