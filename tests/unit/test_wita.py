"""The city's time in one place: typed times, payroll months and ranking weeks, all in WITA."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tanggap.wita import WITA, TimeInputError, month_bounds, parse_time, previous_month, week_starts


def test_a_typed_time_with_an_offset_is_read_as_written_and_comes_back_as_a_plain_datetime() -> None:
    moment = parse_time("2026-10-06T09:00+08:00", "--now", naive_is_wita=False)
    assert moment == datetime(2026, 10, 6, 1, 0, tzinfo=UTC)
    assert type(moment) is datetime


def test_a_form_time_without_a_zone_is_wita_and_a_command_line_one_is_refused_with_an_example() -> None:
    assert parse_time("2026-10-06T09:00", "effective_from", naive_is_wita=True) == datetime(
        2026, 10, 6, 9, 0, tzinfo=WITA)
    with pytest.raises(TimeInputError) as err:
        parse_time("2026-10-06T09:00", "--now", naive_is_wita=False)
    assert str(err.value) == "--now: '2026-10-06T09:00' needs a zone, e.g. 2026-10-06T09:00+08:00"


@pytest.mark.parametrize(("raw", "says"), [
    ("2026-10-06", "is a date without a time"),
    ("besok pagi", "is not a date and time like 2026-10-06T09:00+08:00"),
    ("2026-13-01T09:00", "is not a date and time"),
])
def test_what_cannot_be_read_is_named(raw: str, says: str) -> None:
    with pytest.raises(TimeInputError) as err:
        parse_time(raw, "effective_from", naive_is_wita=True)
    assert err.value.field == "effective_from" and says in err.value.message


def test_a_payroll_month_runs_from_wita_midnight_to_wita_midnight_across_the_year_end() -> None:
    assert month_bounds("2026-12") == (datetime(2026, 12, 1, tzinfo=WITA), datetime(2027, 1, 1, tzinfo=WITA))
    with pytest.raises(TimeInputError, match="is not a month like 2026-10"):
        month_bounds("2026-13")


def test_the_previous_month_is_counted_on_the_wita_calendar_not_utc() -> None:
    # 1 November 00:30 WITA is still 31 October in UTC: the month that just ended is October.
    assert previous_month(datetime(2026, 10, 31, 16, 30, tzinfo=UTC)) == "2026-10"
    assert previous_month(datetime(2026, 10, 31, 15, 30, tzinfo=UTC)) == "2026-09"


def test_ranking_weeks_start_on_monday_midnight_wita() -> None:
    sunday_night_utc = datetime(2026, 10, 11, 16, 30, tzinfo=UTC)  # Monday 12 October 00:30 WITA
    assert week_starts(sunday_night_utc, 2) == [datetime(2026, 10, 5, tzinfo=WITA), datetime(2026, 10, 12, tzinfo=WITA)]
