"""Bench: WorkingCalendar.add against businesstimedelta on the same calendar.

Run from the repo root: `.venv/bin/python bench/calendar.py` (needs the dev
dependency `businesstimedelta`). Both libraries compute start + N working hours
for the same seeded starts; results must be identical, then per-call times and
the speed-up are printed.
"""

import os
import sys

# This script is named calendar.py: take its folder off sys.path so that
# `import calendar` (stdlib, used by dependencies) does not import this file.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import random  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402
from datetime import time as clock  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import holidays  # noqa: E402
import pytz  # noqa: E402
from businesstimedelta import BusinessTimeDelta, HolidayRule, Rules, WorkDayRule  # noqa: E402

from sla.calendar import DAY_NAMES, WorkingCalendar  # noqa: E402

# The example office calendar, less `extra_working_days`: businesstimedelta
# cannot express a one-off make-up day (its WorkDayRule repeats weekly).
SPEC: dict[str, Any] = {
    "timezone": "Asia/Makassar",
    "hours": {
        "mon": ["08:00-16:00"],
        "tue": ["08:00-16:00"],
        "wed": ["08:00-16:00"],
        "thu": ["08:00-16:00"],
        "fri": ["08:00-11:30", "13:00-16:30"],
    },
    "holidays": {"country": "ID", "categories": ["public", "government"]},
    "extra_holidays": ["2026-12-31"],
}
TARGET_HOURS = (8, 40, 200)
RANDOM_STARTS = 300
SEED = 20260101
# Starts fall in 2026; targets reach into 2027. businesstimedelta needs a
# holiday within 5 years after any date it looks at, so cover several years.
HOLIDAY_YEARS = range(2025, 2032)


def holiday_dates(spec: dict[str, Any]) -> set[date]:
    source = spec["holidays"]
    found = holidays.country_holidays(source["country"], years=HOLIDAY_YEARS, categories=tuple(source["categories"]))
    return set(found) | {date.fromisoformat(day) for day in spec["extra_holidays"]}


def businesstimedelta_rules(spec: dict[str, Any]) -> Rules:
    """One WorkDayRule per distinct window (with its weekdays), one HolidayRule."""
    zone = pytz.timezone(spec["timezone"])
    weekdays_by_window: dict[str, list[int]] = {}
    for weekday, day in enumerate(DAY_NAMES):
        for window in spec["hours"].get(day, []):
            weekdays_by_window.setdefault(window, []).append(weekday)
    rules: list[Any] = [
        WorkDayRule(start_time=_clock(window[:5]), end_time=_clock(window[6:]), working_days=days, tz=zone)
        for window, days in weekdays_by_window.items()
    ]
    return Rules([*rules, HolidayRule(holiday_dates(spec), tz=zone)])


def _clock(text: str) -> clock:
    hour, minute = map(int, text.split(":"))
    return clock(hour, minute)


def starts(zone: ZoneInfo) -> list[datetime]:
    """Seeded random instants in 2026 plus the boundary minutes that trip libraries up."""
    rng = random.Random(SEED)
    year_start = datetime(2026, 1, 1, tzinfo=zone)
    seconds_in_year = 365 * 24 * 3600
    random_starts = [year_start + timedelta(seconds=rng.randrange(seconds_in_year)) for _ in range(RANDOM_STARTS)]
    boundaries = [
        datetime(2026, 1, 5, 8, tzinfo=zone),  # Monday opening
        datetime(2026, 1, 5, 16, tzinfo=zone),  # Monday closing
        datetime(2026, 1, 9, 11, 30, tzinfo=zone),  # Friday lunch starts
        datetime(2026, 1, 9, 13, tzinfo=zone),  # Friday lunch ends
        datetime(2026, 1, 9, 16, 30, tzinfo=zone),  # Friday closing
        datetime(2026, 1, 10, 10, tzinfo=zone),  # Saturday
        datetime(2026, 8, 17, 9, tzinfo=zone),  # Independence Day
        datetime(2026, 12, 23, 15, tzinfo=zone),  # before cuti bersama and Christmas
        datetime(2026, 12, 30, 15, tzinfo=zone),  # before the extra holiday and New Year
    ]
    return random_starts + boundaries


def per_call_seconds(add: Callable[[datetime], datetime], inputs: Sequence[datetime], repeats: int) -> float:
    """Best of `repeats` passes over `inputs`, divided by the number of calls."""
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        for start in inputs:
            add(start)
        best = min(best, time.perf_counter() - began)
    return best / len(inputs)


def check_agreement(calendar: WorkingCalendar, rules: Rules, inputs: Sequence[datetime]) -> int:
    """Compare every result; print mismatches; return the number of comparisons."""
    mismatches = []
    for hours in TARGET_HOURS:
        for start in inputs:
            ours = calendar.add(start, timedelta(hours=hours))
            theirs = start + BusinessTimeDelta(rules, hours=hours)
            if ours != theirs:
                mismatches.append((start, hours, ours, theirs))
    for start, hours, ours, theirs in mismatches[:20]:
        print(f"MISMATCH {start.isoformat()} + {hours}h: ours {ours.isoformat()} theirs {theirs.isoformat()}")
    assert not mismatches, f"{len(mismatches)} mismatches"
    return len(TARGET_HOURS) * len(inputs)


def time_target(hours: int, calendar: WorkingCalendar, rules: Rules, inputs: Sequence[datetime]) -> tuple[float, float]:
    """Seconds per call of start + `hours` working hours: (businesstimedelta, ours)."""
    work = timedelta(hours=hours)
    delta = BusinessTimeDelta(rules, hours=hours)
    theirs = per_call_seconds(lambda start: start + delta, inputs, repeats=3)
    ours = per_call_seconds(lambda start: calendar.add(start, work), inputs, repeats=30)
    return theirs, ours


def cold_start_ms(spec: dict[str, Any], start: datetime) -> float:
    """A fresh calendar's first add, which builds its year tables and holiday lookups."""
    began = time.perf_counter()
    WorkingCalendar.from_spec(spec).add(start, timedelta(hours=200))
    return (time.perf_counter() - began) * 1000


def main() -> None:
    calendar = WorkingCalendar.from_spec(SPEC)
    rules = businesstimedelta_rules(SPEC)
    inputs = starts(ZoneInfo(SPEC["timezone"]))
    print(f"cold start, ours (from_spec + first add): {cold_start_ms(SPEC, inputs[0]):.2f} ms")
    compared = check_agreement(calendar, rules, inputs)
    print(f"{compared} results identical ({len(inputs)} starts x {len(TARGET_HOURS)} targets)\n")
    print(f"{'target':>8} | {'businesstimedelta':>17} | {'WorkingCalendar':>15} | {'ours faster':>11}")
    print(f"{'-' * 8}-+-{'-' * 17}-+-{'-' * 15}-+-{'-' * 11}")
    for hours in TARGET_HOURS:
        theirs, ours = time_target(hours, calendar, rules, inputs)
        print(f"{hours:>7}h | {theirs * 1e6:>11.1f} µs/op | {ours * 1e6:>9.2f} µs/op | {theirs / ours:>10.0f}x")


if __name__ == "__main__":
    main()
