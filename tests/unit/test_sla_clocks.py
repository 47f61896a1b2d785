"""Working time a clock has used, at the exact boundary minutes: running, paused, stopped, stopped
after pauses, and stopped late. Pure: real calendars, no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import WorkingCalendar
from sla.clocks import (
    BREACH,
    Outcome,
    SlaClock,
    calendar_late,
    clock_is_late,
    due_alerts,
    pause,
    resume,
    start_clock,
    stop,
    work_used,
)
from sla.rules import Metric, SlaRule, Target, TargetUnit

WITA = ZoneInfo("Asia/Makassar")
OFFICE = {
    "timezone": "Asia/Makassar",
    "hours": {"mon": ["08:00-16:00"], "tue": ["08:00-16:00"], "wed": ["08:00-16:00"], "thu": ["08:00-16:00"],
              "fri": ["08:00-11:30", "13:00-16:30"]},
}
CALENDAR = WorkingCalendar.from_spec(OFFICE)
HOUR = timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in October 2026, WITA: the 5th is a Monday, the 9th a Friday, the 10th a Saturday."""
    return datetime(2026, 10, day, hour, minute, tzinfo=WITA)


def clock(started: datetime, hours: float = 4) -> SlaClock:
    rule = SlaRule(1, 1, Metric.RESPONSE, Target(hours, TargetUnit.WORKING_HOURS), "kantor", at(1, 0))
    return start_clock(rule, CALENDAR, 7, "PUPR", "pupr.officer", started)


def test_a_running_clock_counts_working_time_up_to_now_and_not_the_lunch_break() -> None:
    k = clock(at(9, 10))  # Friday 10:00
    assert work_used(k, CALENDAR, at(9, 10)) == timedelta(0)
    assert work_used(k, CALENDAR, at(9, 11, 30)) == 1.5 * HOUR
    assert work_used(k, CALENDAR, at(9, 13)) == 1.5 * HOUR  # the lunch break is not working time
    assert work_used(k, CALENDAR, at(9, 13, 1)) == 1.5 * HOUR + timedelta(minutes=1)


def test_a_paused_clock_keeps_what_it_used_before_the_pause_and_counts_no_further() -> None:
    k = clock(at(5, 9))  # Monday 09:00
    pause(k, CALENDAR, at(5, 10, 30), "request_info")
    assert work_used(k, CALENDAR, at(5, 10, 30)) == 1.5 * HOUR
    assert work_used(k, CALENDAR, at(6, 15)) == 1.5 * HOUR


def test_a_clock_stopped_while_running_keeps_its_whole_working_time() -> None:
    k = clock(at(5, 9))
    stop(k, CALENDAR, at(5, 12), Outcome.FULFILLED)
    assert work_used(k, CALENDAR, at(5, 12)) == 3 * HOUR
    assert work_used(k, CALENDAR, at(8, 12)) == 3 * HOUR  # read days later: still three hours
    assert (k.late, k.overdue) == (False, timedelta(0))


def test_a_clock_stopped_after_pauses_adds_every_running_period_and_no_paused_one() -> None:
    k = clock(at(5, 9), hours=8)
    pause(k, CALENDAR, at(5, 10), "request_info")  # 1 h
    resume(k, CALENDAR, at(5, 14))
    pause(k, CALENDAR, at(5, 15), "request_info")  # 1 h
    resume(k, CALENDAR, at(6, 9))
    stop(k, CALENDAR, at(6, 11, 30), Outcome.FULFILLED)  # 2.5 h
    assert work_used(k, CALENDAR, at(7, 9)) == 4.5 * HOUR
    assert k.paused_total == 4 * HOUR + timedelta(hours=18)


def test_a_clock_stopped_while_paused_keeps_what_it_used_before_the_pause() -> None:
    k = clock(at(5, 9))
    pause(k, CALENDAR, at(5, 11), "request_info")
    stop(k, CALENDAR, at(6, 10), Outcome.TRANSFERRED)
    assert work_used(k, CALENDAR, at(6, 10)) == 2 * HOUR


@pytest.mark.parametrize(("answered", "overdue"), [
    (at(5, 13), timedelta(0)),                    # exactly at the deadline: on time
    (at(5, 13, 1), timedelta(minutes=1)),         # one minute late
    (at(6, 9), 4 * HOUR),                         # next morning: 3 h that day, 1 h the next
])
def test_a_late_clock_used_its_target_plus_the_overdue_working_time(answered: datetime, overdue: timedelta) -> None:
    k = clock(at(5, 9))  # due Monday 13:00
    stop(k, CALENDAR, answered, Outcome.FULFILLED)
    assert k.overdue == overdue
    assert work_used(k, CALENDAR, answered) == k.target + k.overdue
    assert k.late is (overdue > timedelta(0))


def test_an_answer_on_saturday_to_a_friday_deadline_is_late_although_no_working_time_passed() -> None:
    k = clock(at(9, 13), hours=3.5)  # Friday 13:00: due at Friday's closing time
    assert k.due_at == at(9, 16, 30)
    stop(k, CALENDAR, at(10, 9, 15), Outcome.FULFILLED)  # Saturday morning
    assert (k.late, k.overdue) == (True, timedelta(0))
    assert work_used(k, CALENDAR, at(10, 9, 15)) == k.target == 3.5 * HOUR
    assert calendar_late(k, at(12, 8)) == timedelta(hours=16, minutes=45)


def test_a_pause_after_the_deadline_is_not_counted_as_overdue() -> None:
    k = clock(at(5, 9))  # due Monday 13:00
    pause(k, CALENDAR, at(5, 14), "request_info")  # 1 h late, then waiting for the citizen
    resume(k, CALENDAR, at(6, 14))
    stop(k, CALENDAR, at(6, 15), Outcome.FULFILLED)
    assert k.overdue == 2 * HOUR
    assert work_used(k, CALENDAR, at(6, 15)) == k.target + k.overdue


def test_calendar_lateness_of_a_running_clock_grows_with_now_and_is_zero_before_the_deadline() -> None:
    k = clock(at(5, 9))
    assert calendar_late(k, at(5, 12)) == timedelta(0)
    assert calendar_late(k, at(5, 20)) == 7 * HOUR


# --- the deadline's exact instant: one rule for the ledger, the sweep and the screens ----------

TICK = timedelta(microseconds=1)


def test_an_answer_at_the_deadline_instant_is_on_time_and_one_microsecond_later_is_late() -> None:
    on_time, late = clock(at(5, 9)), clock(at(5, 9))
    due = on_time.due_at
    assert due == at(5, 13)
    assert stop(on_time, CALENDAR, due, Outcome.FULFILLED) == []
    assert (on_time.late, clock_is_late(on_time, due + HOUR)) == (False, False)
    assert [a.kind for a in stop(late, CALENDAR, due + TICK, Outcome.FULFILLED)] == [BREACH]
    assert late.late and clock_is_late(late, due + TICK)


def test_a_running_clock_turns_late_and_its_breach_falls_due_only_after_the_deadline_instant() -> None:
    k = clock(at(5, 9))
    due = k.due_at
    assert not clock_is_late(k, due)
    assert BREACH not in [a.kind for a in due_alerts(k, due)]
    assert clock_is_late(k, due + TICK)
    assert BREACH in [a.kind for a in due_alerts(k, due + TICK)]
