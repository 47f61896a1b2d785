"""The SLA handlers on fake repositories: clocks follow the lifecycle, the sweep warns and records
breaches, the deadline minute itself is on time, and rules and waivers are checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from states.errors import InvalidInput, NotFound, PermissionDenied
from tanggap import commands as c
from tests.fakes import FakeApp
from tests.handlers.conftest import assigned


def _response_clock(app: FakeApp, rid: int):  # type: ignore[no-untyped-def]
    return next(k for k in app.uow.sla.clocks_of(rid) if k.metric.value == "response")


def test_assigning_starts_the_response_clock_on_the_rule_in_force(app: FakeApp) -> None:
    rid = assigned(app)
    clock = _response_clock(app, rid)
    assert (clock.opd, clock.rule_id, clock.target) == ("PUPR", 1, timedelta(hours=4))
    assert app.uow.reports.deadlines[rid] == app.clock.now() + timedelta(hours=4)


def test_the_sweep_warns_then_records_one_breach_on_the_holder(app: FakeApp) -> None:
    rid = assigned(app)
    app.clock.advance(timedelta(hours=3, minutes=30))
    warned = app.handle(c.SweepSla())
    assert (warned.warnings, warned.breaches) == (2, 0)
    app.clock.advance(timedelta(hours=1))
    late = app.handle(c.SweepSla())
    assert late.breaches == 1
    assert app.handle(c.SweepSla()).breaches == 0  # recorded once
    [breach] = app.uow.sla.breaches.values()
    assert (breach.report_id, breach.officer, breach.metric) == (rid, "pupr.officer", "response")


def test_an_answer_at_the_deadline_minute_is_on_time_and_a_minute_later_is_late(app: FakeApp) -> None:
    on_time, late = assigned(app), assigned(app)
    app.clock.advance(timedelta(hours=4))
    app.handle(c.RespondReport(on_time, "pupr.officer", response="Tepat waktu"))
    app.clock.advance(timedelta(minutes=1))
    app.handle(c.RespondReport(late, "pupr.officer", response="Terlambat semenit"))
    app.handle(c.SweepSla())
    assert [b.report_id for b in app.uow.sla.breaches.values()] == [late]
    assert _response_clock(app, on_time).overdue == timedelta(0)
    assert _response_clock(app, late).overdue == timedelta(minutes=1)


def test_a_new_rule_version_applies_to_clocks_started_after_it(app: FakeApp) -> None:
    app.handle(c.DefineRule("supervisor", "response", 8, "working_hours", "24-7", rule_id=1,
                            effective_from=app.clock.now()))
    app.clock.advance(timedelta(minutes=1))
    clock = _response_clock(app, assigned(app))
    assert (clock.rule_version, clock.target) == (2, timedelta(hours=8))


def test_a_rule_on_an_unknown_calendar_or_by_an_officer_is_refused(app: FakeApp) -> None:
    with pytest.raises(NotFound):
        app.handle(c.DefineRule("supervisor", "response", 4, "working_hours", "jam-bulan"))
    with pytest.raises(PermissionDenied):
        app.handle(c.DefineRule("pupr.officer", "response", 40, "working_hours", "24-7"))
    assert len(app.uow.sla.rule_rows) == 1


def test_a_calendar_with_a_bad_day_is_refused_naming_the_field(app: FakeApp) -> None:
    with pytest.raises(InvalidInput) as err:
        app.handle(c.DefineCalendar("rusak", {"timezone": "Asia/Makassar", "hours": {"senin": ["08:00-16:00"]}},
                                    "supervisor"))
    assert err.value.field.startswith("calendar.")
    assert app.uow.sla.calendar_row("rusak") is None


def test_a_supervisor_waives_a_breach_once_and_an_officer_cannot(app: FakeApp) -> None:
    assigned(app)
    app.clock.advance(timedelta(hours=5))
    app.handle(c.SweepSla())
    [breach_id] = app.uow.sla.breaches
    with pytest.raises(PermissionDenied):
        app.handle(c.WaiveBreach(breach_id, "pupr.officer", "saya sibuk"))
    with pytest.raises(InvalidInput):
        app.handle(c.WaiveBreach(breach_id, "supervisor", "  "))
    app.handle(c.WaiveBreach(breach_id, "supervisor", "Banjir menutup akses jalan"))
    with pytest.raises(InvalidInput, match="already waived"):
        app.handle(c.WaiveBreach(breach_id, "supervisor", "lagi"))
    assert app.uow.sla.is_waived(breach_id)
