"""Objection windows and where a breach stands: the pure rules, table-driven."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.appeals import Standing, objection_window_end, standing
from sla.calendar import WorkingCalendar

WITA = ZoneInfo("Asia/Makassar")
OFFICE = WorkingCalendar.from_spec({
    "timezone": "Asia/Makassar",
    "hours": {"mon": ["08:00-16:00"], "tue": ["08:00-16:00"], "wed": ["08:00-16:00"], "thu": ["08:00-16:00"],
              "fri": ["08:00-11:30", "13:00-16:30"]},
    "extra_holidays": ["2026-10-12"],
})
ENDS = datetime(2026, 10, 14, 16, 0, tzinfo=WITA)


@pytest.mark.parametrize(("due", "days", "ends"), [
    # Wednesday 09:00: Thu, Fri, (Mon is a holiday), Tue, Wed, Thu -> Thursday's close.
    (datetime(2026, 10, 7, 9, 0, tzinfo=WITA), 5, datetime(2026, 10, 15, 16, 0, tzinfo=WITA)),
    # At Friday's close the window starts counting on Monday... which is the holiday: Tuesday.
    (datetime(2026, 10, 9, 16, 30, tzinfo=WITA), 1, datetime(2026, 10, 13, 16, 0, tzinfo=WITA)),
    # Before Monday's opening, that Monday counts as the first day.
    (datetime(2026, 10, 19, 7, 0, tzinfo=WITA), 1, datetime(2026, 10, 19, 16, 0, tzinfo=WITA)),
])
def test_the_window_ends_at_the_close_of_the_nth_working_day_after_the_breach(
    due: datetime, days: int, ends: datetime
) -> None:
    assert objection_window_end(OFFICE, due, days) == ends


@pytest.mark.parametrize(("waived", "pending", "now", "expected"), [
    (True, True, ENDS, Standing.WAIVED),
    (False, True, ENDS + timedelta(days=9), Standing.UNDER_OBJECTION),
    (False, False, ENDS, Standing.OPEN),  # the window's last instant still counts
    (False, False, ENDS + timedelta(seconds=1), Standing.FINAL),
])
def test_where_a_breach_stands(waived: bool, pending: bool, now: datetime, expected: Standing) -> None:
    assert standing(waived, pending, ENDS, now) is expected
