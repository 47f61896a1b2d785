"""The replay's calendars as they stood: each spec a calendar had, rebuilt from today's spec and its
edits in the configuration trail, and the one in force at a given instant. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sla.calendar import WorkingCalendar
from sla.reactions import Ticket
from sla.replay import BEFORE_THE_TRAIL, CalendarHistory, HistoryEvent, SpecEdit, past_specs, replay
from sla.rules import Metric, SlaRule, Target, TargetUnit

WEEKDAYS = {day: ["08:00-16:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
SHORT_FRIDAY = {**WEEKDAYS, "fri": ["08:00-11:30"]}
SAVED = datetime(2026, 9, 1, tzinfo=UTC)
HOLIDAY_ADDED = datetime(2026, 10, 6, 2, tzinfo=UTC)  # Tuesday 10:00 WITA
FRIDAY_SHORTENED = datetime(2026, 10, 20, 1, tzinfo=UTC)
ORIGINAL = {"timezone": "Asia/Makassar", "hours": WEEKDAYS, "extra_holidays": []}
WITH_HOLIDAY = {**ORIGINAL, "extra_holidays": ["2026-10-07"]}
TODAY = {**WITH_HOLIDAY, "hours": SHORT_FRIDAY}


def created(at: datetime, spec: dict[str, Any]) -> list[SpecEdit]:
    return [SpecEdit(at, field, None) for field in spec]


TRAIL = [
    *created(SAVED, ORIGINAL),
    SpecEdit(HOLIDAY_ADDED, "extra_holidays", []),
    SpecEdit(FRIDAY_SHORTENED, "hours", WEEKDAYS),
]


def test_each_past_spec_is_todays_with_the_later_edits_undone() -> None:
    assert past_specs(TODAY, TRAIL) == [
        (SAVED, ORIGINAL), (HOLIDAY_ADDED, WITH_HOLIDAY), (FRIDAY_SHORTENED, TODAY)]


def test_a_calendar_saved_before_the_trail_began_keeps_its_first_spec_before_its_first_edit() -> None:
    edits = [SpecEdit(HOLIDAY_ADDED, "extra_holidays", [])]
    assert past_specs(WITH_HOLIDAY, edits) == [(BEFORE_THE_TRAIL, ORIGINAL), (HOLIDAY_ADDED, WITH_HOLIDAY)]
    assert past_specs(ORIGINAL, []) == [(BEFORE_THE_TRAIL, ORIGINAL)]


def test_fields_changed_at_one_instant_are_one_edit_and_a_field_changed_twice_gets_its_oldest_value_back() -> None:
    edits = [*created(SAVED, ORIGINAL),
             SpecEdit(HOLIDAY_ADDED, "extra_holidays", []),
             SpecEdit(HOLIDAY_ADDED, "extra_holidays", ["2026-10-07"]),
             SpecEdit(HOLIDAY_ADDED, "hours", WEEKDAYS)]
    today = {**ORIGINAL, "extra_holidays": ["2026-10-08"], "hours": SHORT_FRIDAY}
    assert past_specs(today, edits) == [(SAVED, ORIGINAL), (HOLIDAY_ADDED, today)]


def test_a_field_the_calendar_did_not_have_is_left_out_rather_than_set_to_null() -> None:
    with_holidays = {**ORIGINAL, "holidays": {"country": "ID", "categories": ["public"]}}
    edits = [*created(SAVED, {**ORIGINAL, "holidays": None}), SpecEdit(HOLIDAY_ADDED, "holidays", None)]
    assert past_specs(with_holidays, edits) == [(SAVED, ORIGINAL), (HOLIDAY_ADDED, with_holidays)]


HISTORY = CalendarHistory(
    (SAVED, HOLIDAY_ADDED, FRIDAY_SHORTENED),
    tuple(WorkingCalendar.from_spec(spec) for spec in (ORIGINAL, WITH_HOLIDAY, TODAY)),
)


@pytest.mark.parametrize(
    ("moment", "in_force"),
    [
        (SAVED - timedelta(days=30), 0),  # history dated before the calendar was saved ran on its first spec
        (SAVED, 0),
        (HOLIDAY_ADDED - timedelta(microseconds=1), 0),
        (HOLIDAY_ADDED, 1),  # an edit counts from its own instant
        (FRIDAY_SHORTENED - timedelta(microseconds=1), 1),
        (FRIDAY_SHORTENED, 2),
        (FRIDAY_SHORTENED + timedelta(days=400), 2),
    ],
)
def test_the_calendar_in_force_is_the_last_one_saved_by_then(moment: datetime, in_force: int) -> None:
    assert HISTORY.at(moment) is HISTORY.calendars[in_force]


def _assigned_at(report_id: int, at: datetime) -> list[HistoryEvent]:
    ticket = Ticket(report_id, "PUPR", "pupr.officer", "jalan-rusak", "normal", None)
    return [HistoryEvent("ReportAssigned", at, ticket)]


def test_a_replayed_clock_keeps_the_calendar_in_force_when_it_started() -> None:
    """8 working hours from Tuesday 09:00 WITA are due Wednesday 09:00; from 10:00, once Wednesday
    is a holiday, Thursday 10:00. Nobody answers: both breach, each at its own deadline."""
    rule = SlaRule(1, 1, Metric.RESPONSE, Target(8, TargetUnit.WORKING_HOURS), "kantor", SAVED)
    before, after = HOLIDAY_ADDED - timedelta(hours=1), HOLIDAY_ADDED
    result = replay([_assigned_at(1, before), _assigned_at(2, after)], [rule], {"kantor": HISTORY}, {},
                    horizon=datetime(2026, 10, 16, tzinfo=UTC))
    assert {b.report_id: b.due_at for b in result.breaches} == {
        1: datetime(2026, 10, 7, 1, tzinfo=UTC), 2: datetime(2026, 10, 8, 2, tzinfo=UTC)}
