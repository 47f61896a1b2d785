"""Behaviour of the working-time calendar (sla/calendar.py)."""

from __future__ import annotations

import ast
import json
import pickle
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import (
    CalendarExhaustedError,
    CalendarSpecError,
    NaiveDatetimeError,
    NegativeDurationError,
    WorkingCalendar,
)

WITA = ZoneInfo("Asia/Makassar")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)

OFFICE_HOURS = {
    "mon": ["08:00-16:00"],
    "tue": ["08:00-16:00"],
    "wed": ["08:00-16:00"],
    "thu": ["08:00-16:00"],
    "fri": ["08:00-11:30", "13:00-16:30"],
}
OFFICE_SPEC: dict[str, Any] = {
    "timezone": "Asia/Makassar",
    "hours": OFFICE_HOURS,
    "holidays": {"country": "ID", "categories": ["public", "government"]},
    "extra_holidays": ["2026-12-31"],
    # 2026-05-15 is cuti bersama (Ascension joint holiday): a make-up day overrides it.
    "extra_working_days": {"2026-03-28": ["08:00-12:00"], "2026-05-15": ["09:00-12:00"]},
}
OFFICE = WorkingCalendar.from_spec(OFFICE_SPEC)
PUBLIC_ONLY = WorkingCalendar.from_spec({**OFFICE_SPEC, "holidays": {"country": "ID", "categories": ["public"]}})
ALWAYS = WorkingCalendar.from_spec({"timezone": "Asia/Makassar", "hours": "always"})
# Berlin office plus a Sunday 01:00-05:00 window that spans both 2026 DST changes.
BERLIN_OFFICE = WorkingCalendar.from_spec(
    {
        "timezone": "Europe/Berlin",
        "hours": {
            **{day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
            "sun": ["01:00-05:00"],
        },
    }
)
NEW_YORK_OFFICE = WorkingCalendar.from_spec(
    {
        "timezone": "America/New_York",
        "hours": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    }
)


def wita(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=WITA)


# --- add ----------------------------------------------------------------------

ADD_CASES = [
    ("ends exactly at closing", wita(2026, 1, 5, 8), 8 * H, wita(2026, 1, 5, 16)),
    ("last minute of the day", wita(2026, 1, 5, 15, 59), M, wita(2026, 1, 5, 16)),
    ("spills one minute past closing", wita(2026, 1, 5, 15, 59), 2 * M, wita(2026, 1, 6, 8, 1)),
    ("start at closing time", wita(2026, 1, 5, 16), M, wita(2026, 1, 6, 8, 1)),
    ("start at opening time", wita(2026, 1, 6, 8), M, wita(2026, 1, 6, 8, 1)),
    ("start before opening", wita(2026, 1, 6, 6), H, wita(2026, 1, 6, 9)),
    ("start at night", wita(2026, 1, 6, 23, 30), H, wita(2026, 1, 7, 9)),
    ("start on a saturday", wita(2026, 1, 10, 10), H, wita(2026, 1, 12, 9)),
    ("friday lunch is skipped", wita(2026, 1, 9, 11), H, wita(2026, 1, 9, 13, 30)),
    ("start during friday lunch", wita(2026, 1, 9, 12), 30 * M, wita(2026, 1, 9, 13, 30)),
    ("ends at the start of lunch", wita(2026, 1, 9, 11), 30 * M, wita(2026, 1, 9, 11, 30)),
    ("friday closes at 16:30", wita(2026, 1, 9, 16), H, wita(2026, 1, 12, 8, 30)),
    ("a full week", wita(2026, 1, 5, 8), 39 * H, wita(2026, 1, 9, 16, 30)),
    ("start on independence day", wita(2026, 8, 17, 9), H, wita(2026, 8, 18, 9)),
    ("cuti bersama and christmas are closed", wita(2026, 12, 23, 15), 2 * H, wita(2026, 12, 28, 9)),
    ("extra holiday and new year", wita(2026, 12, 30, 15), 2 * H, wita(2027, 1, 4, 9)),
    ("make-up saturday opens", wita(2026, 3, 27, 16), H, wita(2026, 3, 28, 8, 30)),
    ("make-up saturday closes at noon", wita(2026, 3, 28, 8), 4 * H, wita(2026, 3, 28, 12)),
    ("make-up day overrides cuti bersama", wita(2026, 5, 13, 15), 2 * H, wita(2026, 5, 15, 10)),
]


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [case[1:] for case in ADD_CASES],
    ids=[case[0] for case in ADD_CASES],
)
def test_add_finds_when_the_working_time_has_elapsed(start: datetime, duration: timedelta, expected: datetime) -> None:
    assert OFFICE.add(start, duration) == expected


def test_a_target_ending_at_closing_time_is_due_at_closing_time() -> None:
    due = OFFICE.add(wita(2026, 1, 5, 12), 4 * H)
    assert due == wita(2026, 1, 5, 16)
    assert not OFFICE.is_working(due)


def test_cuti_bersama_is_open_when_only_public_holidays_count() -> None:
    assert PUBLIC_ONLY.add(wita(2026, 12, 23, 15), 2 * H) == wita(2026, 12, 24, 9)


def test_adding_zero_returns_the_start_even_outside_working_hours() -> None:
    saturday_in_jakarta = datetime(2026, 1, 10, 9, tzinfo=ZoneInfo("Asia/Jakarta"))
    due = OFFICE.add(saturday_in_jakarta, timedelta(0))
    assert due == saturday_in_jakarta
    assert due.tzinfo == WITA


def test_adding_a_negative_duration_is_rejected() -> None:
    with pytest.raises(NegativeDurationError):
        OFFICE.add(wita(2026, 1, 5, 9), -M)


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 1, 9, 3, tzinfo=UTC),
        datetime(2026, 1, 9, 10, tzinfo=ZoneInfo("Asia/Jakarta")),
        datetime(2026, 1, 8, 22, tzinfo=timezone(timedelta(hours=-5))),
        pendulum.datetime(2026, 1, 9, 12, tz="Asia/Tokyo"),
        wita(2026, 1, 9, 11),
    ],
    ids=["utc", "jakarta", "fixed offset", "pendulum tokyo", "wita"],
)
def test_the_same_instant_in_any_zone_gives_the_same_due_time(start: datetime) -> None:
    due = OFFICE.add(start, H)
    assert due == wita(2026, 1, 9, 13, 30)
    assert type(due) is datetime
    assert due.tzinfo == WITA
    assert (due.hour, due.minute) == (13, 30)


# --- between ------------------------------------------------------------------

BETWEEN_CASES = [
    ("a full monday", wita(2026, 1, 5, 8), wita(2026, 1, 5, 16), 8 * H),
    ("a friday with lunch", wita(2026, 1, 9), wita(2026, 1, 10), 7 * H),
    ("a whole week", wita(2026, 1, 5), wita(2026, 1, 12), 39 * H),
    ("a weekend", wita(2026, 1, 10), wita(2026, 1, 12), timedelta(0)),
    ("inside lunch", wita(2026, 1, 9, 11, 45), wita(2026, 1, 9, 12, 45), timedelta(0)),
    ("the christmas week", wita(2026, 12, 21), wita(2026, 12, 28), 24 * H),
    ("across new year", wita(2026, 12, 30, 15), wita(2027, 1, 4, 9), 2 * H),
    ("backwards is negative", wita(2026, 1, 5, 16), wita(2026, 1, 5, 8), -8 * H),
    ("same instant", wita(2026, 1, 5, 9), wita(2026, 1, 5, 9), timedelta(0)),
]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [case[1:] for case in BETWEEN_CASES],
    ids=[case[0] for case in BETWEEN_CASES],
)
def test_between_counts_only_working_time(a: datetime, b: datetime, expected: timedelta) -> None:
    assert OFFICE.between(a, b) == expected


def test_between_accepts_mixed_zones() -> None:
    a = datetime(2026, 1, 5, 0, tzinfo=UTC)  # 08:00 WITA
    b = pendulum.datetime(2026, 1, 5, 17, tz="Asia/Jayapura")  # 16:00 WITA
    assert OFFICE.between(a, b) == 8 * H


# --- is_working ---------------------------------------------------------------

IS_WORKING_CASES = [
    ("opening minute", wita(2026, 1, 5, 8), True),
    ("just before opening", wita(2026, 1, 5, 7, 59, 59, 999999), False),
    ("just before closing", wita(2026, 1, 5, 15, 59, 59, 999999), True),
    ("closing minute", wita(2026, 1, 5, 16), False),
    ("friday lunch starts", wita(2026, 1, 9, 11, 30), False),
    ("friday lunch ends", wita(2026, 1, 9, 13), True),
    ("saturday", wita(2026, 1, 10, 10), False),
    ("independence day", wita(2026, 8, 17, 10), False),
    ("cuti bersama", wita(2026, 12, 24, 10), False),
    ("extra holiday", wita(2026, 12, 31, 10), False),
    ("make-up saturday", wita(2026, 3, 28, 9), True),
    ("make-up saturday after noon", wita(2026, 3, 28, 12), False),
]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [case[1:] for case in IS_WORKING_CASES],
    ids=[case[0] for case in IS_WORKING_CASES],
)
def test_is_working_uses_half_open_windows(moment: datetime, expected: bool) -> None:
    assert OFFICE.is_working(moment) is expected


def test_cuti_bersama_is_working_time_when_only_public_holidays_count() -> None:
    assert PUBLIC_ONLY.is_working(wita(2026, 12, 24, 10))


# --- 24/7 ---------------------------------------------------------------------


def test_a_24_7_calendar_counts_nights_weekends_and_holidays() -> None:
    assert ALWAYS.add(wita(2026, 1, 10, 23, 30), H) == wita(2026, 1, 11, 0, 30)
    assert ALWAYS.add(wita(2026, 8, 17, 9), 24 * H) == wita(2026, 8, 18, 9)
    assert ALWAYS.between(wita(2026, 12, 24), wita(2026, 12, 26)) == 48 * H
    assert ALWAYS.is_working(wita(2026, 12, 25, 3))


# --- DST ----------------------------------------------------------------------


def berlin(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BERLIN)


DST_CASES = [
    ("spring forward shortens the sunday window", berlin(2026, 3, 29), berlin(2026, 3, 29, 12), 3 * H),
    ("fall back lengthens the sunday window", berlin(2026, 10, 25), berlin(2026, 10, 25, 12), 5 * H),
    ("an ordinary sunday window", berlin(2026, 3, 22), berlin(2026, 3, 22, 12), 4 * H),
]


@pytest.mark.parametrize(("a", "b", "expected"), [case[1:] for case in DST_CASES], ids=[case[0] for case in DST_CASES])
def test_windows_spanning_a_dst_change_count_real_elapsed_time(a: datetime, b: datetime, expected: timedelta) -> None:
    assert BERLIN_OFFICE.between(a, b) == expected


def test_a_window_bound_inside_the_spring_forward_gap_is_when_the_clock_jumps() -> None:
    # 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 never shows.
    gap = WorkingCalendar.from_spec({"timezone": "Europe/Berlin", "hours": {"sun": ["01:00-02:30", "03:30-04:00"]}})
    jump = datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert gap.between(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 90 * M
    assert gap.add(berlin(2026, 3, 29), H) == jump
    assert gap.is_working(jump - US)
    assert not gap.is_working(jump + 15 * M)  # the wall clock reads 03:15


def test_a_window_entirely_inside_the_spring_forward_gap_is_empty() -> None:
    gap = WorkingCalendar.from_spec({"timezone": "Europe/Berlin", "hours": {"sun": ["02:10-02:50"]}})
    assert gap.between(berlin(2026, 3, 29), berlin(2026, 3, 30)) == timedelta(0)
    assert gap.between(berlin(2026, 3, 22), berlin(2026, 3, 23)) == 40 * M


def test_a_target_across_spring_forward_lands_on_summer_wall_time() -> None:
    # Friday 16:00-17:00 (1h), Sunday's short window (3h), Monday 09:00-10:00.
    due = BERLIN_OFFICE.add(berlin(2026, 3, 27, 16), 5 * H)
    assert due == berlin(2026, 3, 30, 10)
    assert due.utcoffset() == 2 * H


def test_a_target_inside_the_fall_back_window_counts_the_repeated_hour() -> None:
    due = BERLIN_OFFICE.add(berlin(2026, 10, 25, 1), 4 * H)
    assert due == datetime(2026, 10, 25, 3, tzinfo=UTC)
    assert (due.hour, due.utcoffset()) == (4, H)


def test_new_york_office_hours_follow_wall_clock_across_dst() -> None:
    friday = datetime(2026, 3, 6, 16, tzinfo=NEW_YORK)
    due = NEW_YORK_OFFICE.add(friday, 2 * H)
    assert due == datetime(2026, 3, 9, 14, tzinfo=UTC)  # 10:00 EDT
    assert NEW_YORK_OFFICE.between(friday, due) == 2 * H


# --- inputs -------------------------------------------------------------------

NAIVE = datetime(2026, 1, 5, 9)
AWARE = wita(2026, 1, 5, 9)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: OFFICE.add(NAIVE, H), "start"),
        (lambda: OFFICE.between(NAIVE, AWARE), "a"),
        (lambda: OFFICE.between(AWARE, NAIVE), "b"),
        (lambda: OFFICE.is_working(NAIVE), "moment"),
    ],
    ids=["add", "between a", "between b", "is_working"],
)
def test_naive_datetimes_are_rejected_naming_the_argument(call: Any, argument: str) -> None:
    with pytest.raises(NaiveDatetimeError, match="timezone-aware") as raised:
        call()
    assert raised.value.argument == argument
    assert isinstance(raised.value, ValueError)


# --- horizon ------------------------------------------------------------------


def make_up_days_only(*days: str) -> WorkingCalendar:
    return WorkingCalendar.from_spec(
        {
            "timezone": "Asia/Makassar",
            "hours": {},
            "extra_working_days": {day: ["08:00-12:00"] for day in days},
        }
    )


def test_a_calendar_with_only_make_up_days_is_due_on_them() -> None:
    calendar = make_up_days_only("2026-03-28", "2035-06-01")
    assert calendar.add(wita(2026, 3, 28, 7), 4 * H) == wita(2026, 3, 28, 12)
    assert calendar.add(wita(2026, 3, 28, 7), 5 * H) == wita(2035, 6, 1, 9)


@pytest.mark.parametrize(
    ("days", "start"),
    [
        (("2026-03-28",), wita(2026, 4, 1)),
        (("2040-01-01",), wita(2026, 1, 1)),
    ],
    ids=["all working days are past", "the next working day is beyond the horizon"],
)
def test_adding_past_the_last_working_time_raises_instead_of_looping(days: tuple[str, ...], start: datetime) -> None:
    with pytest.raises(CalendarExhaustedError) as raised:
        make_up_days_only(*days).add(start, H)
    assert raised.value.duration == H


# --- spec ---------------------------------------------------------------------


DROP = object()


def with_changes(**changes: Any) -> dict[str, Any]:
    spec = {**OFFICE_SPEC, **changes}
    return {key: value for key, value in spec.items() if value is not DROP}


ALWAYS_SPEC = {"timezone": "Asia/Makassar", "hours": "always"}
INVALID_SPECS = [
    ("missing timezone", with_changes(timezone=DROP), "timezone"),
    ("missing hours", with_changes(hours=DROP), "hours"),
    ("unknown field", with_changes(holiday=["2026-01-02"]), "holiday"),
    ("unknown timezone", with_changes(timezone="Asia/Atlantis"), "timezone"),
    ("timezone not a string", with_changes(timezone=8), "timezone"),
    ("unknown day name", with_changes(hours={"monday": ["08:00-16:00"]}), "hours.monday"),
    ("hours not a mapping", with_changes(hours="24/7"), "hours"),
    ("windows not a list", with_changes(hours={"mon": "08:00-16:00"}), "hours.mon"),
    ("time without leading zero", with_changes(hours={"mon": ["8:00-16:00"]}), "hours.mon"),
    ("minute out of range", with_changes(hours={"mon": ["08:60-16:00"]}), "hours.mon"),
    ("hour out of range", with_changes(hours={"mon": ["08:00-24:30"]}), "hours.mon"),
    ("end equals start", with_changes(hours={"mon": ["08:00-08:00"]}), "hours.mon"),
    ("end before start", with_changes(hours={"tue": ["16:00-08:00"]}), "hours.tue"),
    ("overlapping windows", with_changes(hours={"fri": ["08:00-12:00", "11:00-16:00"]}), "hours.fri"),
    ("no working time at all", with_changes(hours={}, extra_working_days={}), "hours"),
    ("all days closed", with_changes(hours={"mon": []}, extra_working_days={}), "hours"),
    ("unknown holiday country", with_changes(holidays={"country": "XX"}), "holidays.country"),
    ("missing holiday country", with_changes(holidays={"categories": ["public"]}), "holidays.country"),
    (
        "unknown holiday category",
        with_changes(holidays={"country": "ID", "categories": ["bank"]}),
        "holidays.categories",
    ),
    (
        "empty holiday categories",
        with_changes(holidays={"country": "ID", "categories": []}),
        "holidays.categories",
    ),
    ("unknown holidays field", with_changes(holidays={"country": "ID", "subdiv": "JK"}), "holidays.subdiv"),
    ("impossible extra holiday", with_changes(extra_holidays=["2026-02-30"]), "extra_holidays"),
    ("extra holiday day first", with_changes(extra_holidays=["31-12-2026"]), "extra_holidays"),
    ("extra holidays not a list", with_changes(extra_holidays="2026-12-31"), "extra_holidays"),
    (
        "bad make-up date",
        with_changes(extra_working_days={"2026-13-01": ["08:00-12:00"]}),
        "extra_working_days",
    ),
    (
        "bad make-up window",
        with_changes(extra_working_days={"2026-03-28": ["08:00-noon"]}),
        "extra_working_days.2026-03-28",
    ),
    (
        "make-up day without windows",
        with_changes(extra_working_days={"2026-03-28": []}),
        "extra_working_days.2026-03-28",
    ),
    (
        "make-up day that is also an extra holiday",
        with_changes(extra_holidays=["2026-03-28"]),
        "extra_working_days",
    ),
    ("24/7 with holidays", {**ALWAYS_SPEC, "holidays": {"country": "ID"}}, "holidays"),
    ("24/7 with extra holidays", {**ALWAYS_SPEC, "extra_holidays": ["2026-12-31"]}, "extra_holidays"),
]


@pytest.mark.parametrize(
    ("spec", "field"), [case[1:] for case in INVALID_SPECS], ids=[case[0] for case in INVALID_SPECS]
)
def test_an_invalid_spec_names_the_bad_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(CalendarSpecError) as raised:
        WorkingCalendar.from_spec(spec)
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")
    assert isinstance(raised.value, ValueError)
    assert str(pickle.loads(pickle.dumps(raised.value))) == str(raised.value)  # crosses processes


def test_the_spec_is_normalised_with_defaults() -> None:
    calendar = WorkingCalendar.from_spec(
        {
            "timezone": "Asia/Makassar",
            "hours": {"fri": ["13:00-16:30", "08:00-11:30"], "sat": [], "sun": ["00:00-24:00"]},
            "holidays": {"country": "ID"},
        }
    )
    assert calendar.spec == {
        "timezone": "Asia/Makassar",
        "hours": {"fri": ["08:00-11:30", "13:00-16:30"], "sun": ["00:00-24:00"]},
        "holidays": {"country": "ID", "categories": ["public"]},
        "extra_holidays": [],
        "extra_working_days": {},
    }


def test_a_24_7_spec_is_normalised_without_closures() -> None:
    assert ALWAYS.spec == {**ALWAYS_SPEC, "holidays": None, "extra_holidays": [], "extra_working_days": {}}


@pytest.mark.parametrize(
    "calendar", [OFFICE, PUBLIC_ONLY, ALWAYS, BERLIN_OFFICE], ids=["office", "public", "24/7", "berlin"]
)
def test_the_spec_survives_json_and_rebuilds_the_same_calendar(calendar: WorkingCalendar) -> None:
    snapshot = json.loads(json.dumps(calendar.spec))
    rebuilt = WorkingCalendar.from_spec(snapshot)
    assert rebuilt.spec == calendar.spec
    start = wita(2026, 12, 23, 15)
    assert rebuilt.add(start, 30 * H) == calendar.add(start, 30 * H)


def test_changing_the_returned_spec_does_not_change_the_calendar() -> None:
    OFFICE.spec["hours"]["sat"] = ["08:00-12:00"]
    assert "sat" not in OFFICE.spec["hours"]


def test_the_calendar_module_imports_only_the_standard_library_pendulum_and_holidays() -> None:
    source = Path(sys.modules[WorkingCalendar.__module__].__file__ or "").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) <= {"pendulum", "holidays"}


# --- properties ---------------------------------------------------------------

ZONES = st.sampled_from([UTC, WITA, ZoneInfo("Asia/Jakarta"), BERLIN, timezone(timedelta(hours=-5))])
STARTS = st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=ZONES)
WORK = st.integers(0, 500 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us))
DST_STARTS = st.one_of(
    st.datetimes(datetime(2026, 3, 20), datetime(2026, 4, 5), timezones=ZONES),
    st.datetimes(datetime(2026, 10, 18), datetime(2026, 11, 2), timezones=ZONES),
)
# Sunday windows bounded inside Berlin's spring-forward gap and fall-back repeat.
BERLIN_ODD_HOURS = WorkingCalendar.from_spec(
    {"timezone": "Europe/Berlin", "hours": {"sun": ["01:00-02:30", "02:45-03:00", "03:00-04:00"]}}
)
CALENDARS = st.sampled_from([OFFICE, PUBLIC_ONLY, BERLIN_OFFICE, BERLIN_ODD_HOURS, NEW_YORK_OFFICE, ALWAYS])
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(calendar=CALENDARS, start=st.one_of(STARTS, DST_STARTS), work=WORK)
def test_between_undoes_add_even_from_outside_working_hours(
    calendar: WorkingCalendar, start: datetime, work: timedelta
) -> None:
    assert calendar.between(start, calendar.add(start, work)) == work


@FAST
@given(calendar=CALENDARS, start=st.one_of(STARTS, DST_STARTS), days=st.integers(1, 40))
def test_a_working_day_deadline_comes_with_the_working_time_until_it(
    calendar: WorkingCalendar, start: datetime, days: int
) -> None:
    due, work = calendar.working_days_deadline(start, days)
    assert due == calendar.add_working_days(start, days)
    assert work == calendar.between(start, due)


@FAST
@given(calendar=CALENDARS, start=st.one_of(STARTS, DST_STARTS), work=WORK.filter(bool))
def test_a_due_time_lies_in_working_time_or_at_a_closing_time(
    calendar: WorkingCalendar, start: datetime, work: timedelta
) -> None:
    # Instants are compared in UTC: within one zone Python compares wall times, and a start in a
    # spring-forward gap (fold=1) has a later wall time than the instant just after it.
    due = calendar.add(start, work).astimezone(UTC)
    assert due > start.astimezone(UTC)
    assert calendar.is_working(due) or calendar.is_working(due - US)


@FAST
@given(calendar=CALENDARS, a=STARTS, b=STARTS, c=STARTS)
def test_between_is_antisymmetric_and_additive(
    calendar: WorkingCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    assert calendar.between(a, b) == -calendar.between(b, a)
    assert calendar.between(a, b) + calendar.between(b, c) == calendar.between(a, c)


@FAST
@given(start=STARTS, work=WORK)
def test_a_24_7_calendar_adds_plain_elapsed_time(start: datetime, work: timedelta) -> None:
    # Aware `+` adds wall-clock time, so add in UTC to get elapsed time.
    assert ALWAYS.add(start, work) == start.astimezone(UTC) + work
