"""The configuration audit trail: routing and calendar changes record who changed which field,
when, and from what to what, in the same transaction; refusals and no-op saves record nothing.

The PostgreSQL tier shares its categories and calendars between tests, so each test reads the
values it starts from and compares only the rows it added."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from states.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.config_audit import ConfigSubject, history
from tanggap.db import CalendarRow, CategoryRow, ConfigChangeRow
from tanggap.reader import plain
from tanggap.staff.handlers import SetRouting
from tanggap.staff.queries.calendars import Calendar
from tests.conftest import T0

CATEGORY = "sampah-menumpuk"
Change = tuple[str, str, str, str, Any, Any, str | None]


def _last_id(app: Tanggap) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.max(ConfigChangeRow.id))) or 0)


def _added_since(app: Tanggap, last_id: int) -> list[Change]:
    with app.reader() as s:
        rows = list(s.scalars(select(ConfigChangeRow).where(ConfigChangeRow.id > last_id).order_by(ConfigChangeRow.id)))
        assert {r.at for r in rows} <= {T0}
        return [(r.actor, r.subject_kind, r.subject_key, r.field, r.old_value, r.new_value, r.note) for r in rows]


def _routing(app: Tanggap, code: str = CATEGORY) -> tuple[str, float]:
    with app.uow() as uow:
        row = uow.session.scalar(select(CategoryRow).where(CategoryRow.code == code))
        assert row is not None
        return row.opd_code, row.duplicate_radius_m


@pytest.fixture
def routing(app: Tanggap) -> Iterator[tuple[str, float]]:
    """The category's routing as the test finds it, put back afterwards."""
    before = _routing(app)
    yield before
    app.handle(SetRouting("admin", CATEGORY, before[0], before[1]))


def test_a_routing_change_records_each_changed_field_with_its_old_and_new_value_and_actor(
    app: Tanggap, routing: tuple[str, float]
) -> None:
    opd, radius = routing
    new_opd, new_radius = ("BPBD" if opd != "BPBD" else "PUPR"), radius + 25
    last = _last_id(app)
    changed = app.handle(SetRouting("supervisor", CATEGORY, new_opd, new_radius, note="  banjir musiman  "))
    assert changed == ["duplicate_radius_m", "opd"]
    assert _added_since(app, last) == [
        ("supervisor", "category", CATEGORY, "duplicate_radius_m", radius, new_radius, "banjir musiman"),
        ("supervisor", "category", CATEGORY, "opd", opd, new_opd, "banjir musiman"),
    ]
    assert _routing(app) == (new_opd, new_radius)


def test_only_the_fields_that_changed_are_recorded(app: Tanggap, routing: tuple[str, float]) -> None:
    opd, radius = routing
    last = _last_id(app)
    app.handle(SetRouting("supervisor", CATEGORY, opd, radius + 10))
    app.handle(SetRouting("supervisor", CATEGORY, opd))  # no radius given: the radius stays
    assert _added_since(app, last) == [
        ("supervisor", "category", CATEGORY, "duplicate_radius_m", radius, radius + 10, None),
    ]


def test_saving_the_routing_unchanged_records_nothing(app: Tanggap, routing: tuple[str, float]) -> None:
    opd, radius = routing
    last = _last_id(app)
    assert app.handle(SetRouting("supervisor", CATEGORY, opd, radius)) == []
    assert _added_since(app, last) == []


REFUSED_ROUTING = [
    pytest.param(SetRouting("pupr.head", CATEGORY, "PUPR", 80.0), PermissionDenied, id="an OPD head"),
    pytest.param(SetRouting("hr", CATEGORY, "PUPR"), PermissionDenied, id="HR"),
    pytest.param(SetRouting("dispatcher", CATEGORY, "PUPR"), PermissionDenied, id="a dispatcher"),
    pytest.param(SetRouting("supervisor", CATEGORY, "PUPR", 4.9), InvalidInput, id="a radius too small"),
    pytest.param(SetRouting("supervisor", CATEGORY, "PUPR", math.nan), InvalidInput, id="no number"),
    pytest.param(SetRouting("supervisor", CATEGORY, "NOPE", 80.0), NotFound, id="an unknown OPD"),
    pytest.param(SetRouting("supervisor", "nope", "PUPR"), NotFound, id="an unknown category"),
]


@pytest.mark.parametrize(("cmd", "error"), REFUSED_ROUTING)
def test_a_refused_routing_change_records_nothing_and_changes_nothing(
    app: Tanggap, routing: tuple[str, float], cmd: SetRouting, error: type[DomainError]
) -> None:
    last = _last_id(app)
    with pytest.raises(error):
        app.handle(cmd)
    assert _added_since(app, last) == []
    assert _routing(app) == routing


def test_a_refused_routing_change_in_a_batch_leaves_no_trace_beside_an_accepted_one(
    app: Tanggap, routing: tuple[str, float]
) -> None:
    opd, radius = routing
    last = _last_id(app)
    outcomes = app.handle_batch([
        SetRouting("supervisor", CATEGORY, "NOPE", radius + 40),  # the radius is valid, the OPD is not
        SetRouting("supervisor", CATEGORY, opd),
    ])
    assert isinstance(outcomes[0], NotFound) and outcomes[1] == []
    assert _added_since(app, last) == []
    assert _routing(app) == routing


# --- working calendars -----------------------------------------------------------------------


def _calendar(app: Tanggap, name: str) -> Calendar:
    with app.reader() as s:
        row = s.scalar(select(CalendarRow).where(CalendarRow.name == name))
        assert row is not None
        return plain(Calendar, row)


def test_a_new_calendar_records_each_field_it_sets_with_no_old_value(app: Tanggap) -> None:
    last = _last_id(app)
    spec = {"timezone": "Asia/Makassar", "hours": {"mon": ["08:00-12:00"]}, "extra_holidays": ["2026-12-24"]}
    app.handle(c.DefineCalendar("posko-banjir", spec, "supervisor"))
    assert _added_since(app, last) == [
        ("supervisor", "calendar", "posko-banjir", "extra_holidays", None, ["2026-12-24"], None),
        ("supervisor", "calendar", "posko-banjir", "extra_working_days", None, {}, None),
        ("supervisor", "calendar", "posko-banjir", "hours", None, {"mon": ["08:00-12:00"]}, None),
        ("supervisor", "calendar", "posko-banjir", "timezone", None, "Asia/Makassar", None),
    ]


def test_a_calendar_edit_records_only_the_changed_field_with_its_old_and_new_value(app: Tanggap) -> None:
    before = _calendar(app, "kantor").spec
    extra = set(before["extra_holidays"]) ^ {"2031-01-02"}
    last = _last_id(app)
    assert app.handle(c.DefineCalendar("kantor", before | {"extra_holidays": sorted(extra)}, "admin")) == [
        "extra_holidays"
    ]
    after = _calendar(app, "kantor")
    assert _added_since(app, last) == [
        ("admin", "calendar", "kantor", "extra_holidays", before["extra_holidays"], after.spec["extra_holidays"], None),
    ]
    assert (after.updated_by, after.updated_at) == ("admin", T0)
    app.handle(c.DefineCalendar("kantor", before, "supervisor"))  # put back for the shared PostgreSQL tier


def test_saving_a_calendar_unchanged_records_nothing_and_keeps_who_changed_it_last(app: Tanggap) -> None:
    before = _calendar(app, "24-7")
    last = _last_id(app)
    assert app.handle(c.DefineCalendar("24-7", before.spec, "admin")) == []
    assert _added_since(app, last) == []
    after = _calendar(app, "24-7")
    assert (after.updated_by, after.updated_at) == (before.updated_by, before.updated_at)


REFUSED_CALENDARS = [
    pytest.param(c.DefineCalendar("kantor", {"hours": {"mon": ["08:00-12:00"]}}, "pupr.head"), PermissionDenied,
                 id="an OPD head"),
    pytest.param(c.DefineCalendar("kantor", {"hours": {"mon": ["08:00-12:00"]}}, "hr"), PermissionDenied, id="HR"),
    pytest.param(c.DefineCalendar("kantor", {"hours": {"mon": ["16:00-08:00"]}}, "supervisor"), InvalidInput,
                 id="a window that ends before it starts"),
    pytest.param(c.DefineCalendar("kantor", {"timezone": "Mars/Olympus", "hours": "always"}, "supervisor"),
                 InvalidInput, id="an unknown zone"),
]


@pytest.mark.parametrize(("cmd", "error"), REFUSED_CALENDARS)
def test_a_refused_calendar_change_records_nothing_and_changes_nothing(
    app: Tanggap, cmd: c.DefineCalendar, error: type[DomainError]
) -> None:
    before = _calendar(app, "kantor").spec
    last = _last_id(app)
    with pytest.raises(error):
        app.handle(cmd)
    assert _added_since(app, last) == []
    assert _calendar(app, "kantor").spec == before


def test_the_history_reads_one_kind_and_one_key_oldest_first(app: Tanggap, routing: tuple[str, float]) -> None:
    opd, radius = routing
    app.handle(SetRouting("supervisor", CATEGORY, opd, radius + 1))
    app.handle(SetRouting("admin", CATEGORY, opd, radius + 2))
    rows = history(app.reader(), ConfigSubject.CATEGORY, CATEGORY)
    assert {(r.subject_kind, r.subject_key) for r in rows} == {("category", CATEGORY)}
    assert [(r.actor, r.new_value) for r in rows][-2:] == [("supervisor", radius + 1), ("admin", radius + 2)]
    calendars = history(app.reader(), ConfigSubject.CALENDAR)
    assert {r.subject_kind for r in calendars} == {"calendar"}
    assert {"kantor", "24-7"} <= {r.subject_key for r in calendars}  # the reference data's own definitions


@pytest.mark.parametrize("statement", [
    "UPDATE config_changes SET actor = 'someone-else'",
    "DELETE FROM config_changes",
])
def test_the_database_itself_refuses_to_rewrite_or_erase_the_trail(app: Tanggap, statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with app.uow() as uow:
        before = [(r.id, r.actor) for r in uow.session.scalars(select(ConfigChangeRow).order_by(ConfigChangeRow.id))]
    assert before, "the reference calendars were recorded"
    with pytest.raises(DBAPIError, match="append-only"), app.engine.begin() as conn:
        conn.execute(text(statement))
    with app.uow() as uow:
        after = [(r.id, r.actor) for r in uow.session.scalars(select(ConfigChangeRow).order_by(ConfigChangeRow.id))]
    assert after == before
